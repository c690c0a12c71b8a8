/**
 * Outage mode in the panel: the banner of the declared incidents, the reminder of a promised
 * next update that is overdue, and the watch that keeps them current.
 *
 * What an incident is (its area, the promised next update, the note, which reply everyone
 * sends) is declared once, on the service (`kb incident start/update/end`); the panel only
 * shows what GET /api/v1/incidents and /suggest's `incident` say, as text. Nothing here comes
 * from the helpdesk page, and nothing is built from markup.
 *
 * Why it works the way it does:
 * - The watch asks GET /incidents every POLL_MS (a host that counts calls, Freshdesk, asks
 *   less often and shares one answer between its sidebar frames through localStorage), and
 *   again when a hidden page becomes visible; every /suggest answer about an incident brings
 *   it too, at no cost. A failed poll keeps what is shown: the banner never bothers an agent
 *   with an error of its own.
 * - The reminder is the browser's clock against `next_update_at` (absolute, with its offset),
 *   re-checked by a timer set for the promised moment, not only when a poll answers; the time
 *   shown is `next_update` as declared (the knowledge base's local time, as in the reply).
 * - A winding-down incident (ended, its wind-down period running) shows as a calm "fixed"
 *   banner without a reminder: agents still see why the "fixed" reply comes first.
 */

import { _, currentLang, format } from './i18n.js';

/** How often the panel asks for the incidents, unless its host says otherwise. */
export const POLL_MS = 20000;
/** Opening a conversation asks again when the last answer is older than this (hosts without a store). */
const OPEN_REFRESH_MS = 5000;
/** The reminder's timer wakes at least this often (a sleeping laptop's timers run late). */
const CHECK_MS = 60000;
const STATES = new Set(['active', 'winding_down']);
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const TEXT_CHARS = 500; // a note longer than this is cut: a banner is not a bulletin

function text(value) {
  return typeof value === 'string' && value.trim() ? value.trim().slice(0, TEXT_CHARS) : null;
}

function time(value) {
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(at) ? at : null;
}

/**
 * One incident as the API describes it, or null when it is malformed (left out, never shown
 * half). `dueAt` is `next_update_at` in milliseconds, for the reminder.
 */
export function incidentFrom(data) {
  if (!data || typeof data !== 'object') return null;
  const id = data.id;
  const area = text(data.area);
  if (!(Number.isInteger(id) || (typeof id === 'string' && id)) || !area || !STATES.has(data.state)) return null;
  const next = typeof data.next_update === 'string' && HHMM.test(data.next_update) ? data.next_update : null;
  const variables = {};
  if (data.variables && typeof data.variables === 'object' && !Array.isArray(data.variables)) {
    for (const [name, value] of Object.entries(data.variables)) {
      if (typeof value === 'string' && value.trim()) variables[name] = value;
    }
  }
  return Object.freeze({
    id, area, state: data.state, next_update: next, dueAt: next ? time(data.next_update_at) : null,
    note: text(data.note), reply: text(data.reply), updated_at: typeof data.updated_at === 'string' ? data.updated_at : '',
    variables: Object.freeze(variables),
  });
}

/** Active incidents first, then the winding-down ones, each group in the order given. */
function ordered(list) {
  return list.filter((i) => i.state === 'active').concat(list.filter((i) => i.state !== 'active'));
}

/** The incidents of a GET /incidents answer, active ones first, malformed ones left out. */
export function incidentsFrom(data) {
  return ordered(data && Array.isArray(data.incidents) ? data.incidents.map(incidentFrom).filter(Boolean) : []);
}

/** Whether the promised next update of an active incident is past, by the browser's clock. */
export function overdue(incident, now = Date.now()) {
  return incident.state === 'active' && incident.dueAt !== null && now >= incident.dueAt;
}

/** When the reminder must be checked next: the nearest promised moment still ahead, else null. */
export function nextCheck(incidents, now = Date.now()) {
  const ahead = incidents.filter((i) => i.state === 'active' && i.dueAt !== null && i.dueAt > now).map((i) => i.dueAt);
  return ahead.length ? Math.min(...ahead) : null;
}

/** "14:30" as the interface language writes a time (14.30, 14:30, 2:30 PM); as declared if it cannot. */
export function clock(hhmm, lang = currentLang()) {
  const match = HHMM.exec(hhmm || '');
  if (!match) return hhmm || '';
  try {
    return new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' })
      .format(Date.UTC(2000, 0, 1, Number(match[1]), Number(match[2])));
  } catch (_err) {
    return hhmm;
  }
}

