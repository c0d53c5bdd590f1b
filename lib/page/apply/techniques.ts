import { dispatchSynthetic } from './bridge';
import { editingHost, findNativeField, isTextField } from './detect';
import type { SelectionMemory } from './selection';

/**
 * Insertion techniques, one per kind of editor (docs/sites.md, "Putting text into editors").
 * None of them builds markup from the draft: Gmail enforces Trusted Types, and HTML built by a
 * content script would still run handlers in the page. Text goes in as text only.
 */
export type Technique =
  | 'prototype-setter'
  | 'lightning-setter'
  | 'exec-insert-text'
  | 'lightning-exec-insert-text'
  | 'text-nodes'
  | 'synthetic-paste'
  | 'beforeinput-replacement';

/** Where the text goes inside the editor. `caret` = the person's remembered caret (else the start). */
export type Placement = 'replace' | 'caret' | 'start' | 'end';

export interface TechniqueInput {
  el: Element;
  text: string;
  placement: Placement;
  memory?: SelectionMemory;
}

/** `true` when the editor accepted the event (it may still need a tick to render). */
export type TechniqueFn = (input: TechniqueInput) => Promise<boolean>;

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * Waits for the page to see a selection change: React (Draft.js) and Quill read the DOM selection
 * on `selectionchange`, which Chromium dispatches as a separate task after the change.
 */
function afterSelectionChange(doc: Document, ms = 50): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      doc.removeEventListener('selectionchange', onChange);
      // One more task so listeners registered before ours (the page's) have run.
      setTimeout(resolve, 0);
    };
    const onChange = () => done();
    const timer = setTimeout(done, ms);
    doc.addEventListener('selectionchange', onChange, { once: true });
  });
}

/** The native `value` setter, bypassing React's value tracker that a plain `.value =` trips. */
export function setNativeValue(field: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = field.localName === 'textarea' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  if (setter) setter.call(field, value);
  else field.value = value;
}

/** The field's new value for a placement (inputs keep their own selection offsets, even unfocused). */
function composeValue(field: HTMLInputElement | HTMLTextAreaElement, text: string, input: TechniqueInput): string {
  const old = field.value;
  switch (input.placement) {
    case 'replace':
      return text;
    case 'start':
      return text + old;
    case 'end':
      return old + text;
    case 'caret': {
      const saved = input.memory?.saved(field);
      if (saved?.kind !== 'text') return text + old;
      return old.slice(0, saved.start) + text + old.slice(saved.end);
    }
  }
}

/** React-controlled (or any) input/textarea: prototype setter, then `input` and `change`. */
export const reactInput: TechniqueFn = async (input) => {
  const field = input.el;
  if (!isTextField(field)) return false;
  setNativeValue(field, composeValue(field, input.text, input));
  field.dispatchEvent(new Event('input', { bubbles: true }));
  field.dispatchEvent(new Event('change', { bubbles: true }));
  return true;
};

/**
 * Lightning base components commit on `input` from the inner native field (bubbles + composed, so
 * it crosses the shadow boundary) and re-emit `change`; the blur runs their commit/validation.
 * Setting `host.value` only changes what is displayed.
 */
export const lightningInput: TechniqueFn = async (input) => {
  const field = findNativeField(input.el);
  if (!field) return false;
  field.focus({ preventScroll: true });
  setNativeValue(field, composeValue(field, input.text, input));
  field.dispatchEvent(
    new InputEvent('input', {
      bubbles: true,
      composed: true,
      inputType: 'insertReplacementText',
      data: input.text,
    }),
  );
  field.blur();
  return true;
};

/** Line breaks an `<input>` drops from any value (the setter's and the editing path's sanitizing alike). */
const fieldValue = (field: HTMLInputElement | HTMLTextAreaElement, v: string) =>
  field.localName === 'input' ? v.replace(/[\r\n]/g, '') : v.replace(/\r\n?/g, '\n');

/**
 * A text field through the browser's editing path: focus it, select where the text goes, then
 * `execCommand('insertText')`. Chromium and Firefox ≥ 89 insert as if typed: trusted `beforeinput`
 * and `input` events (React's onChange, Lightning's composed `input` listeners see them) and one
 * entry on the browser's undo stack, so Ctrl/Cmd+Z takes the text out in one step (the value setter
 * leaves nothing there). No `change` is dispatched: the browser fires it when the field loses focus,
 * as after typing (applyText gives focus back to the panel). Returns false, with the field as it
 * was, when the field refuses focus, the command is refused, or the value is not the expected one
 * afterwards (e.g. `maxlength`, a page that rewrites the value): the setter is tried next.
 */
