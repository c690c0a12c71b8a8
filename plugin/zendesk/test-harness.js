/**
 * A fake Zendesk Support host for the app's iframe, speaking the ZAF SDK's real protocol
 * (JSON strings over postMessage, as lib/client.js of zendesk_app_framework_sdk sends them):
 *   iframe -> host: {key: "iframe.handshake"}, {id, request: "get"|"invoke", params},
 *                   {key: "request:N", message: options}, {key: "iframe.on:<event>"},
 *                   {key: "iframe.reply:<event>", error?}
 *   host -> iframe: {key: "zaf.app.registered", message: {metadata, context}}, {id, result},
 *                   {key: "zaf.request:N.done"|".fail", message: {responseArgs: [...]}},
 *                   {key: "zaf.<event>", needsReply: true}
 * Requests go to the API the way Zendesk's proxy sends them: {{setting.api_token}} is replaced
 * by the secure setting on the host side, and only for whitelisted domains with secure: true.
 *
 * Query parameters: app (iframe URL), token (the secure setting), api (api_url setting),
 * whitelist (comma-separated host names), locale (the agent's locale).
 */
const params = new URLSearchParams(window.location.search);
const iframe = document.getElementById('app');
const comment = document.getElementById('comment');
const log = document.getElementById('log');
const appGuid = 'vastaus-test-app';
const settings = { api_url: params.get('api') || window.location.origin };
const secure = { api_token: params.get('token') || '' };
const whitelist = (params.get('whitelist') || window.location.hostname).split(',');

const ticket = {
  'ticket.id': 48240,
  'ticket.requester.firstName': 'Pekka',
  'ticket.requester.name': 'Pekka Korhonen',
  'ticket.requester.locale': 'fi',
  'ticket.via.channel': 'email',
  'currentUser.name': 'Mikko Laine',
  'currentUser.locale': params.get('locale') || 'fi',
  'ticket.comments': [
    { author: { id: 7, name: 'Pekka Korhonen', role: 'end-user' },
      value: '<p>Tämä on jo kolmas kerta kun laskutus menee väärin.</p><p>Jos tätä ei korjata heti, vien asian <b>kuluttajariitalautakuntaan</b> ja otan yhteyttä lakimieheen.</p>' },
    { author: { id: 3, name: 'Mikko Laine', role: 'agent' }, value: '<p>Tarkistan asian.</p>' },
  ],
};
const subscriptions = {};
const pendingReplies = {};
window.zafCalls = [];
document.getElementById('ticket-id').textContent = `#${ticket['ticket.id']}`;

function post(message) {
  iframe.contentWindow.postMessage(JSON.stringify(message), new URL(iframe.src).origin);
}

function note(text) {
  const item = document.createElement('li');
  item.textContent = text;
  log.append(item);
}

function getValue(path) {
  if (path === 'ticket.comment.text') return comment.value;
  if (path in ticket) return ticket[path];
  throw new Error(`no such path: ${path}`);
}

async function proxy(options) {
  const url = new URL(options.url);
  const headers = { ...(options.headers || {}) };
  for (const [name, value] of Object.entries(headers)) {
    if (String(value).includes('{{setting.')) {
      if (!options.secure || !whitelist.includes(url.hostname)) {
        return { fail: true, response: { status: 403, responseText: 'secure setting used outside domainWhitelist' } };
      }
      headers[name] = String(value).replace(/\{\{setting\.(\w+)\}\}/g, (_m, key) => secure[key] ?? '');
    }
  }
  if (options.contentType) headers['Content-Type'] = options.contentType;
  try {
    const response = await fetch(url, { method: options.type || 'GET', headers, body: options.data });
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch (_err) { json = null; }
    const complete = { status: response.status, responseText: text, responseJSON: json, headers: {} };
    if (!response.ok) return { fail: true, response: complete };
    return { fail: false, response: options.httpCompleteResponse ? complete : json };
  } catch (_err) {
    return { fail: true, response: { status: 0, responseText: '' } };
  }
}

window.addEventListener('message', async (event) => {
  if (event.source !== iframe.contentWindow) return;
  let data;
  try { data = typeof event.data === 'string' ? JSON.parse(event.data) : event.data; } catch (_err) { return; }
  if (data.key === 'iframe.handshake') {
    post({ key: 'zaf.app.registered', message: {
      metadata: { appId: 0, installationId: 1, name: 'Vastaus', settings: { ...settings, title: 'Vastaus' } },
      context: { host: 'zendesk', product: 'support', location: 'ticket_sidebar', instanceGuid: appGuid, ticketId: ticket['ticket.id'] },
    } });
  } else if (data.request === 'get') {
    window.zafCalls.push(['get', data.params]);
    const result = { errors: {} };
    for (const path of data.params) {
      try { result[path] = getValue(path); } catch (err) { result.errors[path] = { name: 'Error', message: err.message, path }; }
    }
    post({ id: data.id, result });
  } else if (data.request === 'invoke') {
    window.zafCalls.push(['invoke', data.params]);
    for (const [name, args] of Object.entries(data.params)) {
      if (name === 'ticket.comment.appendText') comment.value += args[0];
    }
    post({ id: data.id, result: {} });
  } else if (typeof data.key === 'string' && data.key.startsWith('request:')) {
    window.zafCalls.push(['request', data.message]);
    const { fail, response } = await proxy(data.message);
    post({ key: `zaf.${data.key}.${fail ? 'fail' : 'done'}`, message: { responseArgs: [response] } });
  } else if (typeof data.key === 'string' && data.key.startsWith('iframe.on:')) {
    subscriptions[data.key.slice('iframe.on:'.length)] = data.message.subscriberCount;
  } else if (typeof data.key === 'string' && data.key.startsWith('iframe.reply:')) {
    const name = data.key.slice('iframe.reply:'.length);
    pendingReplies[name]?.(data.error ? data.error.msg : null);
  }
});

/** Submit: ask the app's ticket.save handlers, as Zendesk does, and cancel on an error. */
document.getElementById('save').addEventListener('click', async () => {
  const result = document.getElementById('save-result');
  let error = null;
  if (subscriptions['ticket.save']) {
    error = await new Promise((resolve) => {
      pendingReplies['ticket.save'] = resolve;
      post({ key: 'zaf.ticket.save', needsReply: true });
    });
  }
  result.textContent = error ? `Not saved: ${error}` : 'Saved';
  result.dataset.outcome = error ? 'cancelled' : 'saved';
  note(result.textContent);
});

const app = params.get('app') || 'dist/assets/iframe.html';
iframe.src = `${app}?origin=${encodeURIComponent(window.location.origin)}&app_guid=${appGuid}`;
