import type { PageContext } from '../page/sites/types';
import type { Target } from './schema';
import type { LocalDecision } from './schema/protocol';

const norm = (s: string | undefined) => (s ?? '').trim().toLowerCase();

/** What matching needs of a queue entry: a full QueueItem or a light QueueHead both fit. */
export interface MatchItem {
  draft: { status: string; target: Target; account: { name: string; domain?: string } };
  local: LocalDecision | null;
}

/**
 * How well a draft's target fits what the page shows (0 = unrelated). Exact ids win over emails,
 * emails over company names: a thread or record id names exactly one conversation.
 */
export function matchScore(item: MatchItem, ctx: PageContext): number {
  const { target, account } = item.draft;
  let score = 0;
  if (target.recordId && ctx.recordId && target.recordId === ctx.recordId) score += 100;
  if (target.threadId && ctx.threadId && target.threadId === ctx.threadId) score += 100;
  const emails = new Set(ctx.emails.map(norm));
  if (target.email && emails.has(norm(target.email))) score += 50;
  const company = norm(ctx.company);
  if (company && (company === norm(target.company) || company === norm(account.name))) score += 20;
  const domain = norm(account.domain);
  if (domain && [...emails].some((e) => e.endsWith(`@${domain}`))) score += 15;
  const names = new Set(ctx.names.map(norm));
  if (target.name && names.has(norm(target.name))) score += 10;
  return score;
}

/**
 * Splits the queue for the panel: drafts for this page first (best match first; including ones I
 * decided here, so the panel can show their state), then the rest of what still waits for me.
 */
export function splitForContext<T extends MatchItem>(
  items: T[],
  ctx: PageContext | null,
  othersLimit: number,
  matchingLimit = Number.POSITIVE_INFINITY,
): { matching: T[]; matchingTotal: number; others: T[]; othersTotal: number } {
  const scored = items.map((item, index) => ({ item, index, score: ctx ? matchScore(item, ctx) : 0 }));
  const matching = scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((s) => s.item);
  const rest = scored.filter((s) => s.score === 0 && isWaiting(s.item)).map((s) => s.item);
  return {
    matching: matching.slice(0, matchingLimit),
    matchingTotal: matching.length,
    others: rest.slice(0, othersLimit),
    othersTotal: rest.length,
  };
}

/** Still needs a decision from me (open on the server, no live local decision). */
export function isWaiting(item: MatchItem): boolean {
  const open =
    item.draft.status === 'pending' || item.draft.status === 'awaiting_second' || item.draft.status === 'escalated';
  return open && (item.local === null || item.local.sync === 'rejected');
}
