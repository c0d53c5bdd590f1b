import { applyText, editorKind, type SelectionMemory } from '../apply';
import type { RevertResult } from '../panel/types';
import { type FollowedPart, heldText } from './read';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * The panel's Undo for text put into the page: each part goes back to what it held before, only
 * where nobody changed it since, through the same kind-aware insertion path (lib/page/apply), and
 * is verified by reading the editor back after the editor's own queued work. A part that could not
 * be taken out is named in the answer, which the panel shows.
 */
export async function revertParts(parts: readonly FollowedPart[], memory?: SelectionMemory): Promise<RevertResult> {
  const failed: string[] = [];
  for (const p of parts) {
    const el = p.element;
    const name = typeof p.part === 'object' ? p.part.field : p.part;
    if (!el.isConnected) continue; // the compose closed: nothing left to take out
    if (norm(heldText(el)) !== norm(p.inserted)) {
      failed.push(`${name} (changed since)`);
      continue;
    }
    const kind = editorKind(el);
    const isField = kind === 'input' || kind === 'lightning';
    if (!isField && norm(p.before) !== '') {
      // A body with a signature or quote: the approved text sits between; left for the person.
      failed.push(`${name} (has other text around it)`);
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
