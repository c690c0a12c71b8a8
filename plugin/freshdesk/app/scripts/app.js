/**
 * Vastaus in Freshdesk's ticket sidebar (Freshworks app platform 3.0).
 *
 * - The conversation comes from client.data.get: 'ticket' (id, first message, source),
 *   'requester' (the customer's name) and 'loggedInUser' (the agent and their language).
 * - API calls go through request templates (config/requests.json) with invokeTemplate:
 *   Freshworks' proxy adds the secure iparam api_token on its side, so agents' browsers never
 *   hold the token, and platform 3.0 allows no other way to call an outside host.
 * - Insert puts the reply into the ticket editor with interface.trigger('setValue'), which
 *   takes HTML: the reply is escaped and its line breaks become <br>.
 *
 * The request budget: Freshworks allows an app 50 request-template calls a minute for the
 * whole account, every agent together. So the app spends calls only where they bring
 * something: /version and the interface strings are kept for 20 minutes in the app's
 * localStorage (the sidebar frame is reloaded for every ticket), a reply is rendered by the
 * service only when it is inserted or copied (the preview is filled here), and a search
 * waits for the agent to pause (600 ms). A ticket then costs one call (suggest), each use
 * one (render) and each search one. The declared incidents (the outage banner) are asked for
 * every INCIDENT_POLL_MS, not every 20 s as elsewhere, and the answer is shared by the agent's
 * sidebar frames through localStorage, so a ticket opened in between costs nothing; a ticket
 * about the incident brings its news with the suggestions anyway. docs/integrators counts
 * what a team spends. When the limit is hit anyway, the panel says so in those words.
 */
import { cachingTransport } from '../core/index.js';
import { _ } from '../core/i18n.js';

/** Freshdesk's pace for the incidents: one call an agent every 10 minutes (see the budget). */
const INCIDENT_POLL_MS = 10 * 60 * 1000;
/** How long /version and the interface strings are kept: they change when the service is deployed. */
const STATIC_CACHE_MS = 20 * 60 * 1000;
const SOURCES = { 1: 'email', 2: 'email', 5: 'twitter', 6: 'facebook', 7: 'chat', 10: 'email' };

/**
 * The language of a locale ('fi-FI' -> 'fi'). No list of languages here: the service answers
 * English strings for an interface language it has no catalog for, and the panel uses a reply
 * language only if the knowledge base has it.
 */
function language(tag) {
  return String(tag || '').trim().split(/[-_]/)[0].toLowerCase() || null;
}

function parse(text) {
  if (text && typeof text === 'object') return text;
  try {
    return text ? JSON.parse(text) : null;
  } catch (_err) {
    return null;
  }
}

/**
 * Which request template serves an API path, and the context and query it needs.
 * @returns {{name: string, context: object, query?: object} | null}
 */
export function templateFor(method, path) {
  const url = new URL(path, 'https://vastaus.invalid');
  const query = Object.fromEntries(url.searchParams.entries());
  const route = url.pathname;
  if (method === 'POST' && route === '/api/v1/suggest') return { name: 'vastausSuggest', context: {} };
  if (method === 'POST' && route === '/api/v1/render') return { name: 'vastausRender', context: {} };
  if (method === 'POST' && route === '/api/v1/events') return { name: 'vastausEvents', context: {} };
  if (method === 'GET' && route === '/api/v1/search') return { name: 'vastausSearch', context: {}, query };
  if (method === 'GET' && route === '/api/v1/version') return { name: 'vastausVersion', context: {} };
  if (method === 'GET' && route === '/api/v1/incidents') return { name: 'vastausIncidents', context: {} };
  if (method === 'GET' && route.startsWith('/api/v1/snippets/')) {
    return { name: 'vastausSnippet', context: { id: decodeURIComponent(route.slice('/api/v1/snippets/'.length)) }, query };
  }
  if (method === 'GET' && route.startsWith('/api/v1/i18n/')) {
    return { name: 'vastausStrings', context: { lang: decodeURIComponent(route.slice('/api/v1/i18n/'.length)) } };
  }
  return null;
}

/** Text as the HTML that Freshdesk's editor takes: escaped, one <br> a line break. */
export function toEditorHtml(text) {
  const escaped = String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  return escaped.replace(/\r\n?|\n/g, '<br>');
}

function storage() {
  try {
    return window.localStorage;
  } catch (_err) {
    return null; // access refused: the answers are kept for this ticket only
  }
}

/** The panel's transport over request templates (see core/api.js for the contract). */
export function fdkTransport(client, uiLang) {
  return async ({ method, path, body }) => {
    const template = templateFor(method, path);
    if (!template) return { status: 404, data: { error: { code: 'not_found', message: path } } };
    const options = { context: { ...template.context, ui_lang: uiLang } };
    if (template.query && Object.keys(template.query).length) options.query = template.query;
    if (body !== undefined) options.body = JSON.stringify(body);
    try {
      const response = await client.request.invokeTemplate(template.name, options);
      return { status: response.status || 200, data: parse(response.response) };
    } catch (failure) {
      const status = failure && typeof failure.status === 'number' ? failure.status : 0;
      return { status, data: failure ? parse(failure.response) : null };
    }
  };
}

async function main() {
  const panel = document.getElementById('panel');
  if (!window.app || typeof window.app.initialized !== 'function') {
    panel.textContent = 'Open this page inside Freshdesk.';
    return;
  }
  const client = await window.app.initialized();
  const [{ ticket }, { requester }, { loggedInUser }] = await Promise.all([
    client.data.get('ticket'),
    client.data.get('requester').catch(() => ({ requester: {} })),
    client.data.get('loggedInUser'),
  ]);
  const agent = (loggedInUser && loggedInUser.contact) || {};
  const customer = requester || {};
  const uiLang = language(agent.language) || 'en';
  await panel.configure({
    uiLang,
    replyLang: language(customer.language) || undefined,
    transport: cachingTransport(fdkTransport(client, uiLang), { storage: storage(), ttlMs: STATIC_CACHE_MS }),
    searchDelayMs: 600,
    preview: false,
    incidentPollMs: INCIDENT_POLL_MS,
    incidentStore: storage(),
    explain: {
      rate_limited: () => _('Freshdesk allows this app 50 requests a minute for the whole team, and they are used up. Try again in a minute; the replies already shown still work.'),
    },
    onInsert: (text) => client.interface.trigger('setValue', { id: 'editor', text: toEditorHtml(text), replace: false }),
    conversation: {
      id: `freshdesk-${ticket.id}`,
      lastMessage: ticket.description_text || ticket.subject || '',
      customer: { name: customer.name || '' },
      agent: { name: agent.name || '' },
      ticket: { id: ticket.id },
      channel: SOURCES[ticket.source],
    },
  });
}

main();
