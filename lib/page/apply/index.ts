/**
 * In-place insertion (issue 4, part 3). For the panel/content script:
 *   const memory = trackSelection(document, ctx.signal);       // once, at start: keeps the caret
 *   const res = await applyDraft(document, adapter, draft, { memory });
 *   if (!res.onPage) → say where the draft goes, offer Copy; else res.ok / res.parts[i].result.error
 * `applyDraft` looks the targets up again itself and never writes into another person's compose
 * window or another record. No markup is ever built from draft text (Trusted Types on Gmail).
 */
import type { Draft } from '../../shared/schema';
import { vouchReplayed } from '../panel/trust';
import type { InsertionTarget, SiteAdapter } from '../sites/types';
import {
  deepActiveElement,
  type EditorKind,
  editableFor,
  editorKind,
  findNativeField,
  isTextField,
  outerDocument,
} from './detect';
import { restoreSnapshot, type SavedSelection, type SelectionMemory, snapshot } from './selection';
import {
  beforeInputReplacement,
  editingInput,
  execInsertText,
  insertTextNodes,
  lightningEditing,
  lightningInput,
  type Placement,
  quillPaste,
  reactInput,
  syntheticPaste,
  type Technique,
  type TechniqueFn,
} from './techniques';

export { BRIDGE_ATTR, BRIDGE_EVENT, installMainWorldBridge } from './bridge';
export { type EditorKind, editorKind } from './detect';
export { type SavedSelection, type SelectionMemory, trackSelection } from './selection';
export type { Placement, Technique } from './techniques';
export { type UndoResult, type UndoTechnique, undoInsertion } from './undo';

/** Techniques tried in order for each kind of editor; the first one that verifiably lands wins. */
const CHAINS: Record<EditorKind, ReadonlyArray<[Technique, TechniqueFn]>> = {
  // The browser's editing path first: it leaves one step on the browser's undo stack (Ctrl/Cmd+Z,
  // the panel's Undo), which the value setter does not; the setter when the field will not take it.
  input: [
    ['exec-insert-text', editingInput],
    ['prototype-setter', reactInput],
  ],
  lightning: [
    ['lightning-exec-insert-text', lightningEditing],
    ['lightning-setter', lightningInput],
  ],
  draftjs: [
    ['synthetic-paste', syntheticPaste],
    ['exec-insert-text', execInsertText],
  ],
  quill: [
    ['synthetic-paste', quillPaste],
    ['exec-insert-text', execInsertText],
  ],
  prosemirror: [
    ['synthetic-paste', syntheticPaste],
    ['exec-insert-text', execInsertText],
  ],
  ckeditor5: [
    ['synthetic-paste', syntheticPaste],
    ['exec-insert-text', execInsertText],
  ],
  // CKEditor 4 keeps its undo as snapshots it takes around its own commands and typing: text that
  // went in with the browser's insertText is not one of them (Ctrl+Z there undid nothing). Its
  // clipboard plugin takes a paste's text/plain and inserts it as one undo step.
  ckeditor4: [
    ['synthetic-paste', syntheticPaste],
    ['exec-insert-text', execInsertText],
  ],
  slate: [
    ['beforeinput-replacement', beforeInputReplacement],
    ['synthetic-paste', syntheticPaste],
  ],
  lexical: [
    ['beforeinput-replacement', beforeInputReplacement],
    ['synthetic-paste', syntheticPaste],
  ],
  contenteditable: [
    ['exec-insert-text', execInsertText],
    ['text-nodes', insertTextNodes],
  ],
};

export interface ApplyTextOptions {
  /** Where the text goes; `auto` = replace an empty editor, else the remembered caret, else the start. */
  placement?: Placement | 'auto';
  memory?: SelectionMemory;
  /** Give focus (and the selection) back to where the person was, e.g. the panel. Default true. */
  restoreFocus?: boolean;
}

export interface ApplyResult {
  ok: boolean;
  kind: EditorKind | null;
  technique: Technique | null;
  error?: string;
}

/**
 * Whitespace-insensitive text: editors render line breaks as `<div>`, `<p>` or `<br>`, which
 * `innerText` reports differently (and DOMs without layout not at all).
 */
