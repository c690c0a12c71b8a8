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
 * context only from that origin).
 */
import '../core/index.js';

const FETCH_INFO = 'chatwoot-dashboard-app:fetch-info';
const CHANNELS = { TwitterProfile: 'twitter', Sms: 'sms', TwilioSms: 'sms', FacebookPage: 'facebook', WebWidget: 'chat',
  Email: 'email', Whatsapp: 'chat', Telegram: 'chat', Line: 'chat', Api: 'chat' };
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

function channelOf(conversation) {
  const raw = String((conversation && (conversation.meta?.channel || conversation.channel)) || '');
  return CHANNELS[raw.replace(/^Channel::/, '')];
}

function open(context) {
  const conversation = context.conversation || {};
  const contact = context.contact || conversation.meta?.sender || {};
  const agent = context.currentAgent || {};
  const lastMessage = lastIncoming(conversation);
  const key = JSON.stringify([conversation.id, lastMessage]);
  if (key === lastKey) return; // the same context again (fetch-info on focus): keep what is shown
  lastKey = key;
  panel.configure({
    apiBase: settings.get('api') || '',
    token: settings.get('token') || '',
    uiLang: uiLang(),
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
