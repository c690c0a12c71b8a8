/**
 * A fake Freshworks app client for the harness: window.app.initialized() resolves to a
 * client whose data.get, interface.trigger and request.invokeTemplate are answered by the
 * host page (test-harness.js) over postMessage, like the real client talks to Freshdesk.
 */
(function () {
  let next = 0;
  const pending = new Map();
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || !event.data || event.data.channel !== 'fake-fdk') return;
    const waiting = pending.get(event.data.id);
    if (!waiting) return;
    pending.delete(event.data.id);
    if (event.data.error) waiting.reject(event.data.error);
    else waiting.resolve(event.data.result);
  });
  function call(method, args) {
    return new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      window.parent.postMessage({ channel: 'fake-fdk', id, method, args: JSON.parse(JSON.stringify(args)) }, '*');
    });
  }
  const client = {
    data: { get: (name) => call('data.get', [name]) },
    interface: { trigger: (action, options) => call('interface.trigger', [action, options]) },
    request: { invokeTemplate: (name, options) => call('request.invokeTemplate', [name, options]) },
    events: { on: () => undefined },
  };
  window.app = { initialized: () => Promise.resolve(client) };
})();
