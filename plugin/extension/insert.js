/**
 * Putting a reply into whatever reply box a web helpdesk uses: a <textarea>/<input>, or a
 * rich editor (Quill, ProseMirror, TinyMCE, CKEditor, Summernote...), also inside a
 * same-origin iframe (TinyMCE's default mode, CKEditor 4).
 *
 * The text goes in the way the agent's own typing or pasting would, so that the editor's
 * model, its caret and its undo history all see it:
 * - a textarea: execCommand('insertText'), which the browser puts in the undo history
 *   (Ctrl+Z removes it); setRangeText only where that is refused;
 * - a rich editor: a paste event carrying the text, which the editor handles itself (each
 *   of them reads clipboardData and updates its own model); execCommand('insertText') only
 *   when no editor took the paste (a bare contenteditable, Summernote).
 * Then the text is looked for in the box: an insertion that did not arrive is reported as
 * such, never claimed (the panel then copies it instead).
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

/** The document inside an iframe when the page may reach it (same origin), else null. */
function frameDocument(frame) {
  try {
    return frame.contentDocument || null;
  } catch (_err) {
    return null; // another origin: out of reach, and out of scope
  }
}

/**
 * Call `attach(doc)` for `doc` and for every same-origin iframe document in it, now and
 * whenever one is added or (re)loaded: editors create their iframe after the page loaded,
 * and TinyMCE rewrites its document when it starts.
 */
export function watchDocuments(doc, attach) {
  const seen = new WeakSet();
  const visit = (current) => {
    if (!current || seen.has(current)) return;
    seen.add(current);
    attach(current);
    current.querySelectorAll('iframe').forEach(watchFrame);
    new current.defaultView.MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType !== 1) continue;
          if (node.tagName === 'IFRAME') watchFrame(node);
          node.querySelectorAll?.('iframe').forEach(watchFrame);
        }
      }
    }).observe(current.documentElement || current, { childList: true, subtree: true });
  };
  const watchFrame = (frame) => {
    if (frame.dataset.vastausPanel !== undefined) return; // the panel's own frame
    frame.addEventListener('load', () => visit(frameDocument(frame)));
    visit(frameDocument(frame));
  };
  visit(doc);
}

/** Text with every run of white space (line breaks, no-break spaces) as one space. */
function collapse(text) {
  return String(text).replace(/[\s\u00a0\u200b\ufeff]+/g, ' ').trim();
}

