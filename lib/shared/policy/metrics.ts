import { OPEN_STATUSES } from '../schema/draft';
import type { DailyPoint, GovItem, MetricSet, Metrics, OverrideBand } from '../schema/governance';
import { humanVerdict, latestOutcome } from './calibration';
import { quantile, rate, wilson } from './stats';
import { reviewerAgreement, reviewerTable } from './vigilance';

/** Healthy override band (edits + rejects among reviewed drafts): below it review may be theatre, above it the model adds little. */
export const OVERRIDE_BAND = { low: 0.05, high: 0.2 } as const;

const OPEN = new Set<string>(OPEN_STATUSES);
const DAY_MS = 86_400_000;

export function overrideBand(r: number | null): OverrideBand {
  if (r === null) return 'unknown';
  if (r < OVERRIDE_BAND.low) return 'low';
  if (r > OVERRIDE_BAND.high) return 'high';
  return 'healthy';
}

/**
 * The rates of one group of drafts. Canary drafts are left out of every quality figure (they are
 * wrong on purpose); they only feed the reviewer table.
 */
export function metricSet(all: readonly GovItem[], window: { days: number; now: number }): MetricSet {
  const items = all.filter((it) => !it.canary);
  let approved = 0;
  let edited = 0;
  let rejected = 0;
  let escalated = 0;
  let auto = 0;
  let reviewRouted = 0;
  let reviewRoutedApproved = 0;
  let auditedAuto = 0;
  let wrongAuto = 0;
  let checkedReviewed = 0;
  let wrongReviewed = 0;
  let decisions = 0;
  const dwell: number[] = [];
  const ages: number[] = [];
  for (const it of items) {
    // An audit check of an auto-approved draft is recorded as a decision too; it is not a review
    // (the draft was already sent), so it feeds the false-auto-approval rate, not the review rates.
    const v = it.route === 'auto' ? null : humanVerdict(it);
    if (v === 'approved') approved++;
    else if (v === 'edited') edited++;
    else if (v === 'rejected') rejected++;
    if (it.ruleEscalated || it.decisions.some((d) => d.action === 'escalate')) escalated++;
    if (it.route === 'auto') {
      auto++;
      const o = latestOutcome(it);
      if (o !== null) {
        auditedAuto++;
        if (!o) wrongAuto++;
      }
    }
    if (it.route === 'review' && v !== null) {
      reviewRouted++;
      if (v === 'approved') reviewRoutedApproved++;
    }
    // Post-review errors: drafts a person approved unchanged and an outcome later found wrong. Edited
    // drafts are left out: their outcomes judge the model's text (calibration), not what was sent.
    if (v === 'approved') {
      const o = latestOutcome(it);
      if (o !== null) {
        checkedReviewed++;
        if (!o) wrongReviewed++;
      }
    }
    for (const d of it.decisions) {
      decisions++;
      if (d.dwellMs !== null) dwell.push(d.dwellMs);
    }
    if (OPEN.has(it.status)) ages.push(Math.max(0, window.now - Date.parse(it.createdAt)));
  }
  const reviewed = approved + edited + rejected;
  const overrideRate = rate(edited + rejected, reviewed);
  const falseAutoRate = rate(wrongAuto, auditedAuto);
  const postReviewErrorRate = rate(wrongReviewed, checkedReviewed);
  return {
    drafts: items.length,
    reviewed,
    acceptanceRate: rate(approved + edited, reviewed),
    approveUnchangedRate: rate(approved, reviewed),
    editRate: rate(edited, reviewed),
    rejectRate: rate(rejected, reviewed),
    overrideRate,
    overrideBand: overrideBand(overrideRate),
    escalationRate: rate(escalated, items.length),
    autoApprovalRate: rate(auto, items.length),
    reviewTimeMedianMs: quantile(dwell, 0.5),
    reviewTimeP90Ms: quantile(dwell, 0.9),
    dailyReviewLoad: window.days > 0 && items.length > 0 ? decisions / window.days : null,
    openDrafts: ages.length,
    queueAgeMedianMs: quantile(ages, 0.5),
    queueAgeMaxMs: ages.length > 0 ? Math.max(...ages) : null,
    falseAutoRate,
    falseAutoInterval: auditedAuto > 0 ? wilson(wrongAuto, auditedAuto) : null,
    auditedAuto,
    unnecessaryReviewRate: rate(reviewRoutedApproved, reviewRouted),
    postReviewErrorRate,
    postReviewInterval: checkedReviewed > 0 ? wilson(wrongReviewed, checkedReviewed) : null,
    checkedReviewed,
  };
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
