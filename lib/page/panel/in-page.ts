import type { Content, Draft } from '../../shared/schema';
import { applyDraft, applyText, editorText, type SelectionMemory } from '../apply';
import type { SiteAdapter } from '../sites/types';
import { destination } from './place';
import type { ApplyOutcome } from './types';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The panel's `onApply` for a real page: puts approved (possibly edited) content where the adapter
 * says it belongs, through lib/apply, so the page's framework registers it. When the target is not
 * on the page it says where the draft will go (the panel then offers Copy).
 * Undo takes the text back out only where that is exact: a field we replaced (its old value goes
 * back) or an editor that was empty — and only if nobody has changed it since.
 */
export function pageApplier(doc: Document, adapter: SiteAdapter, memory?: SelectionMemory) {
  return async (draft: Draft, content: Content): Promise<ApplyOutcome> => {
    const final = { ...draft, content } as Draft;
    const targets = adapter.findTargets(doc, final);
    if (!targets || targets.length === 0) return { placed: false, where: destination(final) };
    const before = targets.map((t) => ({ el: t.element, text: editorText(t.element) }));
    const res = await applyDraft(doc, adapter, final, { memory });
    if (!res.onPage) return { placed: false, where: destination(final) };
    const where = targets[0]!.describe;
    if (!res.ok) {
      const failed = res.parts.filter((p) => !p.result.ok);
      const what = failed.map((p) => (typeof p.part === 'object' ? p.part.field : p.part)).join(', ');
      return {
        placed: false,
        where: `${where} (could not insert ${what || 'the text'}: ${failed[0]?.result.error ?? 'no editor'})`,
      };
    }
    const after = before.map((b) => ({ ...b, inserted: editorText(b.el) }));
    return {
      placed: true,
      where,
      revert: () => {
        for (const a of after) {
          if (!a.el.isConnected || norm(editorText(a.el)) !== norm(a.inserted)) continue;
          const isField = a.el instanceof HTMLInputElement || a.el instanceof HTMLTextAreaElement;
          if (!isField && norm(a.text) !== '') continue; // a body with a signature/quote: left for the person
          void applyText(a.el, a.text, { placement: 'replace', memory });
        }
        return undefined;
      },
    };
  };
}

/** Copies text from a click in the panel; falls back to a hidden field when the Clipboard API refuses. */
export async function copyToClipboard(text: string, container: Node = document.body): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Some pages' permission policy blocks the async clipboard; execCommand still works in a click.
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  container.appendChild(ta);
  ta.select();
  document.execCommand('copy');
  ta.remove();
}
