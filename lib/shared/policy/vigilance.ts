import type { Agreement, GovDecision, GovItem, ReviewerRow, VigilanceFlag } from '../schema/governance';
import { cohenKappa, quantile, rate } from './stats';

/**
 * Reading speed below which an approval cannot have been a reading. Adults read prose at about
 * 250 words a minute; skimming text one already half knows runs at 2–3× that. 600 wpm is the pace
 * of skimming, so an approval faster than this was not even skimmed. Set generously on purpose: a
 * false "rubber stamp" accusation costs more trust than a missed one.
 */
export const SKIM_WPM = 600;
/** No draft can be read, judged and approved in under this, however short (the guides' "under 5 seconds" signal, halved for one-line CRM updates). */
export const MIN_READ_MS = 2_500;

export const VIGILANCE = {
  /** Share of a reviewer's approvals that were too fast before it is flagged. */
  fastShare: 0.3,
  minApprovalsForFast: 10,
  /** Approving unchanged this share of drafts looks ceremonial (guides: overrides under 2–3%). */
  nearTotalApproval: 0.97,
  minDecisionsForRate: 30,
  /** A streak is suspicious when the team's own approval rate would produce it by chance less than 1 time in 20. */
  streakChance: 0.05,
  minStreak: 20,
  canaryCatch: 0.8,
  minCanaries: 3,
} as const;

/** The shortest believable time to read `words` words and decide. */
export function minReadMs(words: number): number {
  return Math.max(MIN_READ_MS, Math.round((words / SKIM_WPM) * 60_000));
}

export type Label = 'approved' | 'edited' | 'rejected' | 'escalated';

export function label(d: GovDecision): Label {
  if (d.action === 'approve') return 'approved';
  if (d.action === 'edit') return d.changed === false ? 'approved' : 'edited';
  if (d.action === 'reject') return 'rejected';
  return 'escalated';
}

interface Entry {
  item: GovItem;
  d: GovDecision;
  l: Label;
}

/**
 * Per-reviewer figures and rubber-stamp signals: approvals faster than skimming, approve streaks
 * improbable at the team's own approval rate, near-total approval, and canary catch rate.
 * A canary counts as caught when the reviewer edited, rejected or escalated it.
 */
export function reviewerTable(items: readonly GovItem[]): ReviewerRow[] {
  const byUser = new Map<string, Entry[]>();
  let teamJudged = 0;
  let teamApproved = 0;
  for (const item of items) {
    for (const d of item.decisions) {
      const l = label(d);
      const list = byUser.get(d.userId) ?? [];
      list.push({ item, d, l });
      byUser.set(d.userId, list);
      if (!item.canary && l !== 'escalated') {
        teamJudged++;
        if (l === 'approved') teamApproved++;
      }
    }
  }
  const teamApproveRate = teamJudged > 0 ? teamApproved / teamJudged : 0;

  const rows: ReviewerRow[] = [];
  for (const [userId, entries] of byUser) {
    entries.sort((a, b) => (a.d.decidedAt < b.d.decidedAt ? -1 : a.d.decidedAt > b.d.decidedAt ? 1 : 0));
    const real = entries.filter((e) => !e.item.canary);
    const count = (l: Label) => real.filter((e) => e.l === l).length;
    const approvals = entries.filter((e) => e.l === 'approved');
    const timed = approvals.filter((e) => e.d.dwellMs !== null);
    // Streaks run over everything the person saw, canaries included: approving a canary mid-streak is the point.
    let streak = 0;
    let longest = 0;
    for (const e of entries) {
      streak = e.l === 'approved' ? streak + 1 : 0;
      longest = Math.max(longest, streak);
    }
    const canaries = entries.filter((e) => e.item.canary);
    const dwell = real.map((e) => e.d.dwellMs).filter((x): x is number => x !== null);
    rows.push(
      reviewerRowFrom(
        {
          userId,
          entries: entries.length,
          approved: count('approved'),
          edited: count('edited'),
          rejected: count('rejected'),
          escalated: count('escalated'),
          timedApprovals: timed.length,
          fast: timed.filter((e) => (e.d.dwellMs ?? 0) < minReadMs(e.item.words)).length,
          longestStreak: longest,
          canaries: canaries.length,
          caught: canaries.filter((e) => e.l !== 'approved').length,
          reviewTimeMedianMs: quantile(dwell, 0.5),
        },
        teamApproveRate,
      ),
    );
  }
  return sortReviewerRows(rows);
}

/** One reviewer's counts (the server keeps them in rollups). */
export interface ReviewerStats {
  userId: string;
  /** Every decision, canaries included. */
  entries: number;
  /** Decisions on real (non-canary) drafts, by label. */
  approved: number;
  edited: number;
  rejected: number;
  escalated: number;
  /** Approvals (canaries included) with a dwell time, and those faster than skimming. */
  timedApprovals: number;
  fast: number;
  longestStreak: number;
  canaries: number;
  caught: number;
  reviewTimeMedianMs: number | null;
}