const norm = (s: string) => s.replace(/\s+/g, '');

/** What the person sees in the editor (inputs: their value; Lightning: the inner field's). */
export function editorText(el: Element, kind: EditorKind | null = editorKind(el)): string {
  if (kind === 'lightning') return findNativeField(el)?.value ?? '';
  if (isTextField(el)) return el.value;
  const html = el as HTMLElement;
  let text = typeof html.innerText === 'string' ? html.innerText : (el.textContent ?? '');
  // Slate renders its placeholder inside the editable (a contenteditable=false span, shown only
  // while the editor is empty): it is not the person's text, and would make an empty editor read as
  // "Write an email…" (an undo back to empty then looked like "undid something else").
  for (const ph of el.querySelectorAll('[data-slate-placeholder]')) {
    const shown = (ph as HTMLElement).innerText ?? ph.textContent ?? '';
    if (shown) text = text.replace(shown, '');
  }
  return text;
}

function landed(el: Element, kind: EditorKind, text: string, placement: Placement): boolean {
  const now = editorText(el, kind);
  if (placement === 'replace') return norm(now) === norm(text);
  return norm(now).includes(norm(text));
}

function resolvePlacement(
  el: Element,
  kind: EditorKind,
  requested: ApplyTextOptions['placement'],
  memory?: SelectionMemory,
) {
  if (requested && requested !== 'auto') return requested;
  if (norm(editorText(el, kind)) === '') return 'replace';
  return memory?.saved(el) ? 'caret' : 'start';
}

/**
 * Puts `text` into one editor so that the page's framework registers it (React state, Draft.js
 * EditorState, Quill's model, Lightning's value, Gmail's autosave). The technique is chosen by what
 * the element is; each is verified by reading the editor back, and the next one is tried only when
 * the previous one changed nothing (so text is never inserted twice).
 */
export async function applyText(target: Element, text: string, options: ApplyTextOptions = {}): Promise<ApplyResult> {
  const kind = editorKind(target);
  if (!kind) return { ok: false, kind: null, technique: null, error: 'not an editor' };
  const el = editableFor(target, kind);
  const { memory } = options;
  const placement = resolvePlacement(el, kind, options.placement, memory);

  // Remember where the person is (the panel, or another field with its own selection) to put it back.
  // For an editor in an iframe (CKEditor 4, TinyMCE) that is in the outer document, the panel's.
  const doc = el.ownerDocument;
  const focusDoc = outerDocument(doc);
  const before = deepActiveElement(focusDoc);
  const beforeSel: SavedSelection | undefined = before && before !== el ? snapshot(before) : undefined;

  const restore = options.restoreFocus !== false && !!before && before !== el;
  const release = restore ? holdKeystrokes(el) : undefined;
  let result: ApplyResult = { ok: false, kind, technique: null, error: 'no technique applied' };
  const startText = norm(editorText(el, kind));
  try {
    for (const [name, fn] of CHAINS[kind]) {
      let accepted = false;
      try {
        accepted = await fn({ el, text, placement, memory });
      } catch (e) {
        result = { ok: false, kind, technique: name, error: String(e) };
      }
      // Editors render on the next task at worst (React batches; Slate/Lexical are async).
      await new Promise<void>((r) => setTimeout(r, 0));
      if (landed(el, kind, text, placement)) {
        result = { ok: true, kind, technique: name };
        break;
      }
      if (norm(editorText(el, kind)) !== startText) {
        // Something changed but not to the expected text: stop rather than insert a second copy.
        result = { ok: false, kind, technique: name, error: 'editor changed but did not take the full text' };
        break;
      }
      if (!accepted && !result.error) result = { ok: false, kind, technique: name, error: 'refused' };
    }
  } finally {
    memory?.forget(el);
    const back = restore && before.isConnected;
    if (back) {
      (before as HTMLElement).focus?.({ preventScroll: true });
      if (beforeSel) restoreSnapshot(before, beforeSel);
    }
    release?.(back ? deepActiveElement(focusDoc) : null);
  }
  return result;
}

const KEY_EVENTS = ['keydown', 'keypress', 'keyup'] as const;

