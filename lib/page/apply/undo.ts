/**
 * Taking an insertion out again through the editor's own undo (issue 18, item 3), so that the
 * editor's model, not only its DOM, goes back: an empty replacement crashed Draft.js's React tree
 * (the browser's delete over several blocks removes nodes behind React) and did nothing on Slate and
 * CKEditor 5. What Ctrl/Cmd+Z does, tried in the order editors listen for it:
 *   1. `beforeinput` with inputType `historyUndo` (ProseMirror, Quill 2, Lexical, Slate, Squire);
 *   2. the Ctrl/Cmd+Z keydown (Draft.js, Quill 1, CKEditor 4 and 5, TinyMCE: their key bindings);
 *   3. `document.execCommand('undo')` (textareas, inputs, Lightning's inner field and plain
 *      contenteditable: the browser's own undo stack, which `insertText` filled).
 * Each step is verified by reading the editor back after its queued work; the next step runs only
 * when the previous one changed nothing (so two undos never run).
 */
import { deepActiveElement, type EditorKind, editableFor, editorKind, findNativeField, outerDocument } from './detect';
import { editorText } from './index';
import { restoreSnapshot, type SavedSelection, snapshot } from './selection';
import { settle } from './techniques';

export type UndoTechnique = 'beforeinput-history-undo' | 'undo-key' | 'exec-undo';

export interface UndoResult {
  ok: boolean;
  kind: EditorKind | null;
  technique: UndoTechnique | null;
  error?: string;
}

const norm = (s: string) => s.replace(/\s+/g, '');

const isMac = (doc: Document) => /Mac|iPhone|iPad/.test(doc.defaultView?.navigator.platform ?? '');

function undoKey(el: Element): boolean {
  const mac = isMac(el.ownerDocument);
  // keyCode/which for the editors that still read them (Draft.js, Quill 1).
  const init = {
    key: 'z',
    code: 'KeyZ',
    keyCode: 90,
    which: 90,
    ctrlKey: !mac,
    metaKey: mac,
    bubbles: true,
    cancelable: true,
    composed: true,
  } as KeyboardEventInit;
  const down = new KeyboardEvent('keydown', init);
  el.dispatchEvent(down);
  el.dispatchEvent(new KeyboardEvent('keyup', init));
  return down.defaultPrevented;
}

const STEPS: ReadonlyArray<[UndoTechnique, (el: Element) => boolean]> = [
  [
    'beforeinput-history-undo',
    (el) => {
      const ev = new InputEvent('beforeinput', {
        inputType: 'historyUndo',
        bubbles: true,
        cancelable: true,
        composed: true,
      });
      el.dispatchEvent(ev);
      return ev.defaultPrevented;
    },
  ],
  ['undo-key', undoKey],
  ['exec-undo', (el) => el.ownerDocument.execCommand('undo')],
];

/**
 * Undoes the last insertion into `target`, which should leave it holding `before` (what it held
 * before the insertion). Focus goes back to where the person was (the panel), also when the editor
 * sits in an iframe (its document's active element is then the iframe's content).
 */
export async function undoInsertion(
  target: Element,
  before: string,
  options: { restoreFocus?: boolean } = {},
): Promise<UndoResult> {
  const kind = editorKind(target);
  if (!kind) return { ok: false, kind: null, technique: null, error: 'not an editor' };
  const el = editableFor(target, kind);
  // Lightning: the native field inside its shadow roots is what has the browser's undo entry.
  const focusEl = kind === 'lightning' ? (findNativeField(el) ?? el) : el;
  const doc = el.ownerDocument;
  if (norm(editorText(el, kind)) === norm(before)) return { ok: true, kind, technique: null };

  // Where the person is: for an editor in an iframe, in the outer document (the panel's).
  const previous = deepActiveElement(outerDocument(doc));
  const previousSel: SavedSelection | undefined = previous && previous !== focusEl ? snapshot(previous) : undefined;
  const start = norm(editorText(el, kind));
  let result: UndoResult = { ok: false, kind, technique: null, error: 'the editor did not undo' };
  try {
    (focusEl as HTMLElement).focus?.({ preventScroll: true });
    await settle(doc);
    for (const [name, step] of STEPS) {
      let handled = false;
      try {
        handled = step(focusEl);
      } catch (e) {
        result = { ok: false, kind, technique: name, error: String(e) };
      }
      await settle(doc);
      const now = norm(editorText(el, kind));
      if (now === norm(before)) {
        result = { ok: true, kind, technique: name };
        break;
      }
      if (now !== start) {
        result = { ok: false, kind, technique: name, error: 'the editor undid something else' };
        break;
      }
      if (handled) result = { ok: false, kind, technique: name, error: 'the editor undid nothing' };
    }
  } finally {
    if (options.restoreFocus !== false && previous && previous !== focusEl && previous.isConnected) {
      (previous as HTMLElement).focus?.({ preventScroll: true });
      if (previousSel) restoreSnapshot(previous, previousSel);
    }
  }
  return result;
}