/** Flagged reviewers first, then the busiest. */
export function sortReviewerRows(rows: ReviewerRow[]): ReviewerRow[] {
  return rows.sort(
    (a, b) => b.flags.length - a.flags.length || b.decisions - a.decisions || a.userId.localeCompare(b.userId),
  );
}

/** A reviewer's row and rubber-stamp signals from their counts and the team's approval rate. */
export function reviewerRowFrom(s: ReviewerStats, teamApproveRate: number): ReviewerRow {
  const judged = s.approved + s.edited + s.rejected;
  const realN = judged + s.escalated;
  const { fast, longestStreak: longest, caught } = s;
  const flags: VigilanceFlag[] = [];
  const notes: string[] = [];
  const fastShare = rate(fast, s.timedApprovals);
  if (s.timedApprovals >= VIGILANCE.minApprovalsForFast && (fastShare ?? 0) >= VIGILANCE.fastShare) {
    flags.push('fast_approvals');
    notes.push(
      `${fast} of ${s.timedApprovals} approvals came faster than the text can be skimmed (${SKIM_WPM} words a minute).`,
    );
  }
  // Chance of a run this long somewhere in this many decisions ≈ positions × p^L.
  if (
    longest >= VIGILANCE.minStreak &&
    teamApproveRate < 1 &&
    s.entries * teamApproveRate ** longest < VIGILANCE.streakChance
  ) {
    flags.push('long_streak');
    notes.push(
      `${longest} approvals in a row: at the team's approval rate of ${Math.round(teamApproveRate * 100)}% that happens by chance less than 1 time in 20.`,
    );
  }
  const approveRate = rate(s.approved, judged);
  if (judged >= VIGILANCE.minDecisionsForRate && (approveRate ?? 0) >= VIGILANCE.nearTotalApproval) {
    flags.push('near_total_approval');
    notes.push(
      `Approved ${Math.round((approveRate ?? 0) * 100)}% of ${judged} drafts unchanged: review may have become a formality.`,
    );
  }
  const catchRate = rate(caught, s.canaries);
  if (s.canaries >= VIGILANCE.minCanaries && (catchRate ?? 1) < VIGILANCE.canaryCatch) {
    flags.push('missed_canaries');
    notes.push(`Caught ${caught} of ${s.canaries} planted test drafts.`);
  } else if (s.canaries > caught) {
    notes.push(`Missed ${s.canaries - caught} of ${s.canaries} planted test drafts.`);
  }
  return {
    userId: s.userId,
    decisions: realN,
    approveUnchangedRate: approveRate,
    editRate: rate(s.edited, judged),
    rejectRate: rate(s.rejected, judged),
    escalateRate: rate(s.escalated, realN),
    reviewTimeMedianMs: s.reviewTimeMedianMs,
    fastApprovals: fast,
    fastApprovalShare: fastShare,
    longestApproveStreak: longest,
    canariesSeen: s.canaries,
    canariesCaught: caught,
    canaryCatchRate: catchRate,
    flags,
    notes,
  };
}

/**
 * Agreement between reviewers on drafts judged by two different people (two-person rule, or a
 * calibration session): the first verdict of each of the first two people, as approved / edited /
 * rejected. Cohen's kappa discounts the agreement two people would reach by chance, which matters
 * here because approval is so common that raw agreement looks high even between coin-flippers.
 */
export function reviewerAgreement(items: readonly GovItem[]): Agreement {
  const pairs: [Label, Label][] = [];
  for (const item of items) {
    const p = agreementPair(item);
    if (p) pairs.push(p);
  }
  const { agreement, kappa } = cohenKappa(pairs);
  return { pairs: pairs.length, agreement, kappa };
}

/** The first verdicts of the first two people who judged a draft, or null. */
export function agreementPair(item: Pick<GovItem, 'decisions'>): [Label, Label] | null {
  const firsts = new Map<string, Label>();
  for (const d of [...item.decisions].sort((a, b) => (a.decidedAt < b.decidedAt ? -1 : 1))) {
    const l = label(d);
    if (l === 'escalated' || firsts.has(d.userId)) continue;
    firsts.set(d.userId, l);
    if (firsts.size === 2) break;
  }
  if (firsts.size < 2) return null;
  const [a, b] = [...firsts.values()];
  return [a!, b!];
}

/** Agreement from counted pairs (`[first, second, count]`). */
export function agreementFrom(counted: readonly (readonly [string, string, number])[]): Agreement {
  const pairs: [string, string][] = [];
  for (const [a, b, n] of counted) for (let i = 0; i < n; i++) pairs.push([a, b]);
  const { agreement, kappa } = cohenKappa(pairs);
  return { pairs: pairs.length, agreement, kappa };
}

/** Canary catch rate over everyone: caught / canaries a person decided. */
export function canaryCatchRate(items: readonly GovItem[]): { seen: number; caught: number; rate: number | null } {
  let seen = 0;
  let caught = 0;
  for (const item of items) {
    if (!item.canary) continue;
    for (const d of item.decisions) {
      seen++;
      if (label(d) !== 'approved') caught++;
    }
  }
  return { seen, caught, rate: rate(caught, seen) };
}
