/**
 * What the content script does on an allowed helpdesk page: a "V" button and a panel frame
 * at the right edge, the Alt+Shift+V shortcut (also while the caret is in an editor's
 * same-origin iframe), and insertion into the reply box the agent was last in (see insert.js).
 *
 * The panel runs in an extension page (panel.html) inside an iframe rather than in the page:
 * content scripts have no custom elements, and in its own frame the panel is out of reach of
 * the page's scripts and styles. The page only learns the text the agent inserts.
 * The customer's message is whatever text the agent selected before opening the panel.
 */
import { ReplyTarget } from './insert.js';

const WIDTH = '400px';

function style(node, rules) {
  Object.assign(node.style, rules); // CSSOM: allowed whatever the page's style-src
}

/**
 * @param {{chromeApi?: object, doc?: Document}} options
 */
export async function start({ chromeApi = globalThis.chrome, doc = document } = {}) {
  const view = doc.defaultView;
  const frameUrl = chromeApi.runtime.getURL('panel.html');
  // Not URL.origin: that is "null" for chrome-extension:// and moz-extension:// addresses.
  const frameOrigin = new URL(frameUrl, view.location.href).href.split('/').slice(0, 3).join('/');
  // Chrome gives the content script the panel's per-session address (use_dynamic_url), but the
  // frame's messages come from the extension's fixed origin: both are the panel's.
  const panelOrigins = new Set([frameOrigin]);
  if (chromeApi.runtime.id) panelOrigins.add(`chrome-extension://${chromeApi.runtime.id}`);
  let panelOrigin = frameOrigin;
  const { uiLang = '' } = await chromeApi.storage.local.get('uiLang');

  const box = doc.createElement('div');
  box.id = 'vastaus-extension';
  style(box, { position: 'fixed', top: '0', right: '0', width: WIDTH, height: '100vh', zIndex: '2147483646',
    boxShadow: '-4px 0 16px rgba(0,0,0,.15)', background: '#fff', display: 'none' });
  const frame = doc.createElement('iframe');
  frame.src = frameUrl;
  frame.title = 'Vastaus';
  frame.dataset.vastausPanel = '';
  frame.setAttribute('allow', 'clipboard-write');
  style(frame, { border: '0', width: '100%', height: '100%' });
  box.append(frame);
  const toggle = doc.createElement('button');
  toggle.type = 'button';
  toggle.textContent = 'V';
  toggle.title = 'Vastaus (Alt+Shift+V)';
  toggle.setAttribute('aria-label', 'Vastaus');
  toggle.setAttribute('aria-expanded', 'false');
  style(toggle, { position: 'fixed', right: '16px', bottom: '16px', zIndex: '2147483647', width: '40px', height: '40px',
    borderRadius: '50%', border: '0', background: '#0b6e4f', color: '#fff', font: '600 16px system-ui, sans-serif',
    cursor: 'pointer', boxShadow: '0 2px 8px rgba(0,0,0,.25)' });
  doc.body.append(box, toggle);

  let ready = false;
  let selected = '';
  const post = (message) => frame.contentWindow.postMessage(message, panelOrigin);
  const onShortcut = (event) => {
    if (event.altKey && event.shiftKey && event.code === 'KeyV') {
      event.preventDefault();
      open(event.target.ownerDocument || doc);
    }
  };
  // Every document of the page the agent types in: the page and its same-origin frames.
  const target = new ReplyTarget(doc, (node) => node === toggle || box.contains(node),
    (current) => current.addEventListener('keydown', onShortcut, true));

  function context() {
    return {
      type: 'vastaus-context',
      uiLang: uiLang || (view.navigator.language || 'en').slice(0, 2),
      conversation: { id: view.location.host + view.location.pathname, lastMessage: selected },
    };
  }

  function open(where = doc) {
    const selection = where.getSelection();
    const text = selection ? selection.toString().trim() : '';
    if (text && !box.contains(selection.anchorNode)) selected = text;
    box.style.display = 'block';
    toggle.setAttribute('aria-expanded', 'true');
    if (ready) post(context());
    frame.focus();
    post({ type: 'vastaus-focus' });
  }

  function close() {
    box.style.display = 'none';
    toggle.setAttribute('aria-expanded', 'false');
    if (target.element) target.element.focus();
  }

  toggle.addEventListener('mousedown', (event) => event.preventDefault()); // keep the selection
  toggle.addEventListener('click', () => (box.style.display === 'none' ? open() : close()));
  if (!('ancestorOrigins' in view.location)) {
    // Where the panel cannot see who framed it (Firefox), it waits for our first message.
    frame.addEventListener('load', () => post(context()));
  }
  view.addEventListener('message', async (event) => {
    if (event.source !== frame.contentWindow || !panelOrigins.has(event.origin)) return;
    if (!event.data || typeof event.data !== 'object') return;
    panelOrigin = event.origin;
    const message = event.data;
    if (message.type === 'vastaus-ready') {
      ready = true;
      post(context());
      // Opened before the frame had loaded: the focus request was sent to nobody.
      if (box.style.display !== 'none') post({ type: 'vastaus-focus' });
    } else if (message.type === 'vastaus-insert') {
      const { ok, reason } = await target.insert(String(message.text));
      if (!ok) frame.focus(); // the panel copies the text instead, which needs its frame focused
      post({ type: 'vastaus-inserted', id: message.id, ok, reason });
    } else if (message.type === 'vastaus-close') {
      close();
    }
  });
  return { open, close, box, frame, toggle };
}
