/**
 * The demo helpdesk: a conversation view with a reply box and the Vastaus panel beside it,
 * wired exactly as a real adapter wires it (configure + onInsert). It is what `kb serve`
 * shows at / so that a new user sees suggestions for real sample conversations at once.
 *
 * Open a conversation with its id in the address (#demo-48220). An API token, when the
 * service requires one, is read from localStorage["vastaus-demo-token"].
 *
 * A short introduction (what Vastaus is, what to try) stands above the inbox until the user
 * closes it; the "?" in the top bar brings it back. The choice is kept in localStorage.
 * Like a helpdesk that knows its macros, the demo refuses to send a reply that still has a
 * {{placeholder}} in it and says which ones are left.
 *
 * The channels' character limits and the languages of the interface menu are the knowledge
 * base's (kb.yaml), as the panel got them from the service (its `vastaus-facts` event): the
 * reply box counts characters without a limit until they are known.
 */
import '../core/index.js';
import { _, currentLang, format, ngettext } from '../core/i18n.js';
import { holesIn } from '../core/text.js';
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
    'About this demo': _('About this demo'),
    "Vastaus suggests ready-written replies from your team's knowledge base while you answer customers, in the customer's own language.":
      _("Vastaus suggests ready-written replies from your team's knowledge base while you answer customers, in the customer's own language."),
    'Try it:': _('Try it:'),
    "Open a conversation below: the panel on the right suggests replies to the customer's last message.":
      _("Open a conversation below: the panel on the right suggests replies to the customer's last message."),
    "Type in the panel's search box to find other replies.": _("Type in the panel's search box to find other replies."),
    'Switch the reply language in the panel, or the interface language at the top.':
      _('Switch the reply language in the panel, or the interface language at the top.'),
    "Choose a reply with ↑ ↓ and press Enter: it goes into the reply box with the customer's name filled in.":
      _("Choose a reply with ↑ ↓ and press Enter: it goes into the reply box with the customer's name filled in."),
    'Got it': _('Got it'),
  };
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = strings[node.dataset.i18n] || node.dataset.i18n;
  }
  for (const node of document.querySelectorAll('[data-i18n-title]')) {
    node.title = strings[node.dataset.i18nTitle] || node.dataset.i18nTitle;
    node.setAttribute('aria-label', node.title);
  }
  showError(pendingHoles);
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

const INTRO_KEY = 'vastaus-demo-intro';

/** Show or hide the introduction, and remember it (a closed introduction stays closed). */
function setIntro(visible, remember = true) {
  $('#intro').hidden = !visible;
  $('#intro-toggle').setAttribute('aria-expanded', String(visible));
  if (!remember) return;
  try {
    localStorage.setItem(INTRO_KEY, visible ? 'shown' : 'closed');
  } catch (_err) {
    // the choice then lasts until the page is reloaded
  }
}

function introWanted() {
  try {
    return localStorage.getItem(INTRO_KEY) !== 'closed';
  } catch (_err) {
    return true;
  }
}

/** The placeholders still in the reply, each once, in the order they appear. */
function unfilled(text) {
  return [...new Set(holesIn(text).map(([start, end]) => text.slice(start, end)))];
}

let pendingHoles = [];

function showError(holes) {
  pendingHoles = holes;
  const error = $('#composer-error');
  error.hidden = holes.length === 0;
  error.textContent = holes.length ? format(_('Fill in before sending: {names}'), { names: holes.join(', ') }) : '';
  if (holes.length) reply.setAttribute('aria-invalid', 'true');
  else reply.removeAttribute('aria-invalid');
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
  showError([]);
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
  setIntro(introWanted(), false);
  $('#intro-close').addEventListener('click', () => {
    setIntro(false);
    $('#intro-toggle').focus();
  });
  $('#intro-toggle').addEventListener('click', () => setIntro($('#intro').hidden));
  reply.addEventListener('input', () => {
    updateCounter();
    if (pendingHoles.length) showError(unfilled(reply.value));
  });
  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = reply.value.trim();
    if (!text || !current) return;
    const holes = unfilled(text);
    if (holes.length) {
      showError(holes);
      const [start, end] = holesIn(reply.value)[0];
      reply.focus();
      reply.setSelectionRange(start, end);  // the first one to fill in, selected
      return;
    }
    showError([]);
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
