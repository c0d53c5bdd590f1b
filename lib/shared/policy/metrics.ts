import { OPEN_STATUSES } from '../schema/draft';
import type { DailyPoint, GovItem, MetricSet, Metrics, OverrideBand } from '../schema/governance';
import { humanVerdict, latestOutcome } from './calibration';
import { quantile, rate, wilson } from './stats';
import { reviewerAgreement, reviewerTable } from './vigilance';

/** Healthy override band (edits + rejects among reviewed drafts): below it review may be theatre, above it the model adds little. */
export const OVERRIDE_BAND = { low: 0.05, high: 0.2 } as const;

export const OPEN = new Set<string>(OPEN_STATUSES);
const DAY_MS = 86_400_000;

export function overrideBand(r: number | null): OverrideBand {
  if (r === null) return 'unknown';
  if (r < OVERRIDE_BAND.low) return 'low';
  if (r > OVERRIDE_BAND.high) return 'high';
  return 'healthy';
}

/** The additive counts behind a MetricSet (sums over drafts; the server keeps them in rollups). */
export interface MetricCounts {
  drafts: number;
  approved: number;
  edited: number;
  rejected: number;
  escalated: number;
  auto: number;
  reviewRouted: number;
  reviewRoutedApproved: number;
  auditedAuto: number;
  wrongAuto: number;
  checkedReviewed: number;
  wrongReviewed: number;
  decisions: number;
}

export const zeroCounts = (): MetricCounts => ({
  drafts: 0,
  approved: 0,
  edited: 0,
  rejected: 0,
  escalated: 0,
  auto: 0,
  reviewRouted: 0,
  reviewRoutedApproved: 0,
  auditedAuto: 0,
  wrongAuto: 0,
  checkedReviewed: 0,
  wrongReviewed: 0,
  decisions: 0,
});

/** What one (non-canary) draft adds to its group's counts. */
export function draftCounts(it: GovItem, into: MetricCounts = zeroCounts()): MetricCounts {
  // An audit check of an auto-approved draft is recorded as a decision too; it is not a review
  // (the draft was already sent), so it feeds the false-auto-approval rate, not the review rates.
  const v = it.route === 'auto' ? null : humanVerdict(it);
  into.drafts++;
  if (v === 'approved') into.approved++;
  else if (v === 'edited') into.edited++;
  else if (v === 'rejected') into.rejected++;
  if (isEscalated(it)) into.escalated++;
  if (it.route === 'auto') {
    into.auto++;
    const o = latestOutcome(it);
    if (o !== null) {
      into.auditedAuto++;
      if (!o) into.wrongAuto++;
    }
  }
  if (it.route === 'review' && v !== null) {
    into.reviewRouted++;
    if (v === 'approved') into.reviewRoutedApproved++;
  }
  // Post-review errors: drafts a person approved unchanged and an outcome later found wrong. Edited
  // drafts are left out: their outcomes judge the model's text (calibration), not what was sent.
  if (v === 'approved') {
    const o = latestOutcome(it);
    if (o !== null) {
      into.checkedReviewed++;
      if (!o) into.wrongReviewed++;
    }
  }
  into.decisions += it.decisions.length;
  return into;
}

/** Escalated by a rule (flag, detected content, repeated failures, inbound, named account) or by a person. */
export function isEscalated(it: Pick<GovItem, 'ruleEscalated' | 'decisions'>): boolean {
  return it.ruleEscalated || it.decisions.some((d) => d.action === 'escalate');
}

/** The figures of a group that are not sums: review-time and queue-age quantiles. */
export interface MetricSpread {
  reviewTimeMedianMs: number | null;
  reviewTimeP90Ms: number | null;
  openDrafts: number;
  queueAgeMedianMs: number | null;
  queueAgeMaxMs: number | null;
}

/**
 * What the autonomy rules read of a window (step back, auto-adjustment): rates of counts alone, so
 * the evaluator reads the window's counts and not its review times or queue ages.
 */
export type RuleRates = Pick<
  MetricSet,
  'falseAutoRate' | 'auditedAuto' | 'postReviewErrorRate' | 'checkedReviewed' | 'unnecessaryReviewRate'
>;

/** The rules' rates from a window's counts (`metricSetFrom` takes them from here too). */
export function ruleRatesFrom(c: MetricCounts): RuleRates {
  return {
    falseAutoRate: rate(c.wrongAuto, c.auditedAuto),
    auditedAuto: c.auditedAuto,
    postReviewErrorRate: rate(c.wrongReviewed, c.checkedReviewed),
    checkedReviewed: c.checkedReviewed,
    unnecessaryReviewRate: rate(c.reviewRoutedApproved, c.reviewRouted),
  };
}

