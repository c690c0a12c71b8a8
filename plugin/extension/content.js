/*
 * Vastaus content script (classic script, as Chrome requires): loads the module that does
 * the work. It runs only on sites the user allowed in the options (see background.js).
 */
(function () {
  if (window.__vastausExtension) return;
  window.__vastausExtension = true;
  import(chrome.runtime.getURL('content-main.js')).then((module) => module.start());
})();
