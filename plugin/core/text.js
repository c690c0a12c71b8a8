/**
 * Text helpers of the panel: placeholder filling, matched-word marking, excerpts, and
 * turning marked text into DOM nodes.
 *
 * Snippet text is data, never markup: everything here returns strings and ranges, and
 * `appendMarked` builds text nodes and <mark> elements only. A snippet that contains
 * `<img src=x onerror=...>` is shown as those characters.
 */

/** `{{name.path}}`, as kb/placeholders.py reads it (same pattern, so both agree on names). */
const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*\}\}/g;
const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/**
 * Lower case without diacritics: "Jõudnud" and "joudnud" compare equal, and so do
 * "myöhässä" and "myohassa", since agents type fast and keyboards differ.
 * @param {string} text
 */
export function fold(text) {
  return text.normalize('NFD').replace(MARKS, '').toLowerCase();
}

/**
 * Fill placeholders with `values`; unknown names stay `{{name}}` and are reported with
 * their place in the result, so the panel can mark what the agent still has to write.
 * Plain substitution: a value is never interpreted, like kb.placeholders.fill.
 * @param {string} text
 * @param {Record<string, string>} values
 * @returns {{text: string, missing: string[], holes: Array<[number, number]>}}
 */
export function fill(text, values) {
  let out = '';
  let last = 0;
  const missing = [];
  const holes = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    out += text.slice(last, match.index);
    const name = match[1];
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (typeof value === 'string' && value.trim()) {
      out += value;
    } else {
      holes.push([out.length, out.length + match[0].length]);
      out += match[0];
      if (!missing.includes(name)) missing.push(name);
    }
    last = match.index + match[0].length;
  }
  out += text.slice(last);
  return { text: out, missing, holes };
}

/** The `{{...}}` left in a text (after the service filled what it could). */
export function holesIn(text) {
  return [...text.matchAll(PLACEHOLDER)].map((m) => [m.index, m.index + m[0].length]);
}

/**
 * The prefix a word of the text must start with to count as a match of a query word.
 * Finnish and Estonian inflect heavily ("paketti", "pakettini", "pakettisi"), so a long
 * query word is cut to about 70 % of its length (at least five letters); short words must
 * match as typed.
 * @param {string} word
 */
export function matchPrefix(word) {
  const folded = fold(word);
  if (folded.length <= 5) return folded;
  return folded.slice(0, Math.max(5, Math.ceil(folded.length * 0.7)));
}

/**
 * Ranges of the words in `text` that start like one of the query's `words`.
 * @param {string} text
 * @param {string[]} words the response's `words`
 * @returns {Array<[number, number]>}
 */
export function wordRanges(text, words) {
  const prefixes = [...new Set((words || []).filter((w) => typeof w === 'string' && w).map(matchPrefix))]
    .filter((p) => p.length >= 3); // two-letter words ("ei", "jo") would mark half the text
  if (!prefixes.length) return [];
  const ranges = [];
  for (const match of text.matchAll(WORD)) {
    const folded = fold(match[0]);
    if (prefixes.some((p) => folded.startsWith(p))) ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
}

/**
 * A short piece of `text` around its first matched word, cut at word boundaries.
 * @param {string} text
 * @param {Array<[number, number]>} ranges matched words (sorted)
 * @param {number} size about how many characters
 * @returns {{text: string, offset: number, before: boolean, after: boolean}}
 */
export function excerpt(text, ranges, size = 160) {
  // Same length as `text` (one space per white-space character), so ranges stay valid.
  const spaced = text.replace(/\s/g, ' ');
  if (spaced.length <= size) return { text: spaced, offset: 0, before: false, after: false };
  const first = ranges.length ? ranges[0][0] : 0;
  let start = Math.max(0, first - Math.floor(size / 3));
  if (start > 0) {
    const space = spaced.lastIndexOf(' ', start);
    start = space >= 0 && first - space < size / 2 ? space + 1 : start;
  }
  let end = Math.min(spaced.length, start + size);
  if (end < spaced.length) {
    const space = spaced.lastIndexOf(' ', end);
    if (space > start + size / 2) end = space;
  }
  return { text: spaced.slice(start, end), offset: start, before: start > 0, after: end < spaced.length };
}

/**
 * Append `text` to `parent` as text nodes, with each range wrapped in <mark class=...>.
 * Overlaps are resolved in favour of the earlier range.
 * @param {Node} parent
 * @param {string} text
 * @param {Array<[number, number, string]>} ranges [start, end, className]
 */
export function appendMarked(parent, text, ranges) {
  const doc = parent.ownerDocument || document;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let pos = 0;
  for (const [start, end, className] of sorted) {
    if (start < pos || end <= start) continue;
    if (start > pos) parent.appendChild(doc.createTextNode(text.slice(pos, start)));
    const mark = doc.createElement('mark');
    mark.className = className;
    mark.textContent = text.slice(start, end);
    parent.appendChild(mark);
    pos = end;
  }
  if (pos < text.length) parent.appendChild(doc.createTextNode(text.slice(pos)));
}

/**
 * Ranges of one string shifted into an excerpt of it.
 * @param {Array<[number, number, string]>} ranges
 * @param {number} offset
 * @param {number} length
 */
export function shiftRanges(ranges, offset, length) {
  return ranges
    .map(([s, e, c]) => [Math.max(s - offset, 0), Math.min(e - offset, length), c])
    .filter(([s, e]) => e > s);
}
