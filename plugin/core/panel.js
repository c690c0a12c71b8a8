/**
 * <vastaus-panel>: reply suggestions for the conversation an agent has open.
 *
 * The panel is the same in every helpdesk; an adapter (Zendesk, Freshdesk, Chatwoot, the
 * browser extension, the demo) only tells it about the conversation and how to put text
 * into the reply box:
 *
 *   panel.configure({apiBase, token, uiLang, replyLang, theme ('light'|'dark'), transport, onInsert,
 *                    incidentPollMs (how often to ask for the incidents, default incident.js POLL_MS),
 *                    incidentStore (a Storage shared by a host's frames, so they ask once between them),
 *                    helpdesk, searchDelayMs (pause before a search, default 150), preview (false: ask
 *                    the service to render only when a reply is used, for hosts that count calls),
 *                    explain ({kind: () => text}, a host's own words for an error kind),
 *                    conversation: {id, lastMessage, customer: {first_name, name},
 *                                   agent: {first_name}, ticket: {id}, channel}})
 *
 * Each insert or copy is reported to the service (POST /events, with the answer's search_id
 * and `helpdesk` if given) for the usage insights; the customer's message never is.
 *
 * The knowledge base's languages, channels and channel limits are facts of responses/kb.yaml:
 * the panel asks the service for them (GET /version) when it is first configured and keeps
 * them (`panel.facts`, and a `vastaus-facts` event when they arrive). Until then, or when the
 * service cannot tell, it offers no reply languages and shows no length limit.
 *
 * Why it is built the way it is:
 * - Shadow DOM and constructed style sheets: the helpdesk's CSS cannot break the panel,
 *   the panel's cannot leak out, and no <style> or inline script is needed, so it runs
 *   under a strict Content-Security-Policy (script-src 'self'; style-src 'self').
 * - Every snippet is data: text goes in with textContent and createTextNode, never as
 *   markup, so a snippet containing HTML shows it as characters and runs nothing.
 * - Suggestions appear as soon as the conversation opens (POST /suggest with the
 *   customer's last message); typing searches after a 150 ms pause, cancels the request it
 *   replaces, and keeps the previous list on screen until the new one arrives.
 * - Escalations the customer's message calls for come first, marked, and are inserted
 *   exactly as approved (the long text, never a short variant; only placeholders filled).
 * - During a declared incident (incident.js) a banner says so, and the incident's reply, which
 *   /suggest pins for a message about it, comes next with the incident's area and next update
 *   time filled in as values the agent can still change.
 * - Every request has a time limit and every failure a message and a Retry button: the
 *   panel never freezes an agent's work.
 */

import { ApiError, createApi, DEFAULT_TIMEOUT_MS, fetchTransport, isAbort } from './api.js';
import { copyText } from './clipboard.js';
import { buildFields } from './fields.js';
import { _, currentLang, format, ngettext, setCatalog } from './i18n.js';
import { IncidentWatch, incidentFrom, outdated, remindAt, renderBanner, signature } from './incident.js';
import { loadReplyLang, saveReplyLang } from './storage.js';
import { STYLES } from './styles.js';
import { appendMarked, excerpt, fill, holesIn, shiftRanges, wordRanges } from './text.js';

/** What the panel knows of the knowledge base before the service has told it: nothing. */
export const NO_FACTS = Object.freeze({ languages: Object.freeze([]), names: Object.freeze({}), channels: Object.freeze({}),
  variables: Object.freeze({}) });

/**
 * The facts in an answer of GET /version, anything malformed left out:
 * `languages` (codes, in kb.yaml's order), `names` (code -> the language's own name, so an
 * agent finds it whatever the interface language), `channels` (name -> character limit,
 * null for none) and `variables` (name -> {format, max_length, description, example}, for
 * the fields of placeholders the helpdesk cannot fill). Only these channels are sent to the
 * API (it would refuse others).
 */
export function factsFrom(data) {
  const answer = data && typeof data === 'object' ? data : {};
  const languages = Array.isArray(answer.languages)
    ? [...new Set(answer.languages.filter((code) => typeof code === 'string' && code))] : [];
  const given = answer.language_names && typeof answer.language_names === 'object' ? answer.language_names : {};
  const names = {};
  for (const code of languages) {
    const name = Object.hasOwn(given, code) ? given[code] : null;
    names[code] = typeof name === 'string' && name.trim() ? name.trim() : code.toUpperCase();
  }
  const channels = {};
  if (answer.channels && typeof answer.channels === 'object' && !Array.isArray(answer.channels)) {
    for (const [name, limit] of Object.entries(answer.channels)) {
      channels[name] = Number.isInteger(limit) && limit > 0 ? limit : null;
    }
  }
  const variables = {};
  if (answer.variables && typeof answer.variables === 'object' && !Array.isArray(answer.variables)) {
    for (const [name, spec] of Object.entries(answer.variables)) {
      if (spec && typeof spec === 'object') variables[name] = Object.freeze({ ...spec });
    }
  }
  return Object.freeze({ languages: Object.freeze(languages), names: Object.freeze(names), channels: Object.freeze(channels),
    variables: Object.freeze(variables) });
}
const DEBOUNCE_MS = 150;
const RESULT_LIMIT = 8;
const MESSAGE_CHARS = 4000; // the start of a long message says what it is about
const VARIABLE_RETRIES = 4;

let panels = 0;

/** A new element with attributes and text; text is always text. */
function el(doc, tag, attrs = {}, text) {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

function firstWord(name) {
  return typeof name === 'string' ? name.trim().split(/\s+/)[0] || '' : '';
}

function adopt(root) {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      root.adoptedStyleSheets = [sheet];
      return;
    } catch (_err) {
      // older engines: fall back to a <style> element
    }
  }
  const style = root.ownerDocument.createElement('style');
  style.textContent = STYLES;
  root.appendChild(style);
}