/** What a box holds as text, the way the agent sees it. */
export function contentOf(target) {
  if (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT') return target.value;
  return target.innerText ?? target.textContent;
}

/** Whether `text` is now in the box (and the box changed): the only proof an insert happened. */
export function arrived(target, text, before) {
  const now = contentOf(target);
  return now !== before && collapse(now).includes(collapse(text));
}

/**
 * Remembers the reply box the agent was last in, and where the caret was, so that text can
 * go there after the agent moved to the panel. Watches the page and its same-origin frames.
 */
export class ReplyTarget {
  /**
   * @param {Document} doc the top document of the helpdesk page
   * @param {(node: Node) => boolean} ignore nodes of the extension's own button and panel
   * @param {(doc: Document) => void} [onDocument] called for each document watched (shortcuts)
   */
  constructor(doc = document, ignore = () => false, onDocument = () => {}) {
    this.doc = doc;
    this.element = null;
    this.range = null;
    this.ignore = ignore;
    watchDocuments(doc, (current) => {
      current.addEventListener('focusin', (event) => this.remember(event.target), true);
      current.addEventListener('selectionchange', () => this.rememberSelection(current));
      onDocument(current);
    });
  }

  remember(node) {
    if (this.ignore(node)) return;
    const root = editableRoot(node);
    if (root) {
      if (root !== this.element) this.range = null;
      this.element = root;
    }
  }

  rememberSelection(doc) {
    const selection = doc.getSelection();
    if (!selection || !selection.rangeCount || !this.element || !this.element.isContentEditable) return;
    if (this.element.ownerDocument !== doc) return;
    const range = selection.getRangeAt(0);
    if (this.element.contains(range.commonAncestorContainer)) this.range = range.cloneRange();
  }

  /** The box to insert into: the remembered one, else the focused one (in the page or a frame). */
  box() {
    if (this.element && this.element.isConnected) return this.element;
    let doc = this.doc;
    let active = doc.activeElement;
    while (active && active.tagName === 'IFRAME' && frameDocument(active)) {
      doc = frameDocument(active);
      active = doc.activeElement;
    }
    return editableRoot(active);
  }

  /**
   * Insert at the remembered place and check that the text arrived.
   * @returns {Promise<{ok: boolean, reason?: string}>} reason: 'no-box' or 'not-arrived'
   */
  async insert(text) {
    const target = this.box();
    if (!target) return { ok: false, reason: 'no-box' };
    const before = contentOf(target);
    await insertText(target, text, this.range);
    if (await settled(target, () => arrived(target, text, before))) return { ok: true };
    return { ok: false, reason: 'not-arrived' };
  }
}

/**
 * Whether `check()` becomes true by the next few frames: editors update their document in
 * the paste handler or right after it, never much later. Bounded, so a refusal is reported.
 */
function settled(target, check, frames = 10) {
  const view = target.ownerDocument.defaultView;
  return new Promise((resolve) => {
    let left = frames;
    const step = () => {
      if (check()) resolve(true);
      else if (--left <= 0 || !target.isConnected) resolve(check());
      else view.requestAnimationFrame(step);
    };
    step();
  });
}

function execInsert(doc, text) {
  try {
    return doc.execCommand('insertText', false, text);
  } catch (_err) {
    return false;
  }
}

/**
 * The selection's change handled by the page before going on: an editor that was not focused
 * (the agent was in the panel) takes its caret from the DOM selection when it gets the focus
 * back, and CKEditor 5 does so after the event; pasting before that puts the caret back
 * where it was before the paste. The event, or two frames when the selection did not change.
 */
function selectionSettled(doc) {
  const view = doc.defaultView;
  return new Promise((resolve) => {
    let frames = 2;
    const done = () => {
      doc.removeEventListener('selectionchange', changed);
      view.requestAnimationFrame(() => resolve());
    };
    const changed = () => done();
    const tick = () => {
      if (--frames <= 0) done();
      else view.requestAnimationFrame(tick);
    };
    doc.addEventListener('selectionchange', changed, { once: true });
    view.requestAnimationFrame(tick);
  });
}

/**
 * @param {HTMLElement} target a textarea, input or contenteditable element
 * @param {string} text
 * @param {Range|null} range where the caret was in a contenteditable
 * @returns {Promise<'exec'|'range'|'paste'|'node'>} how the text was put in (for tests and debugging)
 */
export async function insertText(target, text, range = null) {
  const doc = target.ownerDocument;
  const view = doc.defaultView;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT') {
    const start = target.selectionStart ?? target.value.length;
    const end = target.selectionEnd ?? start;
    target.focus();
    target.setSelectionRange(start, end); // focusing may have moved the caret
    const before = target.value;
    if (execInsert(doc, text) && target.value !== before) return 'exec';
    target.setRangeText(text, start, end, 'end');
    target.dispatchEvent(new view.InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
    target.dispatchEvent(new view.Event('change', { bubbles: true }));
    return 'range';
  }
  target.focus();
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
  await selectionSettled(doc);
  // A paste of plain text: every rich editor handles it through its own model and history.
  const data = new view.DataTransfer();
  data.setData('text/plain', text);
  const paste = new view.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true, composed: true });
  const anchor = selection.anchorNode && selection.anchorNode.nodeType === 3 ? selection.anchorNode.parentElement : selection.anchorNode;
  (anchor && target.contains(anchor) ? anchor : target).dispatchEvent(paste);
  if (paste.defaultPrevented) return 'paste';
  // Nobody took the paste: a bare contenteditable. execCommand goes through the browser's
  // editing (undoable, with beforeinput/input); deprecated, but with no replacement for this.
  if (execInsert(doc, text)) return 'exec';
  const place = selection.getRangeAt(0);
  place.deleteContents();
  const node = doc.createTextNode(text);
  place.insertNode(node);
  place.setStartAfter(node);
  place.collapse(true);
  selection.removeAllRanges();
  selection.addRange(place);
  target.dispatchEvent(new view.InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
  return 'node';
}