function insertThroughEditing(field: HTMLInputElement | HTMLTextAreaElement, input: TechniqueInput): boolean {
  const old = field.value;
  const expected = fieldValue(field, composeValue(field, input.text, input));
  const saved = input.placement === 'caret' ? input.memory?.saved(field) : undefined;
  field.focus({ preventScroll: true });
  const root = field.getRootNode() as Document | ShadowRoot;
  if (root.activeElement !== field) return false;
  const len = old.length;
  try {
    if (input.placement === 'replace') field.setSelectionRange(0, len);
    else if (input.placement === 'end') field.setSelectionRange(len, len);
    else if (saved?.kind === 'text') field.setSelectionRange(Math.min(saved.start, len), Math.min(saved.end, len));
    else field.setSelectionRange(0, 0);
  } catch {
    return false; // e.g. type=email/number: no selection API, so no placement
  }
  let done = false;
  try {
    done = field.ownerDocument.execCommand('insertText', false, fieldValue(field, input.text));
  } catch {
    done = false;
  }
  if (field.value === expected) return true;
  if (field.value !== old) {
    // Took part of it (maxlength) or the page rewrote it: put the old value back for the setter.
    if (done) field.ownerDocument.execCommand('undo');
    if (field.value !== old) setNativeValue(field, old);
  }
  return false;
}

/** Input/textarea (React-controlled or not) through the browser's editing path, so undo works. */
export const editingInput: TechniqueFn = async (input) => {
  const field = input.el;
  if (!isTextField(field)) return false;
  return insertThroughEditing(field, input);
};

/**
 * Lightning's inner native field through the browser's editing path (its trusted `input` is
 * composed, so it crosses the shadow boundaries like the person's typing); then blurred so Lightning
 * runs its commit/validation. Falls back to `lightningInput` (the setter) when it does not take.
 */
export const lightningEditing: TechniqueFn = async (input) => {
  const field = findNativeField(input.el);
  if (!field) return false;
  if (!insertThroughEditing(field, input)) return false;
  field.blur();
  return true;
};

/** First/last text position inside `el`, so rich editors map the DOM point to a model position. */
function edgeRange(el: Element, atStart: boolean): Range {
  const doc = el.ownerDocument;
  const range = doc.createRange();
  const walker = doc.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node: Node | null = null;
  if (atStart) node = walker.nextNode();
  else for (let n = walker.nextNode(); n; n = walker.nextNode()) node = n;
  if (node) {
    const offset = atStart ? 0 : (node.textContent ?? '').length;
    range.setStart(node, offset);
    range.collapse(true);
  } else {
    range.selectNodeContents(el);
    range.collapse(atStart);
  }
  return range;
}

/**
 * Focuses a contenteditable and puts the selection where the text should go: the remembered caret,
 * the whole content (replace), or an edge. Returns false when the editor cannot take focus.
 */
export function placeCaret(el: Element, placement: Placement, memory?: SelectionMemory): boolean {
  const doc = el.ownerDocument;
  (el as HTMLElement).focus?.({ preventScroll: true });
  const sel = doc.getSelection();
  if (!sel) return false;
  if (placement === 'caret' && memory?.restore(el)) return true;
  let range: Range;
  if (placement === 'replace') {
    range = doc.createRange();
    range.selectNodeContents(el);
  } else {
    range = edgeRange(el, placement !== 'end');
  }
  sel.removeAllRanges();
  sel.addRange(range);
  return true;
}

/**
 * Plain contenteditable (Gmail, Outlook): `execCommand('insertText')` gives a trusted `input`
 * event that their autosave listens to, keeps undo, and is allowed under Trusted Types.
 */
export const execInsertText: TechniqueFn = async (input) => {
  const { el } = input;
  if (!placeCaret(el, input.placement, input.memory)) return false;
  const doc = el.ownerDocument;
  const sel = doc.getSelection();
  if (!sel?.anchorNode || editingHost(sel.anchorNode) !== editingHost(el)) return false;
  return doc.execCommand('insertText', false, input.text);
};

/**
 * Fallback for contenteditable when `execCommand` is refused: text nodes and `<br>` built with the
 * DOM (never markup), then an `input` event — Gmail saves drafts only after such an event.
 */
export const insertTextNodes: TechniqueFn = async (input) => {
  const { el, text } = input;
  if (!placeCaret(el, input.placement, input.memory)) return false;
  const doc = el.ownerDocument;
  const sel = doc.getSelection();
  if (!sel || sel.rangeCount === 0) return false;
  const range = sel.getRangeAt(0);
  if (!el.contains(range.startContainer)) return false;
  range.deleteContents();
  const frag = doc.createDocumentFragment();
  text.split('\n').forEach((line, i) => {
    if (i > 0) frag.appendChild(doc.createElement('br'));
    if (line) frag.appendChild(doc.createTextNode(line));
  });
  const last = frag.lastChild;
  range.insertNode(frag);
  if (last) {
    range.setStartAfter(last);
    range.collapse(true);
    sel.removeAllRanges();
    sel.addRange(range);
  }
  el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
  return true;
};

