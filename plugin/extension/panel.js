/**
 * The panel frame of the extension (an extension page, so it may call the API with the
 * host permission the options page obtained). The content script sends it the conversation
 * and forwards insertions; the API address and token are read here from chrome.storage and
 * never pass through the helpdesk page.
 *
 * Only the helpdesk may drive it: panel.html is web accessible (the content script frames
 * it), so any site could try to frame it too. The manifest lets only the extension itself
 * load it by its fixed address (use_dynamic_url: a web page gets an error page instead), and
 * this frame obeys only a parent whose origin is one of the sites the agent allowed
 * (location.ancestorOrigins, and each message's origin), and posts only to that origin.
 * Anywhere else it stays empty: no request is made and nothing is sent.
 */
import './core/index.js';
import { allowedOrigin } from './sites.js';

const panel = document.getElementById('panel');
const waiting = new Map();
let next = 0;

const storage = globalThis.chrome && globalThis.chrome.storage && globalThis.chrome.storage.local;

/** API settings: the extension's storage; a test page without extension APIs uses the address's #api=&token=. */
async function settings() {
  if (storage) return storage.get(['apiUrl', 'token']);
  const hash = new URLSearchParams(window.location.hash.slice(1));
  return { apiUrl: hash.get('api') || '', token: hash.get('token') || '' };
}

/**
 * Whether a page of `origin` may drive the panel: one of the allowed sites (outside the
 * extension, on a test page, only a parent of the panel's own origin).
 */
async function mayDrive(origin) {
  if (!origin || origin === 'null') return false;
  if (!storage) return origin === window.location.origin;
  const { sites = [] } = await storage.get('sites');
  return allowedOrigin(origin, sites);
}

// The parent's origin as the browser tells it (Chromium, Safari); elsewhere the first message's.
const ancestors = window.location.ancestorOrigins;
let parentOrigin = ancestors && ancestors.length ? ancestors[0] : null;
const trusted = parentOrigin ? mayDrive(parentOrigin) : Promise.resolve(null);

function post(message) {
  if (parentOrigin) window.parent.postMessage(message, parentOrigin);
}

function refuse() {
  document.body.dataset.refused = 'true';
  panel.remove();
}

function insert(text) {
  return new Promise((resolve, reject) => {
    const id = ++next;
    waiting.set(id, { resolve, reject });
    post({ type: 'vastaus-insert', id, text });
  });
}

// Messages are handled in the order they came: a focus request waits for the configuration
// before it (reading the settings is asynchronous), or it would focus a box about to be redrawn.
let configured = Promise.resolve();

async function accepted(event) {
  if (event.source !== window.parent || !event.data || typeof event.data !== 'object') return false;
  if (parentOrigin) return event.origin === parentOrigin && (await trusted) === true;
  if (!(await mayDrive(event.origin))) return false;
  parentOrigin = event.origin; // no ancestorOrigins: the first allowed sender is the parent
  return true;
}

let refusals = 0;

window.addEventListener('message', (event) => {
  const message = event.data;
  configured = configured.then(async () => {
    if (!(await accepted(event))) {
      document.body.dataset.refusedMessages = String(++refusals); // seen and ignored (the tests wait on it)
      return;
    }
    if (message.type === 'vastaus-context') {
      const { apiUrl = '', token = '' } = await settings();
      panel.configure({ apiBase: apiUrl, token, uiLang: message.uiLang, onInsert: insert, conversation: message.conversation || {} });
    } else if (message.type === 'vastaus-focus') {
      panel.focusSearch();
    } else if (message.type === 'vastaus-inserted') {
      const entry = waiting.get(message.id);
      waiting.delete(message.id);
      if (entry) (message.ok ? entry.resolve() : entry.reject(new Error(message.reason || 'not inserted')));
    }
  });
});
panel.addEventListener('vastaus-close', () => post({ type: 'vastaus-close' }));

trusted.then((ok) => {
  if (ok === false) refuse();
  else post({ type: 'vastaus-ready' });
});
