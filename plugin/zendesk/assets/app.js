/**
 * Vastaus in Zendesk Support's ticket sidebar (Apps Framework v2).
 *
 * Zendesk hosts this page in an iframe and answers the ZAF SDK's postMessage calls:
 * - the conversation comes from client.get (requester, ticket id, agent, comments);
 * - the API is called through client.request with `secure: true`, so Zendesk's proxy puts
 *   the secure setting {{setting.api_token}} into the Authorization header on its side and
 *   the token never reaches an agent's browser (the API host must be in domainWhitelist);
 * - Insert appends to the reply with ticket.comment.appendText;
 * - on ticket.save, if an approved escalation text that was inserted has been edited, the
 *   first save is stopped with a warning (saving again sends the edited text).
 */
import './core/index.js';
import { _, format } from './core/i18n.js';

const FIELDS = ['ticket.requester.firstName', 'ticket.requester.name', 'ticket.id', 'currentUser.name',
  'currentUser.locale', 'ticket.comments', 'ticket.requester.locale', 'ticket.via.channel'];
const CHANNELS = { twitter: 'twitter', sms: 'sms', facebook: 'facebook', chat: 'chat', native_messaging: 'chat', email: 'email', web: 'email' };

/** Text of a comment's HTML, parsed in an inert document (nothing in it loads or runs). */
export function htmlToText(html) {
  const doc = new DOMParser().parseFromString(String(html || ''), 'text/html');
  for (const br of doc.querySelectorAll('br')) br.replaceWith('\n');
  for (const block of doc.querySelectorAll('p, div, li')) block.append('\n');
  return (doc.body ? doc.body.textContent : '').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * The language of a locale ('fi-FI' -> 'fi'). No list of languages here: the service answers
 * English strings for an interface language it has no catalog for, and the panel uses a reply
 * language only if the knowledge base has it.
 */
function language(tag) {
  return String(tag || '').trim().split(/[-_]/)[0].toLowerCase() || null;
}

function parse(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch (_err) {
    return null;
  }
}

/**
 * The panel's transport over client.request (see core/api.js for the contract).
 * @param {object} client a ZAF client
 * @param {string} apiUrl the api_url setting
 * @param {string} uiLang
 */
export function zafTransport(client, apiUrl, uiLang) {
  const base = String(apiUrl || '').replace(/\/+$/, '');
  return async ({ method, path, body }) => {
    const options = {
      url: base + path,
      type: method,
      contentType: 'application/json',
      dataType: 'json',
      headers: { Authorization: 'Bearer {{setting.api_token}}', 'Accept-Language': uiLang },
      secure: true,
      cors: false,
      httpCompleteResponse: true,
    };
    if (body !== undefined) options.data = JSON.stringify(body);
    try {
      const response = await client.request(options);
      return { status: response.status || 200, data: response.responseJSON ?? parse(response.responseText) };
    } catch (failure) {
      const status = failure && typeof failure.status === 'number' ? failure.status : 0;
      return { status, data: failure ? failure.responseJSON ?? parse(failure.responseText) : null };
    }
  };
}

/** The customer's last public comment, as text. */
export function lastCustomerMessage(comments, requesterName) {
  const list = Array.isArray(comments) ? comments : [];
  for (let i = list.length - 1; i >= 0; i--) {
    const comment = list[i] || {};
    const author = comment.author || {};
    const fromCustomer = author.role === 'end-user' || (requesterName && author.name === requesterName);
    if (fromCustomer) return htmlToText(comment.value ?? comment.nonHtmlValue ?? '');
  }
  return '';
}

const normalise = (text) => text.replace(/\s+/g, ' ').trim();

/**
 * Whether an inserted text was edited (rather than kept, or deleted on purpose): most of
 * its words are still in the comment, but the text itself is not.
 */
export function wasEdited(comment, inserted) {
  const have = normalise(comment);
  const want = normalise(inserted);
  if (!want || have.includes(want)) return false;
  const words = want.split(' ');
  const kept = words.filter((word) => have.includes(word)).length;
  return kept / words.length >= 0.5;
}

async function main() {
  const client = window.ZAFClient && window.ZAFClient.init();
  const panel = document.getElementById('panel');
  if (!client) {
    panel.textContent = 'Open this page inside Zendesk Support.';
    return;
  }
  client.invoke('resize', { width: '100%', height: '620px' });
  const metadata = await client.metadata();
  const settings = (metadata && metadata.settings) || {};
  const inserted = []; // approved escalation texts put into this ticket's reply
  let warnedFor = null;

  async function open() {
    const data = await client.get(FIELDS);
    const uiLang = language(data['currentUser.locale']) || 'en';
    const requesterName = data['ticket.requester.name'] || '';
    await panel.configure({
      uiLang,
      replyLang: language(data['ticket.requester.locale']) || undefined,
      transport: zafTransport(client, settings.api_url, uiLang),
      onInsert: async (text, meta) => {
        await client.invoke('ticket.comment.appendText', text);
        if (meta.kind === 'escalation') inserted.push({ text, id: meta.id });
      },
      conversation: {
        id: `zendesk-${data['ticket.id']}`,
        lastMessage: lastCustomerMessage(data['ticket.comments'], requesterName),
        customer: { first_name: data['ticket.requester.firstName'] || '', name: requesterName },
        agent: { name: data['currentUser.name'] || '' },
        ticket: { id: data['ticket.id'] },
        channel: CHANNELS[data['ticket.via.channel']],
      },
    });
  }

  client.on('ticket.save', () => {
    if (!inserted.length) return true;
    return client.get('ticket.comment.text').then((data) => {
      const comment = htmlToText(data['ticket.comment.text'] || '');
      const edited = inserted.filter((entry) => wasEdited(comment, entry.text));
      if (!edited.length || warnedFor === comment) {
        inserted.length = 0;
        warnedFor = null;
        return true;
      }
      warnedFor = comment;
      // A rejected promise with a message stops the save and shows the message to the agent.
      return Promise.reject(format(_('The approved escalation wording ({id}) was changed. Send it unchanged, or save again to send your version.'),
        { id: edited.map((entry) => entry.id).join(', ') }));
    });
  });
  client.on('ticket.requester.id.changed', open);
  await open();
}

main();
