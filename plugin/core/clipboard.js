/**
 * Copying a reply to the clipboard.
 *
 * navigator.clipboard needs a secure context and, inside a helpdesk's iframe, the host's
 * permission ("clipboard-write"), which Chatwoot and others do not always grant; the old
 * select-and-execCommand way still works there during the click or key press, so it is
 * the fallback.
 */

/**
 * @param {string} text
 * @param {Document} doc the document the panel lives in
 * @returns {Promise<boolean>} whether the text reached the clipboard
 */
export async function copyText(text, doc = document) {
  const view = doc.defaultView || window;
  try {
    if (view.navigator.clipboard && view.isSecureContext) {
      await view.navigator.clipboard.writeText(text);
      return true;
    }
  } catch (_err) {
    // denied by the permission policy of the frame: try the fallback
  }
  return copyWithTextarea(text, doc);
}

/** The fallback: a hidden, read-only textarea selected and copied. */
export function copyWithTextarea(text, doc = document) {
  const area = doc.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.setAttribute('aria-hidden', 'true');
  area.style.position = 'fixed'; // CSSOM, allowed by a strict style-src
  area.style.top = '0';
  area.style.left = '-9999px';
  area.style.opacity = '0';
  (doc.body || doc.documentElement).appendChild(area);
  area.select();
  let copied = false;
  try {
    copied = doc.execCommand('copy');
  } catch (_err) {
    copied = false;
  }
  area.remove();
  return copied;
}
