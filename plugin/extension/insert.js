/**
 * Putting a reply into whatever reply box a web helpdesk uses: a <textarea>/<input>, or a
 * contenteditable rich editor. Helpdesks built with React, Vue or ProseMirror only notice text
 * that arrives with input events, so the text goes in the way typing would put it: at the
 * caret (the selection the agent left there), followed by `input` (and `change`).
 */

/** Whether an element can take a reply. */
export function isEditable(node) {
  if (!node || node.nodeType !== 1) return false;
  if (node.isContentEditable) return true;
  if (node.tagName === 'TEXTAREA') return !node.readOnly && !node.disabled;
  if (node.tagName === 'INPUT') return ['text', 'search', ''].includes(node.type) && !node.readOnly && !node.disabled;
  return false;
}

/** The editable element itself, or the contenteditable root around a node. */
export function editableRoot(node) {
  let current = node && node.nodeType === 3 ? node.parentElement : node;
  if (current && current.tagName !== 'TEXTAREA' && current.tagName !== 'INPUT' && current.isContentEditable) {
    while (current.parentElement && current.parentElement.isContentEditable) current = current.parentElement;
  }
  return isEditable(current) ? current : null;
}

/**
 * Remembers the reply box the agent was last in, and where the caret was, so that text can
 * go there after the agent moved to the panel.
 */
export class ReplyTarget {
  constructor(doc = document, ignore = () => false) {
    this.doc = doc;
    this.element = null;
    this.range = null;
    this.ignore = ignore;
    doc.addEventListener('focusin', (event) => this.remember(event.target), true);
    doc.addEventListener('selectionchange', () => this.rememberSelection());
  }

  remember(node) {
    if (this.ignore(node)) return;
    const root = editableRoot(node);
    if (root) this.element = root;
  }

  rememberSelection() {
    const selection = this.doc.getSelection();
    if (!selection || !selection.rangeCount || !this.element || !this.element.isContentEditable) return;
    const range = selection.getRangeAt(0);
    if (this.element.contains(range.commonAncestorContainer)) this.range = range.cloneRange();
  }

  /** Insert at the remembered place; false when there is no reply box to use. */
  insert(text) {
    const target = this.element && this.element.isConnected ? this.element : editableRoot(this.doc.activeElement);
    if (!target) return false;
    insertText(target, text, this.range);
    return true;
  }
}

/**
 * @param {HTMLElement} target a textarea, input or contenteditable element
 * @param {string} text
 * @param {Range|null} range where the caret was in a contenteditable
 */
export function insertText(target, text, range = null) {
  const doc = target.ownerDocument;
  const view = doc.defaultView;
  target.focus();
  if (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT') {
    const start = target.selectionStart ?? target.value.length;
    const end = target.selectionEnd ?? start;
    target.setRangeText(text, start, end, 'end');
    target.dispatchEvent(new view.InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
    target.dispatchEvent(new view.Event('change', { bubbles: true }));
    return;
  }
  const selection = doc.getSelection();
  selection.removeAllRanges();
  if (range && target.contains(range.commonAncestorContainer)) {
    selection.addRange(range);
  } else {
    const end = doc.createRange();
    end.selectNodeContents(target);
    end.collapse(false);
    selection.addRange(end);
  }
  // execCommand goes through the editor's own beforeinput/input handling, which rich editors
  // need; it is deprecated but has no replacement for this. Without it, insert a text node.
  let done = false;
  try {
    done = doc.execCommand('insertText', false, text);
  } catch (_err) {
    done = false;
  }
  if (!done) {
    const place = selection.getRangeAt(0);
    place.deleteContents();
    const node = doc.createTextNode(text);
    place.insertNode(node);
    place.setStartAfter(node);
    place.collapse(true);
    selection.removeAllRanges();
    selection.addRange(place);
    target.dispatchEvent(new view.InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
  }
}
