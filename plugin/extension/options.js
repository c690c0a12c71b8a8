/**
 * The extension's options: the Vastaus address, the API token (kept in chrome.storage.local,
 * on this computer only) and the helpdesk sites the panel may run on. Saving asks the browser
 * for permission for exactly those sites and the API's origin (optional host permissions);
 * the service worker then registers the content script for the granted sites only.
 */
import { _, format, ngettext, setCatalog } from './core/i18n.js';
import { factsFrom } from './core/panel.js';
import { PATTERN, removedSites } from './sites.js';

const $ = (id) => document.getElementById(id);

/** Site patterns from the text box; throws with the first one Chrome would not accept. */
export function parseSites(text) {
  const sites = text.split(/\s+/).map((line) => line.trim()).filter(Boolean);
  for (const site of sites) {
    if (!PATTERN.test(site)) throw new Error(format(_('"{pattern}" is not a site pattern such as https://support.example.com/*'), { pattern: site }));
  }
  return sites;
}

function apiOrigin(url) {
  const parsed = new URL(url);
  if (!['https:', 'http:'].includes(parsed.protocol)) throw new Error(_('The Vastaus address must start with https://'));
  return `${parsed.origin}/*`;
}

function applyStrings() {
  document.title = _('Vastaus settings');
  $('heading').textContent = _('Vastaus settings');
  $('api-url-label').textContent = _('Vastaus address');
  $('token-label').textContent = _('API token');
  $('sites-label').textContent = _('Helpdesk sites (one pattern a line)');
  $('sites-help').textContent = _('The panel runs only on these sites; the browser asks you to allow each of them.');
  $('ui-lang-label').textContent = _('Interface language');
  $('ui-lang').options[0].textContent = _("The browser's language");
  $('save').textContent = _('Save');
  $('test').textContent = _('Test connection');
}

/**
 * GET /version (what is served) and one search with the token (whether it is accepted), so
 * that a wrong address or token shows here rather than as an empty panel in the helpdesk.
 */
export async function testConnection(apiUrl, token, fetchImpl = fetch) {
  const base = apiUrl.replace(/\/+$/, '');
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    const version = await fetchImpl(`${base}/api/v1/version`, { credentials: 'omit', cache: 'no-store' });
    const info = version.ok ? await version.json() : null;
    const search = await fetchImpl(`${base}/api/v1/search?q=test&limit=1`, { headers, credentials: 'omit', cache: 'no-store' });
    if (search.status === 401 || search.status === 403) {
      return { ok: false, text: _('Vastaus refused the API token. Ask your administrator to check the token in the app settings.') };
    }
    if (!search.ok || !info) return { ok: false, text: format(_('Vastaus answered with an error ({status}).'), { status: search.ok ? version.status : search.status }) };
    return { ok: true, text: format(_('Connected: Vastaus {version} accepts this token.'), { version: info.version }) };
  } catch (_err) {
    return { ok: false, text: _('Vastaus cannot be reached. Check the connection, or ask your administrator whether the service is running.') };
  }
}

async function loadStrings(apiUrl, lang) {
  if (!apiUrl) return;
  try {
    const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/api/v1/i18n/${encodeURIComponent(lang)}`);
    if (response.ok) setCatalog(await response.json());
  } catch (_err) {
    // English stays
  }
}

/**
 * The interface language menu: "(browser)" and the languages of the knowledge base at the
 * stored address (GET /version, each named in its own language); a stored choice stays in it
 * even when the service cannot be reached.
 */
async function loadLanguages(apiUrl, chosen) {
  const select = $('ui-lang');
  let facts = factsFrom(null);
  if (apiUrl) {
    try {
      const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/api/v1/version`, { credentials: 'omit', cache: 'no-store' });
      if (response.ok) facts = factsFrom(await response.json());
    } catch (_err) {
      // not reachable: only the stored choice is offered
    }
  }
  const codes = [...facts.languages];
  if (chosen && !codes.includes(chosen)) codes.push(chosen);
  for (const code of codes) {
    const option = document.createElement('option');
    option.value = code;
    option.lang = code;
    option.textContent = facts.names[code] || code;
    select.append(option);
  }
  select.value = chosen;
}

async function main() {
  const stored = await chrome.storage.local.get(['apiUrl', 'token', 'sites', 'uiLang']);
  $('api-url').value = stored.apiUrl || '';
  $('token').value = stored.token || '';
  $('sites').value = (stored.sites || []).join('\n');
  // The buttons work before the service's languages and strings arrive: a click is never lost.
  $('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const status = $('status');
    try {
      const apiUrl = $('api-url').value.trim().replace(/\/+$/, '');
      const sites = parseSites($('sites').value);
      // Must run in the click's user gesture: no await before it.
      const granted = await chrome.permissions.request({ origins: [...sites, apiOrigin(apiUrl)] });
      if (!granted) {
        status.textContent = _('The browser did not allow these sites; nothing was saved.');
        return;
      }
      const { sites: before = [] } = await chrome.storage.local.get('sites');
      await chrome.storage.local.set({ apiUrl, token: $('token').value.trim(), sites, uiLang: $('ui-lang').value });
      // A site taken off the list loses the permission too, not only the content script.
      const removed = removedSites(before, sites);
      if (removed.length) await chrome.permissions.remove({ origins: removed });
      await chrome.runtime.sendMessage({ type: 'vastaus-sync' });
      status.textContent = format(ngettext('Saved. Vastaus runs on {count} site.', 'Saved. Vastaus runs on {count} sites.', sites.length),
        { count: sites.length });
    } catch (err) {
      status.textContent = err.message;
    }
  });
  $('test').addEventListener('click', async () => {
    const status = $('status');
    try {
      const apiUrl = $('api-url').value.trim();
      // In the click's user gesture, before any await: the address needs the browser's permission.
      const granted = await chrome.permissions.request({ origins: [apiOrigin(apiUrl)] });
      if (!granted) {
        status.textContent = _('The browser did not allow these sites; nothing was saved.');
        return;
      }
      const result = await testConnection(apiUrl, $('token').value.trim());
      status.textContent = result.text;
      status.dataset.ok = String(result.ok);
    } catch (err) {
      status.textContent = err.message;
    }
  });
  await Promise.all([loadLanguages(stored.apiUrl, stored.uiLang || ''),
    loadStrings(stored.apiUrl, stored.uiLang || navigator.language.slice(0, 2))]);
  applyStrings();
}

main();
