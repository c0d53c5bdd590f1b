import { applyText, editorKind, type SelectionMemory, undoInsertion } from '../apply';
import type { RevertResult } from '../panel/types';
import { type FollowedPart, heldText } from './read';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * The panel's Undo for text put into the page: each part goes back to what it held before, only
 * where nobody changed it since. First through the editor's own undo (lib/page/apply/undo.ts: what
 * Ctrl/Cmd+Z does there, so Draft.js, Slate, Lexical, Quill and ProseMirror change their models, and a
 * signature or quote around the text stays); then, for fields and plain contenteditable only, by
 * putting the old text back through the insertion path (a value setter leaves nothing to undo). An
 * empty replacement is never sent to a rich editor: it crashed Draft.js and did nothing in Slate.
 * Parts go in reverse order (the browser's undo stack is the document's). Every result is verified
 * by reading the editor back after its queued work; a part that could not be taken out is named in
 * the answer, which the panel shows.
 */
export async function revertParts(parts: readonly FollowedPart[], memory?: SelectionMemory): Promise<RevertResult> {
  const failed: string[] = [];
  for (const p of [...parts].reverse()) {
    const el = p.element;
    const name = typeof p.part === 'object' ? p.part.field : p.part;
    if (!el.isConnected) continue; // the compose closed: nothing left to take out
    if (norm(heldText(el)) !== norm(p.inserted)) {
      failed.push(`${name} (changed since)`);
      continue;
    }
    const undone = await undoInsertion(el, p.before);
    await tick();
    if (undone.ok && norm(heldText(el)) === norm(p.before)) continue;
    if (norm(heldText(el)) !== norm(p.inserted)) {
      // The editor's undo changed something, but not back to what was there: say so, touch nothing more.
      failed.push(name);
      continue;
    }
    const kind = editorKind(el);
    const plain = kind === 'input' || kind === 'lightning' || (kind === 'contenteditable' && norm(p.before) === '');
    if (!plain) {
      failed.push(norm(p.before) === '' ? name : `${name} (has other text around it)`);
      continue;
    }
    const res = await applyText(el, p.before, { placement: 'replace', memory });
    await tick();
    if (!res.ok || norm(heldText(el)) !== norm(p.before)) failed.push(name);
  }
  if (failed.length === 0) return { ok: true };
  return {
    ok: false,
    message: `The text could not be taken out of the page (${failed.join(', ')}): remove it there by hand.`,
  };
}
