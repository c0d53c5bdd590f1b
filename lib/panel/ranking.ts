import type { Draft } from '../schema';
import type { PageContext } from '../sites/types';

/** How strongly a draft belongs to what is on the page; 0 = not at all. */
export function contextScore(draft: Draft, ctx: PageContext | null): number {
  if (!ctx) return 0;
  const t = draft.target;
  // A draft for another site's record cannot be for this page, whatever its ids say.
  if (t.site && t.site !== 'other' && t.site !== ctx.site) return 0;
  let score = 0;
  if (t.recordId && ctx.recordId && t.recordId === ctx.recordId) score += 100;
  if (t.threadId && ctx.threadId && t.threadId === ctx.threadId) score += 100;
  const email = t.email?.toLowerCase();
  if (email && ctx.emails.includes(email)) score += 50;
  if (t.name && ctx.names.some((n) => sameText(n, t.name!))) score += 10;
  const company = t.company ?? draft.account.name;
  if (company && ctx.company && sameText(company, ctx.company)) score += 5;
  return score;
}

// Only record, thread or prospect address matches put a draft "on this page"; a shared company or
// name alone is a hint for ordering, not proof the draft is for the record in front of you.
const ON_PAGE_SCORE = 50;

export interface RankedDraft {
  draft: Draft;
  /** The draft is for the record, thread or prospect in front of the person. */
  forContext: boolean;
  score: number;
}

/**
 * Puts the drafts for the page context first (best match first), then the rest of the queue
 * in the order the worker gave them (the server's priority order). Stable for equal scores.
 */
export function rankDrafts(drafts: readonly Draft[], ctx: PageContext | null): RankedDraft[] {
  const ranked = drafts.map((draft, i) => ({ draft, i, score: contextScore(draft, ctx) }));
  ranked.sort((a, b) => {
    const aOn = a.score >= ON_PAGE_SCORE ? 1 : 0;
    const bOn = b.score >= ON_PAGE_SCORE ? 1 : 0;
    if (aOn !== bOn) return bOn - aOn;
    if (aOn && a.score !== b.score) return b.score - a.score;
    return a.i - b.i;
  });
  return ranked.map(({ draft, score }) => ({ draft, score, forContext: score >= ON_PAGE_SCORE }));
}

function sameText(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
