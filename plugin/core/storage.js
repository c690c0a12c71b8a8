/**
 * The reply language an agent chose, remembered per conversation (localStorage), so that
 * coming back to an Estonian customer's ticket shows Estonian replies again.
 * Storage can be missing or refuse access (sandboxed iframes, privacy modes): then the
 * choice lasts as long as the page.
 */

const PREFIX = 'vastaus:reply-lang:';
const memory = new Map();

function store() {
  try {
    return globalThis.localStorage || null;
  } catch (_err) {
    return null;
  }
}

/** @param {string|number|null|undefined} conversationId */
export function loadReplyLang(conversationId) {
  if (conversationId === undefined || conversationId === null || conversationId === '') return null;
  const key = PREFIX + conversationId;
  try {
    const value = store()?.getItem(key);
    if (value) return value;
  } catch (_err) {
    // fall through to the page's memory
  }
  return memory.get(key) || null;
}

/** @param {string|number|null|undefined} conversationId @param {string} lang */
export function saveReplyLang(conversationId, lang) {
  if (conversationId === undefined || conversationId === null || conversationId === '') return;
  const key = PREFIX + conversationId;
  memory.set(key, lang);
  try {
    store()?.setItem(key, lang);
  } catch (_err) {
    // quota or access refused: the page's memory keeps it
  }
}
