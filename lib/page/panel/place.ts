import type { Content, Draft } from '../../shared/schema';
import { siteName } from '../../shared/sites';
import { SITES } from '../sites';
import type { InsertionTarget } from '../sites/types';

/** One piece of text and the element it goes into. */
export interface Placement {
  target: InsertionTarget;
  text: string;
}

/**
 * Matches each insertion target the adapter found to the part of the (possibly edited) content
 * it takes. Targets whose part the content does not have are left out (e.g. a field the draft
 * does not update).
 */
export function placementsFor(draft: Draft, content: Content, targets: readonly InsertionTarget[]): Placement[] {
  const out: Placement[] = [];
  for (const target of targets) {
    const text = partText(draft.kind, content, target.part);
    if (text !== null) out.push({ target, text });
  }
  return out;
}

function partText(kind: Draft['kind'], content: Content, part: InsertionTarget['part']): string | null {
  if (typeof part === 'object') {
    if (!('fields' in content)) return null;
    return content.fields.find((f) => f.name === part.field)?.value ?? null;
  }
  if (part === 'subject') return 'subject' in content ? content.subject : null;
  if (part === 'body') return 'body' in content ? content.body : 'text' in content ? content.text : null;
  // 'text': a note's text, or an email body when the page has one text area for it.
  if ('text' in content) return content.text;
  if (kind === 'email' && 'body' in content) return content.body;
  return null;
}

/** Where a draft will go when its target is not on the page, in words. */
export function destination(draft: Draft): string {
  const t = draft.target;
  const site = t.site ? siteName(SITES, t.site) : '';
  if (draft.kind === 'email') {
    const to = ('to' in draft.content && draft.content.to) || t.email || t.name || draft.account.name;
    return `${site ? `${site} ` : ''}email to ${to}${t.threadId ? ' (reply in thread)' : ''}`;
  }
  const record = [t.recordType ?? 'record', t.recordId].filter(Boolean).join(' ');
  const who = t.name ?? t.company ?? draft.account.name;
  return `${site ? `${site} ` : ''}${record} of ${who}`;
}