/**
 * While text goes in, focus sits in the page's editor only because the insertion put it there. Keys
 * the person types in that moment (a fast reviewer's next `a`) are meant for where they were, the
 * panel, not for the page's compose. Until the returned function is called, the person's own
 * (trusted) key events aimed at the editor are stopped; the function hands the keydowns to `to`,
 * where focus went back, in order (or drops them when focus could not go back).
 */
function holdKeystrokes(el: Element): (to: Element | null) => void {
  const doc = el.ownerDocument;
  const win = doc.defaultView;
  if (!win) return () => {};
  const held: KeyboardEvent[] = [];
  const hold = (e: Event) => {
    if (!e.isTrusted) return;
    // Aimed at the editor or anything inside it, shadow roots included (Lightning's native input
    // is two shadow roots below the element the text goes into; `contains` stops at each root),
    // or at no element: a technique that blurs the field to commit it (Lightning) leaves focus on
    // the body until it goes back. A key aimed at another element the person chose passes.
    const path = e.composedPath();
    const t = path[0];
    if (!path.includes(el) && t !== doc.body && t !== doc.documentElement && t !== doc) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (e.type === 'keydown') held.push(e as KeyboardEvent);
  };
  for (const type of KEY_EVENTS) win.addEventListener(type, hold, true);
  return (to) => {
    for (const type of KEY_EVENTS) win.removeEventListener(type, hold, true);
    if (!to) return;
    for (const k of held) {
      const { key, code, location, repeat, ctrlKey, shiftKey, altKey, metaKey } = k;
      const init = { key, code, location, repeat, ctrlKey, shiftKey, altKey, metaKey };
      // Untrusted by the browser; the panel accepts it because this code vouches for it (trust.ts).
      to.dispatchEvent(
        vouchReplayed(new KeyboardEvent('keydown', { ...init, bubbles: true, cancelable: true, composed: true })),
      );
    }
  };
}

/** The text of `draft` that belongs in `part` (undefined when the draft has no such part). */
export function textForPart(draft: Draft, part: InsertionTarget['part']): string | undefined {
  if (typeof part === 'object') {
    if (draft.kind !== 'crm_update') return undefined;
    return draft.content.fields.find((f) => f.name === part.field)?.value;
  }
  if (draft.kind === 'email')
    return part === 'subject' ? draft.content.subject : part === 'body' ? draft.content.body : undefined;
  if (draft.kind === 'note') return part === 'text' || part === 'body' ? draft.content.text : undefined;
  return undefined;
}

export interface PartResult {
  part: InsertionTarget['part'];
  describe: string;
  result: ApplyResult;
}

export interface ApplyDraftResult {
  /** False when the draft's target is not on the page: the panel then says where it goes and offers Copy. */
  onPage: boolean;
  /** Every part landed. */
  ok: boolean;
  parts: PartResult[];
}

/**
 * Applies an approved draft in place. The targets are looked up again right now (not taken from an
 * earlier render), so a compose window or record that changed since the card was shown is never
 * written into: the adapter only returns editors that belong to this draft's recipient/record.
 */
export async function applyDraft(
  doc: Document,
  adapter: SiteAdapter,
  draft: Draft,
  options: Omit<ApplyTextOptions, 'placement'> = {},
): Promise<ApplyDraftResult> {
  const targets = adapter.findTargets(doc, draft);
  if (!targets || targets.length === 0) return { onPage: false, ok: false, parts: [] };
  const parts: PartResult[] = [];
  for (const t of targets) {
    const text = textForPart(draft, t.part);
    if (text === undefined) continue;
    if (!t.element.isConnected) {
      parts.push({
        part: t.part,
        describe: t.describe,
        result: { ok: false, kind: null, technique: null, error: 'gone' },
      });
      continue;
    }
    // Subjects and CRM fields are replaced; a body goes at the person's caret (keeps a signature/quote).
    const placement = t.part === 'body' || t.part === 'text' ? 'auto' : 'replace';
    const result = await applyText(t.element, text, { ...options, placement });
    parts.push({ part: t.part, describe: t.describe, result });
  }
  return { onPage: true, ok: parts.length > 0 && parts.every((p) => p.result.ok), parts };
}
