import type { Draft } from '../../shared/schema';
import { contextScore } from '../sites/match';
import type { PageContext } from '../sites/types';

// The adapters' scoring (lib/sites/match.ts: 3 same record/thread, 2 same addressee, 1 same company)
// is the one definition of "for this page"; the worker uses the same one for `matching`.
// A shared company alone orders a draft higher but does not put it "on this page".
const ON_PAGE_SCORE = 2;

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
export function rankDrafts(
  drafts: readonly Draft[],
  ctx: PageContext | null,
  /** Ids the worker already matched to this page (its `matching` list). */
  known: ReadonlySet<string> = new Set(),
): RankedDraft[] {
  const ranked = drafts.map((draft, i) => {
    const score = ctx ? contextScore(draft, ctx) : 0;
    return { draft, i, score: known.has(draft.id) ? Math.max(score, ON_PAGE_SCORE) : score };
  });
  ranked.sort((a, b) => {
    const aOn = a.score >= ON_PAGE_SCORE ? 1 : 0;
    const bOn = b.score >= ON_PAGE_SCORE ? 1 : 0;
    if (aOn !== bOn) return bOn - aOn;
    if (a.score !== b.score) return b.score - a.score;
    return a.i - b.i;
  });
  return ranked.map(({ draft, score }) => ({ draft, score, forContext: score >= ON_PAGE_SCORE }));
}