/** A MetricSet from its counts and spreads (the one place the rates are derived). */
export function metricSetFrom(c: MetricCounts, spread: MetricSpread, window: { days: number }): MetricSet {
  const reviewed = c.approved + c.edited + c.rejected;
  const overrideRate = rate(c.edited + c.rejected, reviewed);
  const { falseAutoRate, postReviewErrorRate, unnecessaryReviewRate } = ruleRatesFrom(c);
  return {
    drafts: c.drafts,
    reviewed,
    acceptanceRate: rate(c.approved + c.edited, reviewed),
    approveUnchangedRate: rate(c.approved, reviewed),
    editRate: rate(c.edited, reviewed),
    rejectRate: rate(c.rejected, reviewed),
    overrideRate,
    overrideBand: overrideBand(overrideRate),
    escalationRate: rate(c.escalated, c.drafts),
    autoApprovalRate: rate(c.auto, c.drafts),
    reviewTimeMedianMs: spread.reviewTimeMedianMs,
    reviewTimeP90Ms: spread.reviewTimeP90Ms,
    dailyReviewLoad: window.days > 0 && c.drafts > 0 ? c.decisions / window.days : null,
    openDrafts: spread.openDrafts,
    queueAgeMedianMs: spread.queueAgeMedianMs,
    queueAgeMaxMs: spread.queueAgeMaxMs,
    falseAutoRate,
    falseAutoInterval: c.auditedAuto > 0 ? wilson(c.wrongAuto, c.auditedAuto) : null,
    auditedAuto: c.auditedAuto,
    unnecessaryReviewRate,
    postReviewErrorRate,
    postReviewInterval: c.checkedReviewed > 0 ? wilson(c.wrongReviewed, c.checkedReviewed) : null,
    checkedReviewed: c.checkedReviewed,
  };
}

/**
 * The rates of one group of drafts. Canary drafts are left out of every quality figure (they are
 * wrong on purpose); they only feed the reviewer table.
 */
export function metricSet(all: readonly GovItem[], window: { days: number; now: number }): MetricSet {
  const items = all.filter((it) => !it.canary);
  const counts = zeroCounts();
  const dwell: number[] = [];
  const ages: number[] = [];
  for (const it of items) {
    draftCounts(it, counts);
    for (const d of it.decisions) if (d.dwellMs !== null) dwell.push(d.dwellMs);
    if (OPEN.has(it.status)) ages.push(Math.max(0, window.now - Date.parse(it.createdAt)));
  }
  return metricSetFrom(
    counts,
    {
      reviewTimeMedianMs: quantile(dwell, 0.5),
      reviewTimeP90Ms: quantile(dwell, 0.9),
      openDrafts: ages.length,
      queueAgeMedianMs: quantile(ages, 0.5),
      queueAgeMaxMs: ages.length > 0 ? Math.max(...ages) : null,
    },
    window,
  );
}

function groupBy(items: readonly GovItem[], key: (it: GovItem) => string): Map<string, GovItem[]> {
  const m = new Map<string, GovItem[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k) ?? [];
    list.push(it);
    m.set(k, list);
  }
  return m;
}

/** Day-by-day series for the trend charts (UTC days; drafts by creation, reviews by decision time). */
export function dailySeries(items: readonly GovItem[]): DailyPoint[] {
  const days = new Map<
    string,
    { drafts: number; auto: number; conf: number; reviews: number; approved: number; overridden: number }
  >();
  const get = (day: string) => {
    let d = days.get(day);
    if (!d) {
      d = { drafts: 0, auto: 0, conf: 0, reviews: 0, approved: 0, overridden: 0 };
      days.set(day, d);
    }
    return d;
  };
  for (const it of items) {
    if (it.canary) continue;
    const c = get(it.createdAt.slice(0, 10));
    c.drafts++;
    c.conf += it.confidence;
    if (it.route === 'auto') c.auto++;
    const v = it.route === 'auto' ? null : humanVerdict(it);
    if (v !== null) {
      const last = it.decisions[it.decisions.length - 1];
      const r = get((last?.decidedAt ?? it.createdAt).slice(0, 10));
      r.reviews++;
      if (v === 'approved') r.approved++;
      else r.overridden++;
    }
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, d]) => ({
      day,
      drafts: d.drafts,
      reviews: d.reviews,
      autoApproved: d.auto,
      approveUnchangedRate: rate(d.approved, d.reviews),
      overrideRate: rate(d.overridden, d.reviews),
      meanConfidence: d.drafts > 0 ? d.conf / d.drafts : null,
    }));
}

export interface MetricsOptions {
  since?: string | null;
  /** "Now" in ms, injectable so tests are deterministic. */
  now?: number;
}

/** Every governance figure for a window: overall, per workflow, segment and model version, per reviewer, and by day. */
export function computeMetrics(items: readonly GovItem[], options: MetricsOptions = {}): Metrics {
  const now = options.now ?? Date.now();
  const since = options.since ?? null;
  let start = since ? Date.parse(since) : Number.POSITIVE_INFINITY;
  if (!since) for (const it of items) start = Math.min(start, Date.parse(it.createdAt));
  const days = Number.isFinite(start) ? Math.max(1, (now - start) / DAY_MS) : 1;
  const window = { days, now };
  const sets = (key: (it: GovItem) => string) => {
    const out: Record<string, MetricSet> = {};
    for (const [k, list] of groupBy(items, key)) out[k] = metricSet(list, window);
    return out;
  };
  return {
    since,
    until: new Date(now).toISOString(),
    overall: metricSet(items, window),
    byWorkflow: sets((it) => it.workflow),
    bySegment: sets((it) => it.segment ?? '(none)'),
    byModelVersion: sets((it) => it.modelVersion ?? '(unknown)'),
    reviewers: reviewerTable(items),
    agreement: reviewerAgreement(items),
    daily: dailySeries(items),
  };
}
