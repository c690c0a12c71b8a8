/**
 * The demo helpdesk: a conversation view with a reply box and the Vastaus panel beside it,
 * wired exactly as a real adapter wires it (configure + onInsert). It is what `kb serve`
 * shows at / so that a new user sees suggestions for real sample conversations at once.
 *
 * Open a conversation with its id in the address (#demo-48220). An API token, when the
 * service requires one, is read from localStorage["vastaus-demo-token"].
 *
 * The channels' character limits and the languages of the interface menu are the knowledge
 * base's (kb.yaml), as the panel got them from the service (its `vastaus-facts` event): the
 * reply box counts characters without a limit until they are known.
 */
import '../core/index.js';
import { _, currentLang, format, ngettext } from '../core/i18n.js';
import { AGENT, CONVERSATIONS } from './conversations.js';

const drafts = new Map();
let current = null;

const $ = (selector) => document.querySelector(selector);
const panel = $('#panel');
const reply = $('#reply');
let facts = panel.facts;

function channelName(channel) {
  const names = { twitter: _('Twitter'), facebook: _('Facebook'), email: _('E-mail'), chat: _('Chat'), sms: _('SMS') };
  return names[channel] || channel;
}

/** The demo's own labels, through the same catalog as the panel. */
function applyStrings() {
  const strings = {
    Helpdesk: _('Helpdesk'),
    'Vastaus demo': _('Vastaus demo'),
    'Interface language': _('Interface language'),
    'Open conversations': _('Open conversations'),
    'Your reply': _('Your reply'),
    Send: _('Send'),
  };
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = strings[node.dataset.i18n] || node.dataset.i18n;
  }
  document.documentElement.lang = currentLang();
  $('#ui-lang').value = currentLang();
  renderInbox();
  if (current) renderConversation(current);
  updateCounter();
}

/** The chosen interface language, else the browser's (the service answers English for one it has no catalog for). */
function uiLang() {
  let stored = null;
  try {
    stored = localStorage.getItem('vastaus-demo-ui');
  } catch (_err) {
    stored = null;
  }
  return stored || (navigator.language || 'en').slice(0, 2).toLowerCase();
}

/** The interface language menu: the knowledge base's languages, each named in its own language. */
function renderLanguages() {
  const select = $('#ui-lang');
  const options = facts.languages.map((code) => {
    const option = document.createElement('option');
    option.value = code;
    option.lang = code;
    option.textContent = facts.names[code];
    return option;
  });
  select.replaceChildren(...options);
  select.value = currentLang();
}

function token() {
  try {
    return localStorage.getItem('vastaus-demo-token') || '';
  } catch (_err) {
    return '';
  }
}

function lastCustomerMessage(conversation) {
  const messages = conversation.messages.filter((m) => m.from === 'customer');
  return messages.length ? messages[messages.length - 1].text : '';
}

function renderInbox() {
  const list = $('#conversation-list');
  list.replaceChildren();
  for (const conversation of CONVERSATIONS) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.conversation = conversation.id;
    if (current && current.id === conversation.id) button.setAttribute('aria-current', 'true');
    const who = document.createElement('span');
    who.className = 'who';
    const name = document.createElement('span');
    name.textContent = conversation.customer.name;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = conversation.messages[conversation.messages.length - 1].time;
    who.append(name, when);
    const preview = document.createElement('span');
    preview.className = 'preview';
    preview.textContent = lastCustomerMessage(conversation);
    const tags = document.createElement('span');
    tags.className = 'tags';
    const channel = document.createElement('span');
    channel.className = 'tag';
    channel.textContent = channelName(conversation.channel);
    const ticket = document.createElement('span');
    ticket.className = 'tag';
    ticket.textContent = `#${conversation.ticket.id}`;
    tags.append(channel, ticket);
    button.append(who, preview, tags);
    button.addEventListener('click', () => {
      window.location.hash = conversation.id;
    });
    item.append(button);
    list.append(item);
  }
}

function renderConversation(conversation) {
  $('#conversation-title').textContent = conversation.subject;
  $('#conversation-meta').textContent = format(_('{customer} · ticket #{ticket}'),
    { customer: conversation.customer.name, ticket: conversation.ticket.id });
  $('#conversation-channel').textContent = channelName(conversation.channel);
  const thread = $('#thread');
  thread.replaceChildren();
  for (const message of conversation.messages) {
    const item = document.createElement('li');
    item.className = `message ${message.from}`;
    const meta = document.createElement('div');
    meta.className = 'meta';
    meta.textContent = `${message.from === 'agent' ? AGENT.name : conversation.customer.name} · ${message.time}`;
    const text = document.createElement('p');
    text.textContent = message.text;
    item.append(meta, text);
    thread.append(item);
  }
  thread.scrollTop = thread.scrollHeight;
}

function updateCounter() {
  const counter = $('#counter');
  const length = reply.value.length;
  const limit = current ? facts.channels[current.channel] : null;
  if (limit) {
    counter.textContent = `${length} / ${limit}`;
    counter.classList.toggle('over', length > limit);
  } else {
    counter.textContent = format(ngettext('{count} character', '{count} characters', length), { count: length });
    counter.classList.remove('over');
  }
}

/** Put a reply at the caret of the reply box, as a helpdesk's own "insert macro" would. */
function insertIntoReply(text) {
  const start = reply.selectionStart ?? reply.value.length;
  const end = reply.selectionEnd ?? start;
  reply.setRangeText(text, start, end, 'end');
  reply.dispatchEvent(new Event('input', { bubbles: true }));
  reply.focus();
}

function open(conversation) {
  if (current) drafts.set(current.id, reply.value);
  current = conversation;
  reply.value = drafts.get(conversation.id) || '';
  renderInbox();
  renderConversation(conversation);
  updateCounter();
  return panel.configure({
    apiBase: '',
    token: token(),
    uiLang: uiLang(),
    onInsert: insertIntoReply,
    helpdesk: 'demo', // names the demo's inserts and copies in the usage insights (/insights)
    conversation: {
      id: conversation.id,
      lastMessage: lastCustomerMessage(conversation),
      customer: conversation.customer,
      agent: AGENT,
      ticket: conversation.ticket,
      channel: conversation.channel,
    },
  }).then(applyStrings);
}

function fromHash() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  return CONVERSATIONS.find((c) => c.id === id) || CONVERSATIONS[0];
}

function start() {
  const select = $('#ui-lang');
  panel.addEventListener('vastaus-facts', (event) => {
    facts = event.detail;
    renderLanguages();
    updateCounter();
  });
  renderLanguages();
  select.addEventListener('change', () => {
    try {
      localStorage.setItem('vastaus-demo-ui', select.value);
    } catch (_err) {
      // the choice then lasts until the page is reloaded
    }
    open(current);
  });
  reply.addEventListener('input', updateCounter);
  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = reply.value.trim();
    if (!text || !current) return;
    const now = new Date();
    current.messages.push({ from: 'agent', time: `${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`, text });
    reply.value = '';
    drafts.delete(current.id);
    renderConversation(current);
    updateCounter();
  });
  window.addEventListener('hashchange', () => open(fromHash()));
  open(fromHash());
}

start();
