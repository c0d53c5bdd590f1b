import { deepActiveElement, editingHost, frameDocument, isTextField } from './detect';

/** A remembered caret/selection in one editable element. */
export type SavedSelection =
  | { kind: 'text'; start: number; end: number; direction: 'forward' | 'backward' | 'none' }
  | { kind: 'range'; range: Range };

/**
 * Remembers the person's last selection in each editable element on the page. Clicking the panel
 * moves focus out of the editor; without this the caret position is lost before Approve runs
 * (docs/sites.md: "remember the editor's last selection (selectionchange/focusin) and restore it").
 */
export interface SelectionMemory {
  /** The last editable element that had focus outside the panel (null if none, or it left the page). */
  lastEditable(): Element | null;
  /** The saved selection of `el` (an input/textarea, or a contenteditable editing host). */
  saved(el: Element): SavedSelection | undefined;
  /** Puts back the saved selection of `el`; returns false when there is none or it no longer fits. */
  restore(el: Element): boolean;
  /** Forget what was saved for `el` (after we wrote into it, the old range is meaningless). */
  forget(el: Element): void;
}

/** Snapshot the current selection of an input or editing host. */
export function snapshot(el: Element): SavedSelection | undefined {
  if (isTextField(el)) {
    const start = el.selectionStart;
    const end = el.selectionEnd;
    if (start === null || end === null) return undefined;
    return { kind: 'text', start, end, direction: el.selectionDirection ?? 'none' };
  }
  const sel = el.ownerDocument.getSelection();
  if (!sel || sel.rangeCount === 0) return undefined;
  const range = sel.getRangeAt(0);
  if (!el.contains(range.startContainer) || !el.contains(range.endContainer)) return undefined;
  return { kind: 'range', range: range.cloneRange() };
}

/** Put a snapshot back. Returns false when the nodes it points at are gone. */
export function restoreSnapshot(el: Element, saved: SavedSelection): boolean {
  if (saved.kind === 'text') {
    if (!isTextField(el)) return false;
    const len = el.value.length;
    try {
      el.setSelectionRange(Math.min(saved.start, len), Math.min(saved.end, len), saved.direction);
    } catch {
      return false; // e.g. type=email does not support selection ranges
    }
    return true;
  }
  const { range } = saved;
  if (!el.contains(range.startContainer) || !el.contains(range.endContainer)) return false;
  const sel = el.ownerDocument.getSelection();
  if (!sel) return false;
  sel.removeAllRanges();
  sel.addRange(range);
  return true;
}

/** The editable element a selection/focus event is about, or null when it is not an editor. */
function editableOf(node: Node | null): Element | null {
  if (!node) return null;
  const el = node.nodeType === 1 ? (node as Element) : node.parentElement;
  if (isTextField(el)) return el;
  return editingHost(node);
}

/**
 * Starts remembering selections in `doc` until `signal` aborts. Listens to `focusout` (the moment
 * the person clicks the panel: the selection is still the editor's) and `selectionchange` (keeps a
 * contenteditable's range fresh while they type or click inside it). Editors inside same-origin
 * iframes (CKEditor 4, TinyMCE) have their own document, focus and selection: each such document is
 * tracked too from the moment focus goes into its iframe (the outer window then loses focus).
 */
export function trackSelection(doc: Document, signal: AbortSignal): SelectionMemory {
  const saved = new WeakMap<Element, SavedSelection>();
  // A WeakRef so a closed compose window can be collected.
  let last: WeakRef<Element> | null = null;
  const listeners = new WeakMap<Document, () => void>();

  const remember = (el: Element | null) => {
    if (!el) return;
    const snap = snapshot(el);
    if (snap) saved.set(el, snap);
    last = new WeakRef(el);
  };

  /**
   * Listens in `d`. Added again each time focus goes into a frame: `document.open()` (CKEditor 4
   * rewrites its iframe's document that way on `setData`) drops a document's listeners, and adding
   * the same listener twice is a no-op.
   */
  const track = (d: Document) => {
    const known = listeners.get(d);
    if (known) return known();
    const onFocusOut = (e: Event) => {
      remember(editableOf(e.target as Node | null));
      // Focus may be going into an iframe editor: its document is tracked from then on.
      setTimeout(intoFrame, 0);
    };
    const onFocusIn = (e: Event) => {
      const el = editableOf(e.target as Node | null);
      if (el) last = new WeakRef(el);
    };
    const onSelectionChange = () => {
      const active = deepActiveElement(d);
      if (isTextField(active)) {
        remember(active);
        return;
      }
      const sel = d.getSelection();
      if (!sel || sel.rangeCount === 0) return;
      const host = editingHost(sel.anchorNode);
      // Only while the editor has focus: a click in the panel must not overwrite the editor's range.
      if (host && active && (host === active || host.contains(active))) remember(host);
    };
    const onBlur = () => setTimeout(intoFrame, 0);
    const add = () => {
      const opts = { capture: true, signal };
      d.addEventListener('focusout', onFocusOut, opts);
      d.addEventListener('focusin', onFocusIn, opts);
      d.addEventListener('selectionchange', onSelectionChange, { signal });
      d.defaultView?.addEventListener('blur', onBlur, { signal });
    };
    listeners.set(d, add);
    add();
  };

  /** Tracks the documents of the same-origin iframes focus sits in now (nested ones included). */
  function intoFrame() {
    if (signal.aborted) return;
    let active: Element | null = doc.activeElement;
    for (;;) {
      while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
      const inner = frameDocument(active);
      if (!inner) return;
      track(inner);
      const el = editableOf(inner.activeElement);
      if (el) last = new WeakRef(el);
      active = inner.activeElement;
    }
  }

  track(doc);
  intoFrame();

  return {
    lastEditable() {
      const el = last?.deref() ?? null;
      return el?.isConnected ? el : null;
    },
    saved: (el) => saved.get(el),
    restore(el) {
      const s = saved.get(el);
      return s ? restoreSnapshot(el, s) : false;
    },
    forget(el) {
      saved.delete(el);
    },
  };
}
