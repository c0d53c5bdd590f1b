/**
 * What kind of editor an element is. The insertion technique is chosen from this, never from the
 * site (docs/sites.md, "Putting text into editors"): the same Draft.js behaves the same on every page.
 */
export type EditorKind =
  | 'lightning'
  | 'input'
  | 'draftjs'
  | 'slate'
  | 'lexical'
  | 'quill'
  | 'prosemirror'
  | 'ckeditor5'
  | 'ckeditor4'
  | 'contenteditable';

/** Markers of rich-text editors, checked on the element and its ancestors (newest markers first). */
const EDITOR_MARKERS: ReadonlyArray<[EditorKind, string]> = [
  // Draft.js 0.10–0.11: the editable is `.public-DraftEditor-content` inside `.DraftEditor-root`.
  ['draftjs', '.DraftEditor-root, .public-DraftEditor-content, [data-contents="true"]'],
  // Slate ≥ 0.50 marks its editable root.
  ['slate', '[data-slate-editor="true"]'],
  // Lexical marks its root element.
  ['lexical', '[data-lexical-editor="true"]'],
  // Quill 1 and 2: the editable is `.ql-editor` inside `.ql-container`.
  ['quill', '.ql-editor'],
  ['prosemirror', '.ProseMirror'],
  ['ckeditor5', '.ck-editor__editable'],
  // CKEditor 4: the editable (the body of its editing iframe in the classic editor, or an inline
  // element) carries `cke_editable`.
  ['ckeditor4', '.cke_editable'],
];

/** Lightning base components that wrap a native field in a (native or synthetic) shadow root. */
const LIGHTNING_HOSTS = new Set([
  'lightning-input',
  'lightning-textarea',
  'lightning-input-field',
  'lightning-combobox',
  'lightning-input-rich-text',
]);

/** Returns the editable element to work on for `el` (the editor root for rich text editors). */
export function editorKind(el: Element): EditorKind | null {
  const name = el.localName;
  if (LIGHTNING_HOSTS.has(name)) {
    // Lightning rich text wraps Quill in a synthetic shadow: treat it as Quill when Quill is inside.
    if (name === 'lightning-input-rich-text' && el.querySelector('.ql-editor')) return 'quill';
    return 'lightning';
  }
  if (name === 'input' || name === 'textarea') return 'input';
  for (const [kind, selector] of EDITOR_MARKERS) {
    if (el.matches(selector) || el.closest(selector) || el.querySelector(selector)) return kind;
  }
  if (isEditableHost(el)) return 'contenteditable';
  return null;
}

/** The element that actually takes text for `el` and `kind` (e.g. the `.ql-editor` inside a wrapper). */
export function editableFor(el: Element, kind: EditorKind): Element {
  const inner = (selector: string) =>
    el.matches(selector) ? el : (el.querySelector(selector) ?? el.closest(selector) ?? el);
  switch (kind) {
    case 'draftjs':
      return inner('.public-DraftEditor-content, [contenteditable="true"]');
    case 'quill':
      return inner('.ql-editor');
    case 'slate':
      return inner('[data-slate-editor="true"]');
    case 'lexical':
      return inner('[data-lexical-editor="true"]');
    case 'prosemirror':
      return inner('.ProseMirror');
    case 'ckeditor5':
      return inner('.ck-editor__editable');
    case 'ckeditor4':
      return inner('.cke_editable');
    case 'contenteditable':
      return editingHost(el) ?? el;
    default:
      return el;
  }
}

/** `contenteditable` in the DOM sense, without relying on `isContentEditable` (absent in happy-dom). */
export function isEditableHost(el: Element): boolean {
  const v = el.getAttribute('contenteditable');
  return v !== null && v !== 'false';
}

/** The outermost contenteditable element containing `node` (the editing host), if any. */
export function editingHost(node: Node | null): Element | null {
  let host: Element | null = null;
  for (let n: Node | null = node; n; n = n.parentNode) {
    if (n.nodeType === 1) {
      const v = (n as Element).getAttribute('contenteditable');
      if (v === 'false') break;
      if (v !== null) host = n as Element;
    }
  }
  return host;
}

/** Text fields: `input` (text-like types) and `textarea`. */
export function isTextField(el: Element | null): el is HTMLInputElement | HTMLTextAreaElement {
  if (!el) return false;
  if (el.localName === 'textarea') return true;
  if (el.localName !== 'input') return false;
  const type = (el.getAttribute('type') ?? 'text').toLowerCase();
  return ['text', 'email', 'search', 'tel', 'url', 'number', ''].includes(type);
}

/**
 * Open (or, in a content script, closed) shadow root of `el`. `chrome.dom.openOrClosedShadowRoot`
 * exists only in extension content scripts on Chromium; Lightning's native shadow roots are open.
 */
export function shadowOf(el: Element): ShadowRoot | null {
  if (el.shadowRoot) return el.shadowRoot;
  const dom = (globalThis as { chrome?: { dom?: { openOrClosedShadowRoot?: (e: Element) => ShadowRoot | null } } })
    .chrome?.dom;
  try {
    return dom?.openOrClosedShadowRoot?.(el) ?? null;
  } catch {
    return null;
  }
}

/**
 * The native `input`/`textarea` inside a Lightning component: Lightning nests components
 * (lightning-input > lightning-primitive-input-simple > input), each possibly with its own shadow root.
 */
export function findNativeField(host: Element, maxDepth = 6): HTMLInputElement | HTMLTextAreaElement | null {
  const queue: Array<{ root: Element | ShadowRoot; depth: number }> = [{ root: host, depth: 0 }];
  while (queue.length) {
    const { root, depth } = queue.shift()!;
    const direct = root.querySelector('input:not([type="hidden"]), textarea');
    if (isTextField(direct)) return direct;
    if (depth >= maxDepth) continue;
    if (root instanceof Element || root.nodeType === 1) {
      const sr = shadowOf(root as Element);
      if (sr) queue.push({ root: sr, depth: depth + 1 });
    }
    for (const child of root.querySelectorAll('*')) {
      const sr = shadowOf(child);
      if (sr) queue.push({ root: sr, depth: depth + 1 });
    }
  }
  return null;
}

/** The document of a same-origin `iframe`/`frame` element, else null (cross-origin, not a frame). */
export function frameDocument(el: Element | null): Document | null {
  if (!el || (el.localName !== 'iframe' && el.localName !== 'frame')) return null;
  try {
    return (el as HTMLIFrameElement).contentDocument;
  } catch {
    return null;
  }
}

/**
 * Focus that may sit inside shadow roots (our panel lives in one) or inside a same-origin iframe
 * (CKEditor 4 and TinyMCE edit in one: the document's active element is then the iframe): the
 * innermost active element.
 */
export function deepActiveElement(doc: Document): Element | null {
  let active: Element | null = doc.activeElement;
  for (;;) {
    if (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    else {
      const inner = frameDocument(active)?.activeElement;
      if (!inner) return active;
      active = inner;
    }
  }
}

/**
 * The outermost document reachable from `doc` through same-origin frames: where the page's (and the
 * panel's) focus is when `doc` is an editor's iframe. `frameElement` is null across origins.
 */
export function outerDocument(doc: Document): Document {
  let d = doc;
  for (;;) {
    let owner: Element | null = null;
    try {
      owner = d.defaultView?.frameElement ?? null;
    } catch {
      owner = null;
    }
    if (!owner) return d;
    d = owner.ownerDocument;
  }
}