/**
 * Draft.js, Quill 2, ProseMirror, CKEditor 5: a synthetic `paste` carrying `text/plain`. Draft.js
 * keeps every line this way (a multi-line `insertText` leaves only the last line in its state).
 * Only text/plain: the draft is never turned into markup.
 */
export const syntheticPaste: TechniqueFn = async (input) => {
  const { el } = input;
  if (!placeCaret(el, input.placement, input.memory)) return false;
  // Let the editor read the new DOM selection into its model before the paste uses it.
  await afterSelectionChange(el.ownerDocument);
  // An editor that handled the paste cancels the browser default.
  return dispatchSynthetic(el, { type: 'paste', text: input.text });
};

/**
 * Slate and Lexical act on `beforeinput`; `insertReplacementText` with a `dataTransfer` is what a
 * spell-checker replacement looks like to them. Confirmed with a MutationObserver (they render async).
 */
export const beforeInputReplacement: TechniqueFn = async (input) => {
  const { el } = input;
  if (!placeCaret(el, input.placement, input.memory)) return false;
  await afterSelectionChange(el.ownerDocument);
  if (input.placement === 'caret') {
    // Slate re-applies its model's selection to the DOM in the React commit that follows the focus
    // event, i.e. after the caret was restored: when it had not yet read the person's last caret
    // (its selection read is throttled, 100 ms; a loaded machine, a quick move to the panel), that
    // overwrote the restored one and the text went where an earlier arrow key had left the caret.
    // Once that commit has run, the caret is restored again (until the DOM keeps it, at most 3 times);
    // the beforeinput's flush reads it.
    for (let i = 0; i < 3 && !caretHolds(el, input.memory); i++) {
      placeCaret(el, 'caret', input.memory);
      await afterSelectionChange(el.ownerDocument);
      await settle(el.ownerDocument);
    }
  }
  const changed = new Promise<boolean>((resolve) => {
    const mo = new MutationObserver(() => {
      mo.disconnect();
      clearTimeout(timer);
      resolve(true);
    });
    const timer = setTimeout(() => {
      mo.disconnect();
      resolve(false);
    }, 150);
    mo.observe(el, { childList: true, subtree: true, characterData: true });
  });
  const handled = dispatchSynthetic(el, { type: 'beforeinput', text: input.text, inputType: 'insertReplacementText' });
  const mutated = await changed;
  await tick();
  return handled && mutated;
};

/** The DOM selection is still the remembered caret of `el` (nothing to compare: true). */
function caretHolds(el: Element, memory?: SelectionMemory): boolean {
  const saved = memory?.saved(el);
  if (saved?.kind !== 'range') return true;
  const sel = el.ownerDocument.getSelection();
  if (!sel || sel.rangeCount === 0) return false;
  const now = sel.getRangeAt(0);
  return (
    now.compareBoundaryPoints(Range.START_TO_START, saved.range) === 0 &&
    now.compareBoundaryPoints(Range.END_TO_END, saved.range) === 0
  );
}

/** The editor's own queued work has run (Quill's MutationObserver updates, React's batches). */
export function settle(doc: Document): Promise<void> {
  const win = doc.defaultView;
  const frame = () =>
    new Promise<void>((r) => {
      // rAF does not run in background tabs: a task is the floor.
      const t = setTimeout(r, 50);
      win?.requestAnimationFrame(() => {
        clearTimeout(t);
        r();
      });
    });
  return frame()
    .then(frame)
    .then(() => tick());
}

/**
 * Quill 1 and 2. Quill 1's paste handler does not cancel a synthetic paste over a selection: it
 * queues a delete of the selection's length, which then hits the start of the pasted text (the
 * first characters of a replaced subject went missing). So a non-empty Quill is first emptied with
 * the browser's delete (Quill reads it from the DOM into its model, and its history merges both
 * changes into one undo step), then the text is pasted into the empty editor.
 */
export const quillPaste: TechniqueFn = async (input) => {
  const { el } = input;
  if (input.placement !== 'replace' || (el.textContent ?? '').trim() === '') return syntheticPaste(input);
  if (!placeCaret(el, 'replace')) return false;
  const doc = el.ownerDocument;
  await afterSelectionChange(doc);
  if (!doc.execCommand('delete')) return false;
  await settle(doc);
  const rest = { ...input, placement: 'start' as const };
  if (await syntheticPaste(rest)) return true;
  // Quill 1 does not take a synthetic paste (it reads the browser's default paste, which an
  // untrusted event does not do): after its queued work, the browser's insertText, which Quill
  // reads from the DOM like typing.
  await settle(doc);
  return execInsertText(rest);
};