/** What the banner says about one incident, in the interface language (plain strings). */
export function bannerLines(incident, now = Date.now()) {
  const lines = [];
  if (incident.state === 'active') {
    lines.push(['title', format(_('Outage: {area}'), { area: incident.area })]);
    if (incident.next_update) {
      lines.push(['next', format(_('Next update promised at {time}'), { time: clock(incident.next_update) })]);
    }
  } else {
    lines.push(['title', format(_('Fixed: {area}'), { area: incident.area })]);
    lines.push(['next', _('Customers who still write about it get the reply for a fixed outage first.')]);
  }
  if (incident.note) lines.push(['note', incident.note]);
  if (overdue(incident, now)) {
    lines.push(['overdue', format(_('The next update was promised at {time} and no new time has been given. Ask your team lead for news before you promise customers anything new.'),
      { time: clock(incident.next_update) })]);
  }
  return lines;
}

const shown = new WeakMap(); // banner box -> what it says now

/**
 * Draw the banners into `box` (text nodes only). The reminder of each incident is announced
 * once, when it appears (role=alert); the rest is a polite region.
 */
export function renderBanner(box, incidents, now = Date.now()) {
  const doc = box.ownerDocument;
  box.setAttribute('aria-label', _('Incidents'));
  // Redrawn only when what it says changes: a live region redrawn would be read out again.
  const said = JSON.stringify(incidents.map((incident) => [incident.id, incident.state, bannerLines(incident, now)]));
  if (shown.get(box) === said) return;
  shown.set(box, said);
  const cards = incidents.map((incident) => {
    const card = doc.createElement('div');
    card.className = `incident ${incident.state === 'active' ? 'active' : 'resolved'}${overdue(incident, now) ? ' late' : ''}`;
    card.dataset.incident = String(incident.id);
    card.dataset.state = incident.state;
    for (const [kind, line] of bannerLines(incident, now)) {
      const para = doc.createElement('p');
      para.className = `incident-${kind}`;
      if (kind === 'overdue') para.setAttribute('role', 'alert');
      para.textContent = line;
      card.append(para);
    }
    return card;
  });
  box.replaceChildren(...cards);
  box.hidden = cards.length === 0;
}

function readStore(store, key) {
  try {
    const entry = JSON.parse(store.getItem(key) || 'null');
    return entry && typeof entry.at === 'number' && entry.data ? entry : null;
  } catch (_err) {
    return null;
  }
}

/**
 * Keeps the list of incidents current and calls `onChange(list)` when it changes.
 * configure() and start() on every conversation opened; stop() when the panel leaves the page.
 */
export class IncidentWatch {
  constructor(onChange, { doc = globalThis.document, now = Date.now } = {}) {
    this.list = [];
    this.polls = 0; // answers had (from the service or a shared store): 0 means the list is not known yet
    this._onChange = onChange;
    this._doc = doc;
    this._now = now;
    this._api = null;
    this._key = null;
    this._store = null; // a host app's own localStorage: one service, so one key (never the token in it)
    this._storeKey = 'vastaus:incidents';
    this._interval = POLL_MS;
    this._polledAt = 0;
    this._timer = 0;
    this._stopped = false;
    this._loading = null;
    this._raw = null; // the last answer of the service, as it came (for the shared store)
    this._fromSuggest = new Map(); // id -> when a /suggest answer brought it (kept over an older poll)
    this._seen = new Map(); // id -> the number of the poll that first showed it
    this._onVisible = () => {
      if (this._stopped || this._hidden()) return;
      this._adoptShared();
      if (this._now() - this._polledAt >= this._interval) this.poll();
      else this._schedule();
    };
    doc?.addEventListener?.('visibilitychange', this._onVisible);
  }

  /**
   * Use the API of the conversation just opened (no request yet: see start()).
   * @param {{api: object, key: string, intervalMs?: number, store?: Storage|null}} options `key` names
   *   the service (another service's incidents are not this one's); `store` is shared by the frames of a
   *   host that counts calls, and then a conversation opened asks only when the interval has passed.
   */
  configure({ api, key, intervalMs = POLL_MS, store = null }) {
    this._api = api;
    this._stopped = false;
    this._interval = Math.max(1000, Number(intervalMs) || POLL_MS);
    this._store = store;
    if (key !== this._key) {
      this._key = key;
      this._polledAt = 0;
      this.polls = 0;
      this._raw = null;
      this._fromSuggest.clear();
      this._seen.clear();
      this._set([]);
    }
    this._adoptShared();
  }

  /** Take the answer another frame of the host had, if it is newer than this frame's; true if it was. */
  _adoptShared() {
    const shared = this._store ? readStore(this._store, this._storeKey) : null;
    if (!shared || shared.at <= this._polledAt) return false;
    this._polledAt = shared.at;
    this._raw = shared.data;
    this.polls += 1;
    this._set(incidentsFrom(shared.data));
    return true;
  }

