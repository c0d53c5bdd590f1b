import { OPEN_STATUSES, type Target } from './schema/draft';
import type { LocalDecision, PageContext } from './schema/protocol';

/**
 * The one answer to "is this draft for what is on screen?", used by the worker (getDrafts splits
 * the queue with it) and by the panel (ranking.ts orders the cards with it), so both agree.
 * Pure and site-neutral: it compares the draft's target and account with the adapter's context.
 */

/** What matching needs of a draft: a full Draft or the worker's light DraftHead both fit. */
export interface MatchDraft {
  target: Target;
  account: { name: string; domain?: string };
  /** With `content`, an email draft's `to` header counts as an addressee as well. */
  kind?: string;
  content?: unknown;
}

/**
 * How a draft relates to the page, strongest rule that fired: `exact` same record or thread,
 * `addressee` an address on the page is the draft's, `related` same company, account domain or
 * name, `none` otherwise (always `none` for a draft aimed at another site).
 */
export type MatchTier = 'none' | 'related' | 'addressee' | 'exact';

export interface PageMatch {
  tier: MatchTier;
  /**
   * The sum of the rules that fired, for ordering: record/thread 100 each, addressee 50, company
   * 20, account domain 15, name 10. Any `exact` outscores any `addressee`, which outscores any
   * `related` (50 + 20 + 15 + 10 < 100, 20 + 15 + 10 < 50), so ordering by score keeps the tiers.
   */
  score: number;
}

const TIER_RANK: Record<MatchTier, number> = { none: 0, related: 1, addressee: 2, exact: 3 };
const NONE: PageMatch = { tier: 'none', score: 0 };

const norm = (s: string | undefined) => (s ?? '').trim().toLowerCase();

const EMAIL_RE = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Every email address in a string, lower-cased. */
export function emailsInText(text: string): string[] {
  return [...text.matchAll(EMAIL_RE)].map((m) => m[0].toLowerCase());
}

/** Emails a draft is addressed to: `target.email` and, for an email draft, any in `content.to`. */
export function draftEmails(draft: Pick<MatchDraft, 'target' | 'kind' | 'content'>): string[] {
  const content = draft.content as { to?: unknown } | null | undefined;
  const to = draft.kind === 'email' && typeof content?.to === 'string' ? content.to : '';
  const out = new Set<string>();
  for (const e of [norm(draft.target.email), ...emailsInText(to)]) if (e.includes('@')) out.add(e);
  return [...out];
}

/**
 * Whether two record ids name the same record. Salesforce writes one id in 15 characters
 * (case-sensitive) or 18 (the 15 plus a case-insensitivity suffix), so a 15-character id and an
 * 18-character one compare on their first 15; any other pair must be equal.
 */
export function sameRecordId(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return short.length === 15 && long.length === 18 && long.startsWith(short);
}

/** How well a draft fits what the page shows (see `MatchTier` and `PageMatch.score`). */
export function pageMatch(draft: MatchDraft, ctx: PageContext): PageMatch {
  const { target, account } = draft;
  // A draft for another site never belongs to this page, whatever else it shares with it.
  if (target.site && target.site !== ctx.site) return NONE;
  let score = 0;
  let tier: MatchTier = 'none';
  const hit = (points: number, t: MatchTier) => {
    score += points;
    if (TIER_RANK[t] > TIER_RANK[tier]) tier = t;
  };
  if (target.recordId && ctx.recordId && sameRecordId(target.recordId, ctx.recordId)) hit(100, 'exact');
  if (target.threadId && ctx.threadId && target.threadId === ctx.threadId) hit(100, 'exact');
  const emails = new Set(ctx.emails.map(norm));
  if (draftEmails(draft).some((e) => emails.has(e))) hit(50, 'addressee');
  const company = norm(ctx.company);
  if (company && (company === norm(target.company) || company === norm(account.name))) hit(20, 'related');
  const domain = norm(account.domain);
  if (domain && [...emails].some((e) => e.endsWith(`@${domain}`))) hit(15, 'related');
  const names = new Set(ctx.names.map(norm));
  if (target.name && names.has(norm(target.name))) hit(10, 'related');
  return { tier, score };
}

/** The draft is for the record, thread or person in front of the reviewer ("For this page"). */
export function isForPage(m: PageMatch): boolean {
  return TIER_RANK[m.tier] >= TIER_RANK.addressee;
}

/** The tier as a number, 3 exact … 0 none (the adapters' tests and the benchmarks read it). */
export function contextScore(draft: MatchDraft, ctx: PageContext): number {
  return TIER_RANK[pageMatch(draft, ctx).tier];
}

/** What splitting needs of a queue entry: a full QueueItem or a light QueueHead both fit. */
export interface MatchItem {
  draft: MatchDraft & { status: string };
  local: LocalDecision | null;
}

/**
 * Splits the queue for the panel: drafts related to this page first (any tier above `none`, best
 * match first; including ones I decided here, so the panel can show their state), then the rest of
 * what still waits for me.
 */
export function splitForContext<T extends MatchItem>(
  items: T[],
  ctx: PageContext | null,
  othersLimit: number,
  matchingLimit = Number.POSITIVE_INFINITY,
): { matching: T[]; matchingTotal: number; others: T[]; othersTotal: number } {
  const scored = items.map((item, index) => ({ item, index, score: ctx ? pageMatch(item.draft, ctx).score : 0 }));
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

const OPEN = new Set<string>(OPEN_STATUSES);

/** Still needs a decision from me (open on the server, no live local decision). */
export function isWaiting(item: MatchItem): boolean {
  return OPEN.has(item.draft.status) && (item.local === null || item.local.sync === 'rejected');
}
