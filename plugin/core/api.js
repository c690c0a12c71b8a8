/**
 * Talking to the Vastaus API (/api/v1) through a *transport*.
 *
 * The panel never calls fetch() itself: a helpdesk decides how requests leave its page.
 * In the demo and a Chatwoot dashboard app the browser calls the API directly with a
 * bearer token (fetchTransport); Zendesk proxies through `client.request` so the token stays
 * a secure setting; Freshdesk uses request templates; the browser extension asks its service
 * worker. Every transport takes {method, path, body, signal} and resolves to {status, data}.
 *
 * This module adds what all of them need: a time limit (4 s by default, so a slow service
 * shows an error instead of a frozen panel even when a transport cannot be aborted), and
 * errors sorted into kinds the panel can explain (offline, timeout, unauthorized, ...).
 */

export const DEFAULT_TIMEOUT_MS = 4000;

/** An API failure the panel can explain to an agent. */
export class ApiError extends Error {
  /**
   * @param {'offline'|'timeout'|'unauthorized'|'rate_limited'|'unavailable'|'server'|'invalid'} kind
   * @param {number} status HTTP status, 0 when there was no answer
   * @param {object|null} error the API's `error` object ({code, message, ...}) when it sent one
   */
  constructor(kind, status = 0, error = null) {
    super(error && error.message ? error.message : kind);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.error = error;
  }
}

/** True for the error of a request that was cancelled on purpose (a newer one replaced it). */
export function isAbort(err) {
  return Boolean(err) && (err.name === 'AbortError' || err.kind === 'aborted');
}

/**
 * A transport that calls the API with fetch() and an optional bearer token.
 * @param {{apiBase?: string, token?: string, uiLang?: string, fetchImpl?: typeof fetch}} options
 */
export function fetchTransport({ apiBase = '', token = '', uiLang = 'en', fetchImpl } = {}) {
  const base = String(apiBase || '').replace(/\/+$/, '');
  const doFetch = fetchImpl || globalThis.fetch.bind(globalThis);
  return async ({ method, path, body, signal }) => {
    const headers = { Accept: 'application/json', 'Accept-Language': uiLang };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await doFetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'omit', // the token is the only credential; never send the helpdesk's cookies
      cache: 'no-store',
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null; // a proxy's HTML error page: the status still tells what happened
    }
    return { status: response.status, data };
  };
}

/**
 * A transport that keeps the answers of GET requests that change only when the knowledge
 * base is deployed (/version, /i18n/<lang>) for `ttlMs`, in `storage` (the helpdesk app's
 * localStorage: its frame is reloaded for every ticket, the storage stays). For hosts that
 * count every call (Freshdesk allows an app 50 a minute for the whole team); nothing of a
 * conversation is kept, only these public answers.
 * @param {Function} transport
 * @param {{storage?: Storage|null, ttlMs?: number, now?: () => number}} options
 */
export function cachingTransport(transport, { storage = null, ttlMs = 10 * 60 * 1000, now = Date.now } = {}) {
  const memory = new Map();
  const cacheable = (method, path) => method === 'GET' && /^\/api\/v1\/(version|i18n\/[\w-]+)$/.test(path);
  const read = (key) => {
    let entry = memory.get(key);
    if (!entry && storage) {
      try {
        entry = JSON.parse(storage.getItem(key) || 'null');
      } catch (_err) {
        entry = null;
      }
    }
    return entry && typeof entry.at === 'number' && now() - entry.at < ttlMs ? entry : null;
  };
  return async (request) => {
    if (!cacheable(request.method, request.path)) return transport(request);
    const key = `vastaus:cache:${request.path}`;
    const hit = read(key);
    if (hit) return { status: 200, data: hit.data };
    const answer = await transport(request);
    if (answer.status === 200) {
      const entry = { at: now(), data: answer.data };
      memory.set(key, entry);
      try {
        storage?.setItem(key, JSON.stringify(entry));
      } catch (_err) {
        // quota or access refused: the page's memory keeps it
      }
    }
    return answer;
  };
}

/** Sort a status and body into an ApiError, or return null for a success. */
export function errorFor(status, data) {
  if (status >= 200 && status < 300) return null;
  const error = data && typeof data === 'object' && data.error && typeof data.error === 'object' ? data.error : null;
  if (status === 0) return new ApiError('offline', 0, error);
  if (status === 401 || status === 403) return new ApiError('unauthorized', status, error);
  if (status === 429) return new ApiError('rate_limited', status, error);
  if (status === 503 || status === 502 || status === 504) return new ApiError('unavailable', status, error);
  if (status >= 500) return new ApiError('server', status, error);
  return new ApiError('invalid', status, error);
}

/**
 * The API's operations over a transport.
 * @param {{transport: Function, timeoutMs?: number}} options
 */
export function createApi({ transport, timeoutMs = DEFAULT_TIMEOUT_MS }) {
  /**
   * One request, given up after `timeoutMs`, cancelled when `signal` aborts.
   * @returns {Promise<object>} the response's JSON
   */
  async function call(method, path, body, signal) {
    if (signal && signal.aborted) throw new DOMException('aborted', 'AbortError');
    const controller = new AbortController();
    let timer = 0;
    let onAbort = null;
    const stopped = new Promise((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new ApiError('timeout'));
      }, timeoutMs);
      onAbort = () => {
        controller.abort();
        reject(new DOMException('aborted', 'AbortError'));
      };
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      let answer;
      try {
        answer = await Promise.race([transport({ method, path, body, signal: controller.signal }), stopped]);
      } catch (err) {
        if (err instanceof ApiError || isAbort(err)) throw err;
        throw new ApiError('offline'); // fetch's TypeError: no answer at all
      }
      const failure = errorFor(answer.status, answer.data);
      if (failure) throw failure;
      return answer.data;
    } finally {
      clearTimeout(timer);
      if (signal && onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  const query = (params) => {
    const parts = Object.entries(params)
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    return parts.length ? `?${parts.join('&')}` : '';
  };

  return {
    /** POST /suggest: replies and triggered escalations for the customer's message. */
    suggest: (body, signal) => call('POST', '/api/v1/suggest', body, signal),
    /** GET /search: replies for what the agent types. */
    search: (params, signal) => call('GET', `/api/v1/search${query(params)}`, undefined, signal),
    /** GET /snippets/<id>: the whole snippet, with the agent-only guidance in `display`. */
    snippet: (id, lang, signal) =>
      call('GET', `/api/v1/snippets/${id.split('/').map(encodeURIComponent).join('/')}${query({ lang })}`, undefined, signal),
    /** POST /render: the text with placeholders filled (typed values formatted by the service). */
    render: (body, signal) => call('POST', '/api/v1/render', body, signal),
    /** POST /events: which replies were inserted or copied, for the usage insights. */
    events: (events) => call('POST', '/api/v1/events', { events }),
    /** GET /version: what is served, with the knowledge base's languages and channels (kb.yaml). */
    version: (signal) => call('GET', '/api/v1/version', undefined, signal),
    /** GET /incidents: the declared incidents (active ones first), for the banner. */
    incidents: (signal) => call('GET', '/api/v1/incidents', undefined, signal),
    /** GET /i18n/<lang>: the panel's interface strings. */
    strings: (lang, signal) => call('GET', `/api/v1/i18n/${encodeURIComponent(lang)}`, undefined, signal),
  };
}
