import type { Draft } from '../../shared/schema';
import { draftEmails } from './dom';
import type { PageContext } from './types';

/**
 * How strongly a draft belongs to what is on screen, for ordering the panel ("the drafts for the
 * record in front of you first"): 3 same record/thread, 2 same addressee, 1 same company, 0 none.
 * Site-neutral: it only compares the draft's target with the adapter's context.
 */
export function contextScore(draft: Draft, ctx: PageContext): number {
  const t = draft.target;
  if (t.site && t.site !== ctx.site) return 0;
  if (t.recordId && ctx.recordId && t.recordId.slice(0, 15) === ctx.recordId.slice(0, 15)) return 3;
  if (t.threadId && ctx.threadId && t.threadId === ctx.threadId) return 3;
  const emails = draftEmails(draft);
  if (emails.some((e) => ctx.emails.includes(e))) return 2;
  const company = (t.company ?? draft.account.name)?.toLowerCase();
  if (company && ctx.company && company === ctx.company.toLowerCase()) return 1;
  return 0;
}