export class VastausPanel extends HTMLElement {
  constructor() {
    super();
    this._uid = `vastaus-${++panels}`;
    this._root = this.attachShadow({ mode: 'open' });
    adopt(this._root);
    this._config = null;
    this._api = null;
    this._facts = NO_FACTS;
    this._factsKey = null; // which service the facts are (being) asked from
    this._factsFailed = false;
    this._factsLoading = null;
    this._factsReady = Promise.resolve();
    this._stringsLang = null;
    this._replyLang = null;
    this._escalations = [];
    this._pinned = []; // the incident's reply /suggest pinned for the customer's message
    this._incident = null; // the incident /suggest said the message is about (with its variables)
    this._incidentsAtSuggest = null; // the watch's poll count when the suggestions came
    this._askedFor = null; // the state of the incidents the suggestions were last asked again for
    this._watch = new IncidentWatch(() => this._onIncidents(), { doc: this.ownerDocument });
    this._unremind = () => {};
    this._suggestions = [];
    this._suggestWords = [];
    this._results = null; // null: no query, the suggestions are shown
    this._words = [];
    this._activeId = null;
    this._options = [];
    this._guidance = new Map(); // "id|lang" -> text (or a Promise while loading)
    this._guidanceOpen = null;
    this._rendered = new Map(); // render key -> Promise of the service's render answer
    this._typed = new Map(); // conversation id -> {variable: what the agent typed}, never stored
    this._typing = 0;
    this._controllers = { suggest: null, search: null };
    this._stringsReady = Promise.resolve();
    this._debounce = 0;
    this._openedAt = 0;
    this._retry = null;
    this._onGlobalKey = this._onGlobalKey.bind(this);
    this._build();
  }

  connectedCallback() {
    this.setAttribute('lang', currentLang());
    this.ownerDocument.addEventListener('keydown', this._onGlobalKey, true);
    if (this._config) {
      this._watch.resume(); // moved in the page: the incidents are watched again
      this._showIncidents();
    }
  }

  disconnectedCallback() {
    this.ownerDocument.removeEventListener('keydown', this._onGlobalKey, true);
    for (const controller of Object.values(this._controllers)) controller?.abort();
    clearTimeout(this._debounce);
    this._watch.stop();
    this._unremind();
  }

  /** The knowledge base's languages, their names and its channels with limits (see factsFrom). */
  get facts() {
    return this._facts;
  }

  // -- configuration ------------------------------------------------------------------------

  /**
   * Open a conversation (again, with new data, or another one).
   * @param {object} config see the module comment
   * @returns {Promise<void>} settled when the first suggestions (or an error) are shown
   */
  configure(config) {
    const previous = this._config;
    const conversation = { customer: {}, agent: {}, ticket: {}, ...(config.conversation || {}) };
    this._config = {
      apiBase: '',
      token: '',
      uiLang: 'en',
      timeoutMs: DEFAULT_TIMEOUT_MS,
      insert: true,
      searchDelayMs: DEBOUNCE_MS,
      preview: true,
      explain: {},
      variables: {},
      ...config,
      conversation,
    };
    const cfg = this._config;
    cfg.uiLang = String(cfg.uiLang || 'en').slice(0, 2).toLowerCase();
    if (cfg.theme === 'dark' || cfg.theme === 'light') this.setAttribute('data-theme', cfg.theme);
    else this.removeAttribute('data-theme');
    const transport = cfg.transport || fetchTransport({ apiBase: cfg.apiBase, token: cfg.token, uiLang: cfg.uiLang });
    this._api = createApi({ transport, timeoutMs: cfg.timeoutMs });
    const sameConversation = previous && String(previous.conversation.id) === String(conversation.id);
    const stored = loadReplyLang(conversation.id);
    // A hint, a code or a locale ('fi-FI'): used only if the knowledge base has that language (_lang).
    const given = typeof cfg.replyLang === 'string' && cfg.replyLang ? cfg.replyLang.split(/[-_]/)[0].toLowerCase() : null;
    if (!sameConversation || stored) this._replyLang = stored || given;
    this._incidentsAtSuggest = null; // asked again below: a poll answer must not ask a second time
    this._watch.configure({ api: this._api, key: this._serviceKey(), intervalMs: cfg.incidentPollMs, store: cfg.incidentStore || null });
    if (!sameConversation) {
      this._escalations = [];
      this._pinned = [];
      this._incident = null;
      this._suggestions = [];
      this._results = null;
      this._activeId = null;
      this._guidanceOpen = null;
      // What the agent typed before the very first conversation arrived is searched, not lost.
      if (previous) this._input.value = '';
    }
    this._rendered.clear();
    this._openedAt = performance.now();
    this._factsReady = this._loadFacts();
    this._setLangButtons();
    this._stringsReady = this._loadStrings();
    const suggested = this._suggest();
    const watch = () => this._watch.start(); // the suggestions first, then the incidents
    suggested.then(watch, watch);
    const early = previous ? '' : this._input.value.trim();
    return Promise.all([this._stringsReady, this._factsReady, suggested, early ? this._search(early) : null]).then(() => undefined);
  }

  /** Focus the search box (what Alt+Shift+V does). */
  focusSearch() {
    this._input.focus();
    this._input.select();
  }

  /** Ask again for what is shown (the Retry button). */
  refresh() {
    const query = this._input.value.trim();
    this._factsReady = this._loadFacts();
    return Promise.all([this._loadStrings(true), this._suggest(), query ? this._search(query) : null]);
  }

  // -- building -----------------------------------------------------------------------------

