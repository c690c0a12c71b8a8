/*
 * Vastaus content script (classic script, as Chrome requires): loads the module that does
 * the work. It runs only on sites the user allowed in the options (see background.js).
 */
(function () {
  if (window.__vastausExtension) return;
  if (window !== window.top) {
    try {
      if (window.top.document) return; // same origin: the top's script watches this frame's editors
    } catch (_err) {
      // the top is another site: this frame is the helpdesk, and gets its own panel
    }
  }
  window.__vastausExtension = true;
  import(chrome.runtime.getURL('content-main.js')).then((module) => module.start());
})();
