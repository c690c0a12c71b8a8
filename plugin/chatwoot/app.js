/**
 * Vastaus as a Chatwoot Dashboard App: Chatwoot shows this page (served by kb serve at
 * /plugin/chatwoot/index.html) in an iframe tab of the conversation view.
 *
 * Chatwoot sends the context as a window message whose data is a JSON string
 * {"event": "appContext", "data": {"conversation", "contact", "currentAgent"}}, once when the
 * frame loads and again whenever the app asks with
 * window.parent.postMessage('chatwoot-dashboard-app:fetch-info', '*').
 * Chatwoot gives apps no way to write into its reply editor, so replies are copied
 * (Enter copies) and the agent pastes them.
 *
 * Settings in the address: #token=... (when kb serve requires API tokens), lang=fi|et|en (the
 * interface language; otherwise the browser's), chatwoot=https://chat.example.com (accept
 * context only from that origin), theme=dark|light (otherwise the context's `theme` when
 * Chatwoot sends one, else the browser's colour scheme, which Chatwoot's "system" mode follows).
 *
 * Chatwoot sends `contact: {}` until the contact has loaded: the customer's name then comes
 * from the conversation's `meta.sender`.
 */
import '../core/index.js';

const FETCH_INFO = 'chatwoot-dashboard-app:fetch-info';
/**
 * Chatwoot's inbox types (Channel::...) -> the knowledge base's channels to use, the first one
 * kb.yaml has (the panel checks them against GET /version): a knowledge base may declare
 * `instagram` or `whatsapp` with their own limit, else the nearest it has is used.
 */
const CHANNELS = {
  TwitterProfile: ['twitter'], Sms: ['sms'], TwilioSms: ['sms'], FacebookPage: ['facebook', 'chat'],
  Instagram: ['instagram', 'facebook', 'chat'], WebWidget: ['chat'], Email: ['email'],
  Whatsapp: ['whatsapp', 'chat'], Telegram: ['telegram', 'chat'], Line: ['line', 'chat'], Api: ['chat'],
  Voice: ['voice', 'chat'],
};
const INCOMING = 0;

const panel = document.getElementById('panel');
const settings = new URLSearchParams(window.location.hash.slice(1));
let lastKey = null;

/** The interface language (the service answers English strings for one it has no catalog for). */
function uiLang() {
  return String(settings.get('lang') || navigator.language || 'en').trim().split(/[-_]/)[0].toLowerCase() || 'en';
}

/** The parsed appContext payload of a message event, or null for anything else. */
export function appContext(event) {
  if (event.source !== window.parent) return null;
  const allowed = settings.get('chatwoot');
  if (allowed && event.origin !== allowed) return null;
  if (typeof event.data !== 'string') return null;
  let message;
  try {
    message = JSON.parse(event.data);
  } catch (_err) {
    return null; // other messages on the window are not ours
  }
  return message && message.event === 'appContext' && message.data ? message.data : null;
}

/** The customer's last message in a Chatwoot conversation payload. */
export function lastIncoming(conversation) {
  const messages = Array.isArray(conversation && conversation.messages) ? conversation.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] || {};
    if (message.message_type === INCOMING && !message.private && message.content) return String(message.content);
  }
  return '';
}

export function channelOf(conversation) {
  const raw = String((conversation && (conversation.meta?.channel || conversation.channel)) || '');
  return CHANNELS[raw.replace(/^Channel::/, '')];
}

/** The contact with a name: `contact` once loaded, before that the conversation's sender. */
export function contactOf(context) {
  const named = (person) => person && typeof person === 'object' && typeof person.name === 'string' && person.name.trim();
  if (named(context.contact)) return context.contact;
  const sender = context.conversation && context.conversation.meta && context.conversation.meta.sender;
  return named(sender) ? sender : {};
}

function themeOf(context) {
  const chosen = settings.get('theme') || context.theme;
  if (chosen === 'dark' || chosen === 'light') return chosen;
  return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function open(context) {
  const conversation = context.conversation || {};
  const contact = contactOf(context);
  const agent = context.currentAgent || {};
  const lastMessage = lastIncoming(conversation);
  const key = JSON.stringify([conversation.id, lastMessage, contact.name || '', themeOf(context)]);
  if (key === lastKey) return; // the same context again (fetch-info on focus): keep what is shown
  lastKey = key;
  panel.configure({
    apiBase: settings.get('api') || '',
    token: settings.get('token') || '',
    uiLang: uiLang(),
    theme: themeOf(context),
    insert: false,
    conversation: {
      id: `chatwoot-${conversation.id}`,
      lastMessage,
      customer: { name: contact.name || '' },
      agent: { name: agent.name || '' },
      ticket: { id: conversation.display_id ?? conversation.id },
      channel: channelOf(conversation),
    },
  });
}

window.addEventListener('message', (event) => {
  const context = appContext(event);
  if (context) open(context);
});
window.addEventListener('focus', () => window.parent.postMessage(FETCH_INFO, '*'));
window.parent.postMessage(FETCH_INFO, '*');
