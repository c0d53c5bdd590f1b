import { isForPage, pageMatch } from '../../shared/match';
import type { Draft } from '../../shared/schema';
import type { PageContext } from '../sites/types';

export interface RankedDraft {
  draft: Draft;
  /**
   * The draft is for the record, thread or prospect in front of the person (same record or thread,
   * or an addressee on the page). A shared company alone orders a draft higher but does not put it
   * "on this page".
   */
  forContext: boolean;
  /** `pageMatch`'s score (0 = unrelated to the page). */
  score: number;
}

/**
 * Puts the drafts for the page context first (best match first), then the rest of the queue
 * in the order the worker gave them (the server's priority order). Stable for equal scores.
 * The scorer is the worker's own (lib/shared/match.ts), so the cards "for this page" are the
 * drafts the worker matched above `related`, in the same order.
 */
/**
 * Another person holds a live claim on it. The worker hands the panel only other people's claims
 * (lib/worker/handlers.ts `getDrafts` leaves the person's own out).
 */
export function claimedByOther(d: Draft, now: number): boolean {
  return !!d.claimedBy && !!d.claimedUntil && Date.parse(d.claimedUntil) > now;
}

export function rankDrafts(drafts: readonly Draft[], ctx: PageContext | null): RankedDraft[] {
  const ranked = drafts.map((draft, i) => {
    const m = ctx ? pageMatch(draft, ctx) : null;
    return { draft, i, score: m?.score ?? 0, forContext: m ? isForPage(m) : false };
  });
  const now = Date.now();
  ranked.sort((a, b) => {
    // Someone else reviewing it now (a live claim the worker did not see as mine): last.
    const ca = claimedByOther(a.draft, now);
    if (ca !== claimedByOther(b.draft, now)) return ca ? 1 : -1;
    if (a.forContext !== b.forContext) return a.forContext ? -1 : 1;
    if (a.score !== b.score) return b.score - a.score;
    return a.i - b.i;
  });
  return ranked.map(({ draft, score, forContext }) => ({ draft, score, forContext }));
}
