/**
 * Starts the extension's content-main.js as the extension would, with a fake `chrome`:
 * runtime.getURL points into the unpacked extension (?ext=, default dist/), and
 * storage.local holds the options. The panel frame gets the API settings in its address,
 * as it does when it runs outside the extension (see panel.js).
 */
const params = new URLSearchParams(window.location.search);
const ext = new URL(params.get('ext') || 'dist/', window.location.href);
const hash = new URLSearchParams({ api: params.get('api') || '', token: params.get('token') || '' });
window.inputEvents = [];
for (const id of ['reply', 'rich']) {
  document.getElementById(id).addEventListener('input', (event) => window.inputEvents.push([id, event.inputType]));
}
const fakeChrome = {
  runtime: { getURL: (path) => new URL(path, ext).href + (path === 'panel.html' ? `#${hash}` : '') },
  storage: { local: { get: async () => ({ uiLang: params.get('lang') || 'et' }) } },
};
const module = await import(new URL('content-main.js', ext).href);
window.vastausExtension = await module.start({ chromeApi: fakeChrome });