  _build() {
    const doc = this.ownerDocument;
    const id = this._uid;
    const panel = el(doc, 'section', { class: 'panel', part: 'panel' });
    const head = el(doc, 'div', { class: 'head' });
    const brand = el(doc, 'div', { class: 'brand' });
    brand.append(el(doc, 'span', { class: 'logo', 'aria-hidden': 'true' }, 'V'), el(doc, 'span', { class: 'name' }, 'Vastaus'));
    this._langGroup = el(doc, 'div', { class: 'langs', role: 'radiogroup' });
    this._langButtons = {};
    this._buildLangButtons();
    head.append(brand, this._langGroup);

    const search = el(doc, 'div', { class: 'search' });
    this._label = el(doc, 'label', { class: 'sr', for: `${id}-q` });
    this._input = el(doc, 'input', {
      id: `${id}-q`, type: 'search', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
      'aria-controls': `${id}-list`, autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'send',
    });
    this._input.addEventListener('input', () => this._onInput());
    this._input.addEventListener('keydown', (event) => this._onKey(event));
    this._shortcut = el(doc, 'kbd', { class: 'shortcut', 'aria-hidden': 'true' }, 'Alt+Shift+V');
    search.append(this._label, this._input, this._shortcut);

    this._progress = el(doc, 'div', { class: 'progress', 'aria-hidden': 'true' });
    this._status = el(doc, 'p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this._error = el(doc, 'div', { class: 'error', role: 'alert', hidden: true });
    this._errorText = el(doc, 'p', { class: 'error-text' });
    this._retryButton = el(doc, 'button', { type: 'button', class: 'retry' });
    this._retryButton.addEventListener('click', () => this._onRetry());
    this._error.append(this._errorText, this._retryButton);

    this._list = el(doc, 'div', { id: `${id}-list`, class: 'list', role: 'listbox' });
    this._list.addEventListener('mousedown', (event) => {
      // keep the focus in the search box, except for the buttons and the placeholder fields
      if (!event.target.closest('button, input')) event.preventDefault();
    });
    this._hint = el(doc, 'p', { class: 'hint' });
    this._banner = el(doc, 'div', { class: 'incidents', role: 'region', 'aria-live': 'polite', hidden: true });
    panel.append(head, this._banner, search, this._progress, this._status, this._error, this._list, this._hint);
    this._root.append(panel);
    this._applyStrings();
  }

  /** Texts that do not depend on results, in the interface language. */
  _applyStrings() {
    if (this.isConnected) this.setAttribute('lang', currentLang()); // document.createElement() may not set attributes
    this._langGroup.setAttribute('aria-label', _('Reply language'));
    this._label.textContent = _('Search replies');
    this._input.setAttribute('placeholder', _('Search replies…'));
    this._input.setAttribute('aria-keyshortcuts', 'Alt+Shift+V');
    this._list.setAttribute('aria-label', _('Reply suggestions'));
    this._retryButton.textContent = _('Retry');
    this._showIncidents();
    this._hint.textContent = this._insertEnabled()
      ? _('↑ ↓ choose · Enter insert · Shift+Enter copy · Alt+G guidance · Esc clear')
      : _('↑ ↓ choose · Enter copy · Alt+G guidance · Esc clear');
  }

  _insertEnabled() {
    return Boolean(this._config && this._config.insert !== false && typeof this._config.onInsert === 'function');
  }

  /** One radio button for each language of the knowledge base (none until the facts arrive). */
  _buildLangButtons() {
    const doc = this.ownerDocument;
    this._langButtons = {};
    const buttons = this._facts.languages.map((code) => {
      const button = el(doc, 'button', { type: 'button', role: 'radio', lang: code, 'data-lang': code, 'aria-checked': 'false' },
        this._facts.names[code]);
      button.addEventListener('click', () => this._chooseLang(code));
      button.addEventListener('keydown', (event) => this._onLangKey(event, code));
      this._langButtons[code] = button;
      return button;
    });
    this._langGroup.replaceChildren(...buttons);
  }

  _setLangButtons() {
    const first = this._facts.languages[0];
    for (const [code, button] of Object.entries(this._langButtons)) {
      const on = code === this._replyLang;
      button.setAttribute('aria-checked', on ? 'true' : 'false');
      button.tabIndex = on || (!this._langButtons[this._replyLang] && code === first) ? 0 : -1;
    }
  }

  _knownLang(code) {
    return typeof code === 'string' && this._facts.languages.includes(code);
  }

  /** The language name for a code: the knowledge base's name for it, else the code itself. */
  _langName(code) {
    return this._knownLang(code) ? this._facts.names[code] : code;
  }

  /** The agent's interface language, if the knowledge base has it: the reply language when nothing else tells. */
  _agentLang() {
    return this._knownLang(this._config.uiLang) ? this._config.uiLang : undefined;
  }

  /** The reply language, if the knowledge base has it (a hint or a stored choice may name another). */
  _lang() {
    return this._knownLang(this._replyLang) ? this._replyLang : undefined;
  }

  // -- data ---------------------------------------------------------------------------------

  /** Which service the panel talks to: its facts and incidents are that service's. */
  _serviceKey() {
    const cfg = this._config;
    return JSON.stringify([cfg.transport ? 'transport' : cfg.apiBase, cfg.token]);
  }

  /**
   * Ask the service for the knowledge base's facts, once for each service; again only after a
   * failure (Retry, refresh, or the next configure). Never rejects: without facts the panel
   * works on, with no reply languages to choose and no length limits.
   */
  _loadFacts() {
    const key = this._serviceKey();
    if (key !== this._factsKey) {
      this._factsKey = key;
      this._factsLoading = null;
      if (this._facts !== NO_FACTS) this._applyFacts(NO_FACTS); // another service: what it has is not known yet
    }
    if (!this._factsLoading || this._factsFailed) {
      this._factsFailed = false;
      const loading = this._api.version().then(factsFrom, () => null).then((facts) => {
        if (this._factsLoading !== loading) return; // a newer request (another service) took over
        if (facts) this._applyFacts(facts);
        else this._factsFailed = true;
      });
      this._factsLoading = loading;
    }
    return this._factsLoading;
  }

  _applyFacts(facts) {
    this._facts = facts;
    this._buildLangButtons();
    this._setLangButtons();
    if (this._config) this._render();
    this.dispatchEvent(new CustomEvent('vastaus-facts', { bubbles: true, composed: true, detail: facts }));
  }

  async _loadStrings(force = false) {
    const lang = this._config.uiLang;
    if (!force && this._stringsLang === lang) return;
    try {
      setCatalog(await this._api.strings(lang));
      this._stringsLang = lang;
    } catch (_err) {
      setCatalog(null); // English msgids: better than nothing, and the other requests tell what is wrong
    }
    this._applyStrings();
    this._render();
    if (this.getAttribute('data-state') === 'ready' && this._options.length) this._announce();
  }

  /** What the agent typed for this conversation's placeholders (the helpdesk's values win). */
  _typedValues() {
    const key = String(this._config.conversation.id ?? '');
    if (!this._typed.has(key)) this._typed.set(key, {});
    return this._typed.get(key);
  }

  /** The values /suggest gave for the incident the message is about ({'outage.area': ...}). */
  _incidentValues() {
    return this._incident ? { ...this._incident.variables } : {};
  }

  /**
   * Every value for the placeholders: kb.yaml's defaults, what the agent typed, the helpdesk's;
   * for the incident's placeholders (outage.*) the incident's values, which only the agent may
   * change. An incident's value the agent emptied stays empty (a placeholder to fill).
   */
  _variables(typed = true) {
    const conv = this._config.conversation;
    const defaults = {};
    for (const [name, spec] of Object.entries(this._facts.variables)) {
      if (typeof spec.default === 'string' && spec.default.trim()) defaults[name] = spec.default;
    }
    const incident = this._incidentValues();
    const entered = typed ? Object.entries(this._typedValues()) : [];
    const agent = Object.fromEntries(entered.filter(([, value]) => value.trim()));
    const values = { ...defaults, ...agent, ...(this._config.variables || {}), ...(conv.variables || {}) };
    const own = Object.fromEntries(entered);
    for (const [name, value] of Object.entries(incident)) {
      if (!Object.hasOwn(own, name)) values[name] = value;
      else if (own[name].trim()) values[name] = own[name];
      else delete values[name];
    }
    const put = (name, value) => {
      if (value !== undefined && value !== null && String(value).trim()) values[name] = String(value).trim();
    };
    put('customer.first_name', conv.customer.first_name || firstWord(conv.customer.name));
    put('customer.name', conv.customer.name);
    put('agent.first_name', conv.agent.first_name || firstWord(conv.agent.name));
    put('ticket.id', conv.ticket.id);
    return values;
  }

  /** The conversation's channel: one name, or candidates in order (the first the knowledge base has). */
  _channel() {
    const given = this._config.conversation.channel;
    const candidates = Array.isArray(given) ? given : [given];
    return candidates.find((name) => typeof name === 'string' && Object.hasOwn(this._facts.channels, name));
  }

  _start(name) {
    this._controllers[name]?.abort();
    const controller = new AbortController();
    this._controllers[name] = controller;
    return controller;
  }

  async _suggest() {
    const message = String(this._config.conversation.lastMessage || '').trim().slice(0, MESSAGE_CHARS);
    if (!message) {
      this._controllers.suggest?.abort();
      this._escalations = [];
      this._pinned = [];
      this._incident = null;
      this._suggestions = [];
      this._suggestWords = [];
      this._render();
      this._say(_('Type to search the replies.'));
      this._setState('ready');
      return;
    }
    const controller = this._start('suggest');
    this._busy(true);
    this._setState('loading');
    if (!this._suggestions.length) this._say(_('Looking for suggestions…'));
    await this._factsReady; // never rejects; the language and channel are sent only if the knowledge base has them
    if (controller.signal.aborted) return;
    const body = { message, limit: RESULT_LIMIT };
    if (this._lang()) body.lang = this._lang();
    if (this._channel()) body.channel = this._channel();
    let data;
    try {
      data = await this._api.suggest(body, controller.signal);
    } catch (err) {
      if (!isAbort(err)) this._fail(err, () => this._suggest());
      return;
    } finally {
      if (this._controllers.suggest === controller) this._busy(false);
    }
    await this._stringsReady; // never rejects; results appear once, in the agent's language
    if (controller.signal.aborted) return;
    if (!this._lang() && this._knownLang(data.detected_lang)) {
      this._replyLang = data.detected_lang; // detected, not chosen: not remembered
      this._setLangButtons();
    }
    this._activeId = null; // new results: the best one is active, so Enter takes it
    this._escalations = Array.isArray(data.escalations) ? data.escalations.map((e) => ({ ...e, kind: 'escalation', triggered: true })) : [];
    const results = Array.isArray(data.results) ? data.results.filter((item) => item && typeof item === 'object') : [];
    this._incident = incidentFrom(data.incident);
    // Pinned for this message's incident: kept on top while the agent searches, like escalations.
    this._pinned = this._incident ? results.filter((item) => item.pinned === true).map((item) => ({ ...item, triggered: true })) : [];
    this._suggestions = results.filter((item) => !this._pinned.some((p) => p.id === item.id));
    this._incidentsAtSuggest = null;
    if (this._incident) this._watch.merge(data.incident); // the banner shows it at once, before any poll
    this._incidentsAtSuggest = this._watch.polls;
    this._suggestWords = Array.isArray(data.words) ? data.words : [];
    this._suggestSearchId = data.search_id || null;
    this._clearError();
    this._render();
    this._announce();
    this._setState('ready');
    this.dispatchEvent(new CustomEvent('vastaus-results', {
      bubbles: true, composed: true,
      detail: { source: 'suggest', count: this._options.length, escalations: this._escalations.length,
        ms: Math.round(performance.now() - this._openedAt) },
    }));
  }

  async _search(query) {
    const controller = this._start('search');
    this._busy(true);
    await this._factsReady;
    if (controller.signal.aborted) return;
    // Nothing chosen or detected (no customer message): the agent writes in their own language.
    const params = { q: query.slice(0, 500), lang: this._lang() || this._agentLang(), channel: this._channel(), limit: RESULT_LIMIT };
    let data;
    try {
      data = await this._api.search(params, controller.signal);
    } catch (err) {
      if (!isAbort(err)) this._fail(err, () => this._search(query));
      return;
    } finally {
      if (this._controllers.search === controller) this._busy(false);
    }
    if (controller.signal.aborted || this._input.value.trim() !== query) return;
    this._activeId = null;
    this._results = Array.isArray(data.results) ? data.results : [];
    this._words = Array.isArray(data.words) ? data.words : [];
    this._searchId = data.search_id || null;
    this._clearError();
    this._render();
    this._announce();
    this._setState('ready');
    this.dispatchEvent(new CustomEvent('vastaus-results', {
      bubbles: true, composed: true, detail: { source: 'search', count: this._options.length, query },
    }));
  }

  /** The service's rendering of an item (placeholders filled, typed values formatted). */
  _renderRemote(item) {
    const escalation = item.kind === 'escalation';
    const lang = item.requested_lang || this._lang() || item.lang;
    const channel = escalation ? undefined : this._channel(); // an escalation never gets a short variant
    const variables = this._variables();
    const key = JSON.stringify([item.id, lang, channel || '', variables]);
    if (!this._rendered.has(key)) {
      const attempt = async () => {
        const vars = { ...variables };
        for (let tries = 0; ; tries++) {
          try {
            return await this._api.render({ id: item.id, lang, channel, variables: vars });
          } catch (err) {
            // A variable this knowledge base does not declare, or too long a value: leave
            // that placeholder for the agent instead of failing the whole reply.
            const name = err instanceof ApiError && err.kind === 'invalid' && err.error ? err.error.variable : null;
            if (!name || !(name in vars) || tries >= VARIABLE_RETRIES) throw err;
            delete vars[name];
          }
        }
      };
      const promise = attempt();
      promise.catch(() => this._rendered.delete(key));
      this._rendered.set(key, promise);
    }
    return this._rendered.get(key);
  }

  // -- showing ------------------------------------------------------------------------------

  /** What the list shows: triggered escalations first, the incident's reply, then suggestions or search results. */
  _items() {
    const pinned = this._escalations;
    const shown = new Set(pinned.map((item) => item.id));
    const incident = this._pinned.filter((item) => !shown.has(item.id));
    for (const item of incident) shown.add(item.id);
    const rest = (this._results ?? this._suggestions).filter((item) => !shown.has(item.id));
    return { pinned, incident, rest };
  }

  _render() {
    if (!this._config) return;
    const doc = this.ownerDocument;
    const { pinned, incident, rest } = this._items();
    const words = this._results ? this._words : this._suggestWords;
    const values = this._variables();
    this._options = [];
    const fragment = doc.createDocumentFragment();
    if (pinned.length) {
      const group = el(doc, 'div', { role: 'group', class: 'group escalations', 'aria-label': _('Escalation: use the approved wording') });
      group.append(el(doc, 'div', { class: 'group-title', 'aria-hidden': 'true' }, _('Escalation: use the approved wording')));
      for (const item of pinned) group.append(this._option(item, words, values));
      fragment.append(group);
    }
    if (incident.length) {
      const title = this._incident.state === 'active' ? _('Outage: the reply everyone sends') : _('Outage fixed: the reply everyone sends');
      const group = el(doc, 'div', { role: 'group', class: 'group pinned', 'aria-label': title });
      group.append(el(doc, 'div', { class: 'group-title', 'aria-hidden': 'true' }, title));
      for (const item of incident) group.append(this._option(item, words, values));
      fragment.append(group);
    }
    if (rest.length) {
      const title = this._results ? _('Search results') : _("For the customer's message");
      const group = el(doc, 'div', { role: 'group', class: 'group', 'aria-label': title });
      group.append(el(doc, 'div', { class: 'group-title', 'aria-hidden': 'true' }, title));
      for (const item of rest) group.append(this._option(item, words, values));
      fragment.append(group);
    }
    this._list.replaceChildren(fragment);
    if (!this._options.some((o) => o.item.id === this._activeId)) {
      this._activeId = this._options.length ? this._options[0].item.id : null;
    }
    this._input.setAttribute('aria-expanded', this._options.length ? 'true' : 'false');
    this._activate(this._activeId, false);
  }

  /** One option: title, badges, excerpt with the matched words marked. */
  _option(item, words, values) {
    const doc = this.ownerDocument;
    const index = this._options.length;
    const escalation = item.kind === 'escalation';
    const option = el(doc, 'div', {
      role: 'option', id: `${this._uid}-opt-${index}`, class: `option${escalation ? ' escalation' : ''}${item.pinned ? ' pinned' : ''}`,
      'aria-selected': 'false', 'data-id': item.id, lang: item.lang,
    });
    const top = el(doc, 'div', { class: 'top' });
    top.append(el(doc, 'span', { class: 'title' }, item.title));
    const badges = el(doc, 'span', { class: 'badges' });
    if (escalation) badges.append(el(doc, 'span', { class: 'badge esc' }, _('Escalation')));
    if (item.pinned) badges.append(el(doc, 'span', { class: 'badge outage' }, _('Outage')));
    badges.append(el(doc, 'span', { class: 'badge lang', title: this._langName(item.lang) }, String(item.lang).toUpperCase()));
    if (item.fallback) {
      badges.append(el(doc, 'span', { class: 'badge warn', title: format(_('No text in {language}; shown in {shown}.'),
        { language: this._langName(item.requested_lang), shown: this._langName(item.lang) }) }, _('Other language')));
    }
    if (item.stale) {
      badges.append(el(doc, 'span', { class: 'badge warn stale', title: _('The original text has changed since this translation was made.') },
        _('May be outdated')));
    }
    const filled = fill(item.body, values);
    const length = el(doc, 'span', { class: 'badge length' });
    this._showLength(length, filled.text);
    badges.append(length);
    top.append(badges);
    option.append(top);
    if (escalation) {
      const approved = el(doc, 'p', { class: 'approved' });
      let text = format(_('Approved wording, version {version}'), { version: item.version });
      if (item.approval && item.approval.by) {
        const by = format(_('approved by {name} on {date}'), { name: item.approval.by, date: item.approval.date });
        text += ' · ' + by; // no _() inside template literals: Babel's extractor does not look there
      }
      approved.textContent = text;
      option.append(approved);
    }
    const ranges = [...wordRanges(filled.text, words).map(([s, e]) => [s, e, 'hit']),
      ...filled.holes.map(([s, e]) => [s, e, 'hole'])];
    const cut = excerpt(filled.text, ranges.sort((a, b) => a[0] - b[0]).filter((r) => r[2] === 'hit'), 170);
    const para = el(doc, 'p', { class: 'excerpt' });
    if (cut.before) para.append(doc.createTextNode('… '));
    appendMarked(para, cut.text, shiftRanges(ranges, cut.offset, cut.text.length));
    if (cut.after) para.append(doc.createTextNode(' …'));
    option.append(para);
    option.addEventListener('click', (event) => {
      if (event.target.closest('button, .fields')) return;
      this._activate(item.id, true);
    });
    option.addEventListener('dblclick', (event) => {
      if (!event.target.closest('button, .fields')) this._use(item, this._insertEnabled() ? 'insert' : 'copy');
    });
    this._options.push({ item, option, filled, length, ranges });
    return option;
  }

  _showLength(node, text) {
    const channel = this._channel();
    const limit = channel ? this._facts.channels[channel] : null;
    if (!limit) {
      node.hidden = true;
      return;
    }
    node.hidden = false;
    node.textContent = `${text.length} / ${limit}`;
    const over = text.length > limit;
    node.classList.toggle('over', over);
    node.title = over
      ? format(_('Too long for {channel}: {length} of {limit} characters.'), { channel, length: text.length, limit })
      : format(_('{length} of {limit} characters on {channel}.'), { channel, length: text.length, limit });
  }

  /** Make an option the active one and show its full text, actions and (maybe) guidance. */
  _activate(id, scroll) {
    const doc = this.ownerDocument;
    this._activeId = id;
    for (const entry of this._options) {
      const on = entry.item.id === id;
      entry.option.setAttribute('aria-selected', on ? 'true' : 'false');
      entry.option.classList.toggle('active', on);
      entry.option.querySelector('.detail')?.remove();
      if (!on) continue;
      const detail = el(doc, 'div', { class: 'detail' });
      const full = el(doc, 'p', { class: 'full' });
      appendMarked(full, entry.filled.text, entry.ranges);
      const missing = el(doc, 'p', { class: 'missing' });
      this._showMissing(missing, entry.filled.missing);
      entry.parts = { full, missing, fields: el(doc, 'div', { class: 'fields-slot' }), form: null };
      this._showFields(entry);
      const actions = el(doc, 'div', { class: 'actions' });
      if (this._insertEnabled()) {
        const insert = el(doc, 'button', { type: 'button', class: 'primary', tabindex: '-1' }, _('Insert'));
        insert.addEventListener('click', () => this._use(entry.item, 'insert'));
        actions.append(insert);
      }
      const copy = el(doc, 'button', { type: 'button', tabindex: '-1', class: this._insertEnabled() ? '' : 'primary' }, _('Copy'));
      copy.addEventListener('click', () => this._use(entry.item, 'copy'));
      const guide = el(doc, 'button', { type: 'button', tabindex: '-1', class: 'quiet', 'aria-expanded': 'false',
        'aria-controls': `${this._uid}-guidance` }, _('Guidance'));
      guide.addEventListener('click', () => this._toggleGuidance(entry.item));
      actions.append(copy, guide);
      detail.append(full, missing, entry.parts.fields, actions);
      entry.option.append(detail);
      if (this._guidanceOpen === entry.item.id) this._showGuidance(entry, detail, guide);
      if (scroll) entry.option.scrollIntoView({ block: 'nearest' });
      this._input.setAttribute('aria-activedescendant', entry.option.id);
      this._upgrade(entry, full, missing);
    }
    if (!this._options.some((e) => e.item.id === id)) this._input.removeAttribute('aria-activedescendant');
  }

  /**
   * The fields of the placeholders that neither the helpdesk nor kb.yaml's defaults fill
   * (fields.js), built once for the reply so that typing never redraws them.
   */
  _showFields(entry) {
    const parts = entry.parts;
    const missing = fill(entry.item.body, this._variables(false)).missing;
    const incident = this._incidentValues(); // filled, and still the agent's to change: a field each
    const names = fill(entry.item.body, {}).missing.filter((name) => missing.includes(name) || Object.hasOwn(incident, name));
    if (!names.length) {
      parts.fields.replaceChildren();
      parts.form = null;
      return;
    }
    const form = buildFields(this.ownerDocument, {
      names, specs: this._facts.variables, values: { ...incident, ...this._typedValues() }, id: entry.option.id,
      onInput: (name, value) => this._onField(entry, name, value),
      onSubmit: (force) => this._use(entry.item, this._insertEnabled() ? 'insert' : 'copy', { force }),
      onEscape: () => this.focusSearch(),
    });
    parts.fields.replaceChildren(form.element);
    parts.form = form;
  }

  /** The agent typed a value: the reply, what is missing and the length follow at once. */
  _onField(entry, name, value) {
    this._typedValues()[name] = value;
    const filled = fill(entry.item.body, this._variables());
    entry.filled = filled;
    const words = this._results ? this._words : this._suggestWords;
    entry.parts.full.replaceChildren();
    appendMarked(entry.parts.full, filled.text, [...wordRanges(filled.text, words).map(([s, e]) => [s, e, 'hit']),
      ...filled.holes.map(([s, e]) => [s, e, 'hole'])]);
    this._showMissing(entry.parts.missing, filled.missing);
    this._showLength(entry.length, filled.text);
    clearTimeout(this._typing); // the service's rendering (typed values formatted) once the agent pauses
    this._typing = setTimeout(() => this._upgrade(entry, entry.parts.full, entry.parts.missing), DEBOUNCE_MS);
  }

  _showMissing(node, names) {
    node.hidden = !names.length;
    node.textContent = names.length
      ? format(_('Fill in before sending: {names}'), { names: names.map((n) => `{{${n}}}`).join(', ') })
      : '';
  }

  /** Replace the local preview by the service's rendering once it arrives. */
  async _upgrade(entry, full, missing) {
    if (this._config.preview === false) return; // the host counts calls: rendered when used
    let answer;
    const asked = JSON.stringify(this._variables());
    try {
      answer = await this._renderRemote(entry.item);
    } catch (_err) {
      return; // the local filling stays; Insert tries again
    }
    if (this._activeId !== entry.item.id || !full.isConnected || typeof answer.text !== 'string') return;
    if (JSON.stringify(this._variables()) !== asked) return; // the agent typed on: a newer rendering comes
    const holes = holesIn(answer.text).map(([s, e]) => [s, e, 'hole']);
    const words = this._results ? this._words : this._suggestWords;
    full.replaceChildren();
    appendMarked(full, answer.text, [...wordRanges(answer.text, words).map(([s, e]) => [s, e, 'hit']), ...holes]);
    this._showMissing(missing, Array.isArray(answer.missing) ? answer.missing : []);
    this._showLength(entry.length, answer.text);
  }

  async _toggleGuidance(item) {
    this._guidanceOpen = this._guidanceOpen === item.id ? null : item.id;
    if (this._activeId !== item.id) {
      this._activate(item.id, true);
      return;
    }
    const entry = this._options.find((e) => e.item.id === item.id);
    const detail = entry && entry.option.querySelector('.detail');
    const button = detail && detail.querySelector('button[aria-expanded]');
    if (!detail) return;
    if (this._guidanceOpen) this._showGuidance(entry, detail, button);
    else {
      detail.querySelector('.guidance')?.remove();
      button.setAttribute('aria-expanded', 'false');
    }
  }

  async _showGuidance(entry, detail, button) {
    const doc = this.ownerDocument;
    detail.querySelector('.guidance')?.remove();
    const box = el(doc, 'div', { class: 'guidance', id: `${this._uid}-guidance`, role: 'note' });
    box.append(el(doc, 'p', { class: 'guidance-title' }, _('Guidance for agents (not sent to the customer)')));
    const body = el(doc, 'p', { class: 'guidance-text' }, _('Loading guidance…'));
    box.append(body);
    detail.append(box);
    button.setAttribute('aria-expanded', 'true');
    const lang = this._lang() || entry.item.lang;
    const key = `${entry.item.id}|${lang}`;
    if (!this._guidance.has(key)) {
      const promise = this._api.snippet(entry.item.id, lang).then((data) => (data.display && data.display.guidance) || '');
      promise.catch(() => this._guidance.delete(key));
      this._guidance.set(key, promise);
    }
    try {
      const text = await this._guidance.get(key);
      body.textContent = text || _('There is no guidance for this reply.');
    } catch (err) {
      body.textContent = this._explain(err);
    }
  }

  // -- using a reply ------------------------------------------------------------------------

  /** Insert or copy an item: the service's rendering, or the same filling done here. */
  async _use(item, how, { force = false } = {}) {
    if (how === 'insert' && !this._insertEnabled()) how = 'copy';
    let text;
    let missing;
    try {
      const answer = await this._renderRemote(item);
      text = answer.text;
      missing = Array.isArray(answer.missing) ? answer.missing : [];
    } catch (_err) {
      const local = fill(item.body, this._variables()); // same substitution, without the service's defaults
      text = local.text;
      missing = local.missing;
    }
    if (how === 'insert' && missing.length && !force) {
      // Never a reply with a {{placeholder}} in it unless the agent says so: ask for the values.
      if (this._activeId !== item.id) this._activate(item.id, true);
      this._options.find((entry) => entry.item.id === item.id)?.parts?.form?.focus();
      this._say(format(_('Fill in {names} first, or press Ctrl+Enter to insert it as it is.'),
        { names: missing.map((n) => `{{${n}}}`).join(', ') }));
      return;
    }
    const meta = { id: item.id, kind: item.kind, version: item.version, lang: item.lang, approval: item.approval || null, missing };
    let done;
    if (how === 'insert') {
      try {
        await this._config.onInsert(text, meta);
        done = _('Inserted into the reply.');
      } catch (_err) {
        // Said only if true: the text did not arrive (the adapter checked), and the copy may fail too.
        const copied = await copyText(text, this.ownerDocument);
        how = 'copy'; // reported as what happened, not as what was asked for
        done = copied ? _('The reply box did not accept the text; it was copied instead.')
          : _('The reply box did not accept the text, and copying was not allowed: select the text and copy it by hand.');
      }
    } else {
      const copied = await copyText(text, this.ownerDocument);
      done = copied ? _('Copied to the clipboard.') : _('Copying was not allowed; select the text and copy it by hand.');
    }
    if (missing.length) {
      done += ' ' + format(_('Still to fill in: {names}'), { names: missing.map((n) => `{{${n}}}`).join(', ') });
    }
    this._say(done);
    this.dispatchEvent(new CustomEvent('vastaus-insert', { bubbles: true, composed: true, detail: { how, text, meta } }));
    this._report(item, how);
  }

  /**
   * Tell the service which reply was used, under the search_id of the answer that showed it
   * (the usage insights); the service works out its rank. Fire and forget: a lost report never
   * bothers the agent.
   */
  _report(item, how) {
    const searchId = item.triggered || this._results === null ? this._suggestSearchId : this._searchId;
    if (!searchId || !this._api || typeof this._api.events !== 'function') return;
    const event = { type: how, search_id: searchId, snippet_id: item.id, lang: item.lang,
      channel: this._channel() || null, helpdesk: this._config.helpdesk || null };
    this._api.events([event]).catch(() => {});
  }

  // -- events -------------------------------------------------------------------------------

  _onInput() {
    clearTimeout(this._debounce);
    if (!this._config) return; // not opened on a conversation yet: nothing to search with
    const query = this._input.value.trim();
    if (!query) {
      this._controllers.search?.abort();
      this._busy(false);
      this._results = null;
      this._render();
      this._announce();
      return;
    }
    this._debounce = setTimeout(() => this._search(query), this._config.searchDelayMs);
  }

  _onKey(event) {
    const index = this._options.findIndex((e) => e.item.id === this._activeId);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!this._options.length) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const next = Math.min(Math.max(index + step, 0), this._options.length - 1);
      this._activate(this._options[next].item.id, true);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (index < 0) return;
      clearTimeout(this._debounce);
      this._use(this._options[index].item, event.shiftKey || !this._insertEnabled() ? 'copy' : 'insert',
        { force: event.ctrlKey || event.metaKey });
    } else if (event.key === 'Escape') {
      event.preventDefault();
      if (this._input.value) {
        this._input.value = '';
        this._onInput();
      } else if (this._guidanceOpen) {
        this._toggleGuidance(this._options[index].item);
      } else {
        this._input.blur();
        this.dispatchEvent(new CustomEvent('vastaus-close', { bubbles: true, composed: true }));
      }
    } else if (event.altKey && event.code === 'KeyG' && index >= 0) {
      event.preventDefault();
      this._toggleGuidance(this._options[index].item);
    }
  }

  _onGlobalKey(event) {
    if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyV') {
      event.preventDefault();
      event.stopPropagation();
      this.focusSearch();
    }
  }

  _onLangKey(event, code) {
    const codes = this._facts.languages;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = codes[(codes.indexOf(code) + step + codes.length) % codes.length];
    this._chooseLang(next);
    this._langButtons[next].focus();
  }

  _chooseLang(code) {
    if (!this._knownLang(code) || !this._config) return;
    const changed = code !== this._replyLang;
    this._replyLang = code;
    saveReplyLang(this._config.conversation.id, code);
    this._setLangButtons();
    if (!changed) return;
    this._rendered.clear();
    this._suggest();
    const query = this._input.value.trim();
    if (query) this._search(query);
  }

  _onRetry() {
    const retry = this._retry;
    this._clearError();
    this._say(_('Trying again…'));
    this._factsReady = this._loadFacts(); // asked again only if they could not be had
    if (retry) retry();
    else this.refresh();
    this._loadStrings(true);
  }

  // -- incidents ----------------------------------------------------------------------------

  /** The banner, and the reminder's timer set for the next promised moment. */
  _showIncidents() {
    const list = this._watch.list;
    renderBanner(this._banner, list);
    this._unremind();
    this._unremind = remindAt(list, () => this._showIncidents());
  }

  /**
   * The incidents changed: show them, and ask for suggestions again when what they were
   * given for is out of date: the pinned reply's incident was updated or ended, or a new
   * incident was declared after the suggestions came (the message may be about it).
   */
  _onIncidents() {
    this._showIncidents();
    const list = this._watch.list;
    if (!this._config || !outdated(this._incident, this._incidentsAtSuggest, list, (id) => this._watch.seenAt(id))) return;
    const state = signature(list);
    if (state === this._askedFor) return;
    this._askedFor = state; // once for each state of the incidents, whatever the answer says
    this._incidentsAtSuggest = null;
    this._suggest();
  }

  // -- state and messages -------------------------------------------------------------------

  _explain(err) {
    const kind = err instanceof ApiError ? err.kind : 'offline';
    const own = this._config.explain && this._config.explain[kind];
    if (typeof own === 'function') return own(err);
    switch (kind) {
      case 'timeout':
        return format(_('Vastaus did not answer within {seconds} seconds.'), { seconds: Math.round(this._config.timeoutMs / 1000) });
      case 'unauthorized':
        return _('Vastaus refused the API token. Ask your administrator to check the token in the app settings.');
      case 'rate_limited':
        return _('Too many requests to Vastaus at once. Wait a moment and try again.');
      case 'unavailable':
        return _('Vastaus is starting or being updated. Try again in a moment.');
      case 'server':
        return _('Vastaus had an internal problem. Try again; if it persists, tell your administrator.');
      case 'invalid':
        return err.error && err.error.message ? err.error.message : _('Vastaus could not use this request.');
      default:
        return _('Vastaus cannot be reached. Check the connection, or ask your administrator whether the service is running.');
    }
  }

  _fail(err, retry) {
    this._retry = retry;
    this._errorText.textContent = this._explain(err);
    this._error.hidden = false;
    this._setState('error');
    this._say('');
    this.dispatchEvent(new CustomEvent('vastaus-error', {
      bubbles: true, composed: true, detail: { kind: err instanceof ApiError ? err.kind : 'offline', status: err.status || 0 },
    }));
  }

  _clearError() {
    this._retry = null;
    this._error.hidden = true;
    this._errorText.textContent = '';
  }

  _announce() {
    const count = this._options.length;
    if (!count) {
      this._say(this._results ? _('No replies found. Try other words.') : _('No suggestions for this message. Type to search.'));
      return;
    }
    let text = format(ngettext('{count} reply', '{count} replies', count), { count });
    if (this._escalations.length) {
      const escalations = this._escalations.length;
      const warning = format(ngettext('{count} escalation needs approved wording.', '{count} escalations need approved wording.',
        escalations), { count: escalations });
      text = warning + ' ' + text;
    }
    this._say(text);
  }

  _say(text) {
    this._status.textContent = text;
  }

  _busy(on) {
    this._progress.classList.toggle('on', on);
    this._list.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  _setState(state) {
    this.setAttribute('data-state', state);
  }
}

/** Register <vastaus-panel> once, whatever loads this module first. */
export function define(registry = globalThis.customElements) {
  if (registry && !registry.get('vastaus-panel')) registry.define('vastaus-panel', VastausPanel);
  return VastausPanel;
}