  /**
   * Ask now if the last answer is old (a conversation was opened), else at the next turn. The
   * panel calls it once the conversation's suggestions are shown: they come first.
   */
  start() {
    const age = this._now() - this._polledAt;
    if (age >= (this._store ? this._interval : Math.min(this._interval, OPEN_REFRESH_MS))) return this.poll();
    this._schedule();
    return Promise.resolve();
  }

  /** Ask the service now (one request at a time); never rejects. */
  poll() {
    if (!this._api || typeof this._api.incidents !== 'function') return Promise.resolve();
    if (this._loading) return this._loading;
    clearTimeout(this._timer);
    const asked = this._now();
    this._loading = this._api.incidents().then((data) => {
      this._polledAt = this._now();
      this.polls += 1;
      this._raw = data;
      this._share();
      const fresh = incidentsFrom(data);
      // An incident a /suggest answer brought after this poll was sent is newer than the poll's view.
      for (const incident of this.list) {
        if ((this._fromSuggest.get(incident.id) || 0) > asked && !fresh.some((i) => i.id === incident.id)) fresh.push(incident);
      }
      this._set(fresh);
    }, () => {
      this._polledAt = this._now(); // failed: what is shown stays, and the next try waits its turn,
      this._share(); // in the other frames too (a host that counts calls counts this one)
    }).finally(() => {
      this._loading = null;
      this._schedule();
    });
    return this._loading;
  }

  /** Tell the host's other frames when the service was last asked, and what it said. */
  _share() {
    if (!this._store) return;
    try {
      this._store.setItem(this._storeKey, JSON.stringify({ at: this._polledAt, data: this._raw || { incidents: [] } }));
    } catch (_err) {
      // quota or access refused: this frame keeps its own answer
    }
  }

  /** An incident a /suggest answer carried: the newest word on it. */
  merge(data) {
    const incident = incidentFrom(data);
    if (!incident) return null;
    this._fromSuggest.set(incident.id, this._now());
    const known = this.list.find((i) => i.id === incident.id);
    if (known && (time(known.updated_at) || 0) > (time(incident.updated_at) || 0)) return known;
    this._set(ordered([...this.list.filter((i) => i.id !== incident.id), incident]));
    return incident;
  }

  /** No more polls (the panel left the page) until resume() or the next configure(). */
  stop() {
    this._stopped = true;
    clearTimeout(this._timer);
    this._timer = 0;
  }

  resume() {
    this._stopped = false;
    if (this._api) this._schedule();
  }

  _hidden() {
    return Boolean(this._doc && this._doc.visibilityState === 'hidden');
  }

  _schedule() {
    clearTimeout(this._timer);
    if (this._stopped) return;
    const wait = Math.max(0, this._polledAt + this._interval - this._now());
    this._timer = setTimeout(() => {
      if (this._hidden()) return; // asked again when the page is visible (_onVisible)
      if (this._adoptShared()) this._schedule(); // another tab of the agent asked meanwhile
      else this.poll();
    }, wait);
  }

  /** The number of the poll (or shared answer) that first showed an incident; 0 if none did. */
  seenAt(id) {
    return this._seen.get(id) || 0;
  }

  _set(list) {
    for (const incident of list) if (!this._seen.has(incident.id)) this._seen.set(incident.id, this.polls);
    const before = signature(this.list);
    this.list = list;
    if (signature(list) !== before) this._onChange(list);
  }
}

/**
 * Whether suggestions given after poll number `before` are out of date for `list`: the
 * incident whose reply they pinned was updated, ended or is gone, or an incident was declared
 * since (the message may be about it). `seen(id)` is the poll that first showed an incident;
 * when no poll had answered before the suggestions, the first one after them is what they knew.
 */
export function outdated(pinned, before, list, seen) {
  if (before === null || before === undefined) return false;
  if (pinned) {
    const now = list.find((i) => i.id === pinned.id);
    if (!now || now.state !== pinned.state || now.updated_at !== pinned.updated_at) return true;
  }
  return list.some((i) => seen(i.id) > Math.max(before, 1));
}

/** What identifies a state of the incidents: each one's id, state and last update. */
export function signature(list) {
  return JSON.stringify(list.map((i) => [i.id, i.state, i.updated_at, i.next_update, i.note, i.dueAt]));
}

/**
 * The reminder's timer: `onDue` runs when the nearest promised moment passes (and at least
 * every CHECK_MS, so a late timer catches up). Returns a function that cancels it.
 */
export function remindAt(incidents, onDue, now = Date.now()) {
  const due = nextCheck(incidents, now);
  if (due === null) return () => {};
  const timer = setTimeout(onDue, Math.min(due - now + 50, CHECK_MS));
  return () => clearTimeout(timer);
}
