/**
 * The panel's interface strings in the agent's language (fi, et, en).
 *
 * Strings are written in English inside `_()` and `ngettext()` calls so that Babel's
 * JavaScript extractor finds them (`[javascript: plugin/**.js]` in babel.cfg); translators
 * work in locales/<lang>/LC_MESSAGES/plugin.po, and the service hands the translations to
 * the panel as JSON from GET /api/v1/i18n/<lang>:
 *   {"lang": "fi", "messages": {"msgid": "msgstr" | ["singular", "plural"]}, "plural": "n != 1"}
 * A message missing from the catalog falls back to its English msgid, as gettext does.
 * Placeholders are `{name}` (see format()), never concatenation, so word order can change.
 */

const englishPlural = (n) => (n === 1 ? 0 : 1);

/** The catalog in use; one per page, because an agent works in one interface language. */
let active = { lang: 'en', messages: {}, plural: englishPlural };

/**
 * Use a catalog as the service sends it. Anything malformed leaves English in place:
 * a broken catalog must never break the panel.
 * @param {{lang?: string, messages?: object, plural?: string}} data
 */
export function setCatalog(data) {
  if (!data || typeof data !== 'object' || !data.messages || typeof data.messages !== 'object') {
    active = { lang: 'en', messages: {}, plural: englishPlural };
    return active.lang;
  }
  let plural = englishPlural;
  if (typeof data.plural === 'string') {
    try {
      plural = compilePlural(data.plural);
    } catch (_err) {
      plural = englishPlural;
    }
  }
  active = { lang: typeof data.lang === 'string' ? data.lang : 'en', messages: data.messages, plural };
  return active.lang;
}

/** The language of the catalog in use. */
export function currentLang() {
  return active.lang;
}

/**
 * The translation of `msgid`, or `msgid` itself.
 * @param {string} msgid
 * @returns {string}
 */
export function _(msgid) {
  const found = active.messages[msgid];
  if (typeof found === 'string' && found) return found;
  return msgid;
}

/**
 * The singular or plural form for `n`, chosen by the catalog's plural rule.
 * @param {string} singular
 * @param {string} plural
 * @param {number} n
 */
export function ngettext(singular, plural, n) {
  const found = active.messages[singular];
  if (Array.isArray(found) && found.length) {
    const index = Math.min(Math.max(Number(active.plural(n)) || 0, 0), found.length - 1);
    if (typeof found[index] === 'string' && found[index]) return found[index];
  }
  return n === 1 ? singular : plural;
}

/**
 * Put values into `{name}` placeholders; unknown names stay as written so a translator's
 * typo shows instead of vanishing.
 * @param {string} text
 * @param {Record<string, string|number>} values
 */
export function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/**
 * Compile a gettext plural expression such as `n != 1` or
 * `(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2)` into a function.
 * Written as a tiny parser instead of `new Function` because helpdesk pages forbid eval
 * (Content-Security-Policy without 'unsafe-eval').
 * @param {string} source
 * @returns {(n: number) => number}
 */
export function compilePlural(source) {
  const tokens = source.match(/\s*(\d+|n|&&|\|\||[=!<>]=|[<>?:()%!*/+-])\s*/g);
  if (!tokens || tokens.join('').length !== source.length) throw new Error('bad plural expression');
  const list = tokens.map((t) => t.trim());
  let pos = 0;
  const peek = () => list[pos];
  const take = (want) => {
    if (want !== undefined && list[pos] !== want) throw new Error('bad plural expression');
    return list[pos++];
  };
  const binary = (next, ops) => () => {
    let left = next();
    while (ops.includes(peek())) {
      const op = take();
      const right = next();
      const l = left;
      left = (n) => apply(op, l(n), right(n));
    }
    return left;
  };
  const primary = () => {
    const t = take();
    if (t === '(') {
      const inner = ternary();
      take(')');
      return inner;
    }
    if (t === '!') {
      const inner = primary();
      return (n) => (inner(n) ? 0 : 1);
    }
    if (t === '-') {
      const inner = primary();
      return (n) => -inner(n);
    }
    if (t === 'n') return (n) => n;
    if (/^\d+$/.test(t)) {
      const value = Number(t);
      return () => value;
    }
    throw new Error('bad plural expression');
  };
  const multiplicative = binary(primary, ['*', '/', '%']);
  const additive = binary(multiplicative, ['+', '-']);
  const relational = binary(additive, ['<', '>', '<=', '>=']);
  const equality = binary(relational, ['==', '!=']);
  const and = binary(equality, ['&&']);
  const or = binary(and, ['||']);
  function ternary() {
    const test = or();
    if (peek() !== '?') return test;
    take('?');
    const yes = ternary();
    take(':');
    const no = ternary();
    return (n) => (test(n) ? yes(n) : no(n));
  }
  const compiled = ternary();
  if (pos !== list.length) throw new Error('bad plural expression');
  return (n) => Number(compiled(n));
}

function apply(op, a, b) {
  switch (op) {
    case '*': return a * b;
    case '/': return b ? Math.trunc(a / b) : 0;
    case '%': return b ? a % b : 0;
    case '+': return a + b;
    case '-': return a - b;
    case '<': return a < b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '&&': return a && b ? 1 : 0;
    case '||': return a || b ? 1 : 0;
    default: throw new Error('bad plural expression');
  }
}
