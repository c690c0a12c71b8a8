/**
 * The helpdesk sites the agent allowed, as match patterns (https://support.example.com/*):
 * which origins they cover, the one check of "may this page drive the panel".
 *
 * The options page keeps them in chrome.storage.local (`sites`); the service worker runs the
 * content script only there, and the panel obeys only a page of one of them.
 */

export const PATTERN = /^(https?|\*):\/\/(\*|(?:\*\.)?[^/*:]+)(?::(\d+))?\/.*$/;

/**
 * Whether a page of `origin` ("https://support.example.com") is covered by `pattern`. As in
 * Chrome's match patterns, a pattern without a port covers every port, and "*." a domain
 * and all its subdomains.
 */
export function originMatches(pattern, origin) {
  const found = PATTERN.exec(String(pattern));
  let url;
  try {
    url = new URL(origin);
  } catch (_err) {
    return false;
  }
  if (!found || !['http:', 'https:'].includes(url.protocol)) return false;
  const [, scheme, host, port] = found;
  if (scheme !== '*' && `${scheme}:` !== url.protocol) return false;
  if (port && url.port !== port) return false;
  if (host === '*') return true;
  if (host.startsWith('*.')) {
    const domain = host.slice(2).toLowerCase();
    return url.hostname === domain || url.hostname.endsWith(`.${domain}`);
  }
  return url.hostname === host.toLowerCase();
}

/** Whether any allowed site covers `origin`. */
export function allowedOrigin(origin, sites) {
  return Array.isArray(sites) && sites.some((pattern) => originMatches(pattern, origin));
}

/** The patterns given up when `before` becomes `after`: their host permission is revoked. */
export function removedSites(before, after) {
  const kept = new Set(after);
  return (before || []).filter((pattern) => !kept.has(pattern));
}
