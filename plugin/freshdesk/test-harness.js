/**
 * The host side of the fake Freshdesk: ticket data, the reply editor, and a request proxy that
 * runs the app's own request templates (dist/config/requests.json) with the installation's
 * iparams, as Freshworks' proxy does (secure iparams never reach the app's frame).
 * Query parameters: app (iframe URL), host (api_host iparam), token (api_token iparam),
 * protocol (the test server speaks http), lang (the agent's language), budget (how many calls
 * the proxy lets through before it answers 429, as Freshworks does past 50 a minute).
 */
const params = new URLSearchParams(window.location.search);
const iframe = document.getElementById('app');
const editor = document.getElementById('editor');
const appUrl = params.get('app') || 'dist/app/index.html';
const iparams = { api_host: params.get('host') || window.location.host, api_token: params.get('token') || '' };
const data = {
  ticket: { id: 48220, subject: 'Pakk pole kohale jõudnud', source: 1,
    description_text: 'Tere! Tellisin kaks nädalat tagasi, aga pakk pole ikka veel kohale jõudnud. Kus mu tellimus on?' },
  requester: { name: 'Kadri Tamm', language: 'et' },
  loggedInUser: { contact: { name: 'Mikko Laine', language: params.get('lang') || 'et' } },
};
window.fdkCalls = [];
document.getElementById('ticket-id').textContent = `#${data.ticket.id}`;

const templates = fetch(new URL('../config/requests.json', new URL(appUrl, window.location.href))).then((r) => r.json());

function substitute(text, context) {
  return String(text).replace(/<%=\s*(iparam|context)\.(\w+)\s*%>/g, (_m, scope, name) =>
    String((scope === 'iparam' ? iparams : context)[name] ?? ''));
}

let budget = params.has('budget') ? Number(params.get('budget')) : Infinity;

async function invokeTemplate(name, options) {
  if (budget-- <= 0) {
    throw { status: 429, headers: { 'retry-after': '60' }, response: '{"message":"You have exceeded the limit of requests per minute"}',
      errorSource: 'PLATFORM' };
  }
  const template = (await templates)[name];
  if (!template) throw { status: 400, response: `no template ${name}`, errorSource: 'APP' };
  const schema = template.schema;
  const context = options.context || {};
  const protocol = params.get('protocol') || schema.protocol || 'https';
  const url = new URL(`${protocol}://${substitute(schema.host, context)}${substitute(schema.path, context)}`);
  for (const [key, value] of Object.entries(options.query || {})) url.searchParams.set(key, value);
  const headers = Object.fromEntries(Object.entries(schema.headers || {}).map(([k, v]) => [k, substitute(v, context)]));
  let response;
  try {
    response = await fetch(url, { method: schema.method, headers, body: options.body });
  } catch (_err) {
    throw { status: 502, response: 'proxy error', errorSource: 'PLATFORM' };
  }
  const text = await response.text();
  const answer = { status: response.status, headers: {}, response: text };
  if (!response.ok) throw { ...answer, errorSource: 'APP' };
  return answer;
}

async function handle(method, args) {
  if (method === 'data.get') {
    const [name] = args;
    if (!(name in data)) throw { message: `unknown data ${name}` };
    return { [name]: data[name] };
  }
  if (method === 'interface.trigger') {
    const [action, options] = args;
    if (action === 'setValue' && options.id === 'editor') {
      editor.value = options.replace === false ? editor.value + options.text : options.text;
      return { success: true };
    }
    throw { message: `unsupported ${action}` };
  }
  if (method === 'request.invokeTemplate') return invokeTemplate(...args);
  throw { message: `unknown method ${method}` };
}

window.addEventListener('message', async (event) => {
  if (event.source !== iframe.contentWindow || !event.data || event.data.channel !== 'fake-fdk') return;
  const { id, method, args } = event.data;
  window.fdkCalls.push([method, args]);
  try {
    const result = await handle(method, args);
    event.source.postMessage({ channel: 'fake-fdk', id, result }, '*');
  } catch (error) {
    event.source.postMessage({ channel: 'fake-fdk', id, error }, '*');
  }
});

iframe.src = appUrl;
