/**
 * The panel frame of the extension (an extension page, so it may call the API with the
 * host permission the options page obtained). The content script sends it the conversation
 * and forwards insertions; the API address and token are read here from chrome.storage and
 * never pass through the helpdesk page.
 */
import './core/index.js';

const panel = document.getElementById('panel');
const waiting = new Map();
let next = 0;

/** API settings: the extension's storage; a test page without extension APIs uses the address's #api=&token=. */
async function settings() {
  const storage = globalThis.chrome && globalThis.chrome.storage && globalThis.chrome.storage.local;
  if (storage) return storage.get(['apiUrl', 'token']);
  const hash = new URLSearchParams(window.location.hash.slice(1));
  return { apiUrl: hash.get('api') || '', token: hash.get('token') || '' };
}

function insert(text) {
  return new Promise((resolve, reject) => {
    const id = ++next;
    waiting.set(id, { resolve, reject });
    window.parent.postMessage({ type: 'vastaus-insert', id, text }, '*');
  });
}

// Messages are handled in the order they came: a focus request waits for the configuration
// before it (reading the settings is asynchronous), or it would focus a box about to be redrawn.
let configured = Promise.resolve();

window.addEventListener('message', (event) => {
  if (event.source !== window.parent || !event.data || typeof event.data !== 'object') return;
  const message = event.data;
  if (message.type === 'vastaus-context') {
    configured = configured.then(async () => {
      const { apiUrl = '', token = '' } = await settings();
      panel.configure({ apiBase: apiUrl, token, uiLang: message.uiLang, onInsert: insert, conversation: message.conversation || {} });
    });
  } else if (message.type === 'vastaus-focus') {
    configured = configured.then(() => panel.focusSearch());
  } else if (message.type === 'vastaus-inserted') {
    const entry = waiting.get(message.id);
    waiting.delete(message.id);
    if (entry) (message.ok ? entry.resolve() : entry.reject(new Error('no reply box')));
  }
});
panel.addEventListener('vastaus-close', () => window.parent.postMessage({ type: 'vastaus-close' }, '*'));
window.parent.postMessage({ type: 'vastaus-ready' }, '*');
