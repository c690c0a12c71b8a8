/**
 * The extension's service worker: runs the content script only on the sites the user allowed.
 *
 * Nothing is injected by default (no static content_scripts, no host permissions at install):
 * the options page asks for permission for each site pattern the user lists, and this worker
 * registers content.js for exactly the patterns that were granted. Removing a site or revoking
 * its permission unregisters it.
 */
const SCRIPT_ID = 'vastaus';

/** Register content.js for the allowed and granted site patterns (and nothing else). */
export async function syncContentScripts() {
  const { sites = [] } = await chrome.storage.local.get('sites');
  const granted = [];
  for (const pattern of sites) {
    try {
      if (await chrome.permissions.contains({ origins: [pattern] })) granted.push(pattern);
    } catch (_err) {
      // an invalid pattern: the options page refuses those, skip it here too
    }
  }
  const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (existing.length) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  if (granted.length) {
    await chrome.scripting.registerContentScripts([{
      // allFrames: a helpdesk inside a frame of another site gets its panel in that frame
      // (content.js leaves a frame whose top is the same site to the top's script).
      id: SCRIPT_ID, matches: granted, js: ['content.js'], runAt: 'document_idle', allFrames: true, persistAcrossSessions: true,
    }]);
  }
  return granted;
}

chrome.runtime.onInstalled.addListener(() => {
  syncContentScripts();
});
chrome.runtime.onStartup.addListener(() => {
  syncContentScripts();
});
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes.sites) syncContentScripts();
});
chrome.permissions.onAdded.addListener(() => {
  syncContentScripts();
});
chrome.permissions.onRemoved.addListener(() => {
  syncContentScripts();
});
chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());
chrome.runtime.onMessage.addListener((message, _sender, respond) => {
  if (message && message.type === 'vastaus-sync') {
    syncContentScripts().then(respond, (err) => respond({ error: String(err) }));
    return true;
  }
  return false;
});
