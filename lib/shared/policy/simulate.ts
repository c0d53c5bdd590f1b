import type { GovItem, Simulation, ThresholdCurvePoint } from '../schema/governance';
import { correctness, humanVerdict, labelled } from './calibration';
import { type RecommendInputs, zoneStats } from './recommendation';
import { clopperPearsonUpper, mulberry32, wilson } from './stats';

const DAY_MS = 86_400_000;

/**
 * What-if for a pair of thresholds on recent drafts: where each draft would have gone, how much
 * review work per day that makes, and how many wrong drafts the auto zone would let out.
 * Escalation rules win over confidence, so rule-escalated drafts always count as review work.
 * The error estimate uses every labelled draft in the zone (reviewed or audited): it is the same
 * evidence the recommendation uses, so the two never disagree.
 */
export function simulate(
  items: readonly GovItem[],
  autoThreshold: number,
  reviewThreshold: number,
  options: { days?: number } = {},
): Simulation {
  const pop = items.filter((it) => !it.canary);
  const n = pop.length;
  let days = options.days ?? 0;
  if (!days) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const it of pop) {
      const t = Date.parse(it.createdAt);
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
    }
    days = n > 0 ? Math.max(1, Math.ceil((hi - lo) / DAY_MS)) : 1;
  }
  let auto = 0;
  let review = 0;
  let manual = 0;
  let zoneN = 0;
  let zoneErr = 0;
  let reviewJudged = 0;
  let reviewUnchanged = 0;
  for (const it of pop) {
    const c = it.confidence;
    const isAuto = !it.ruleEscalated && c >= autoThreshold;
    if (isAuto) auto++;
    else if (c < reviewThreshold && !it.ruleEscalated) manual++;
    else review++;
    if (c >= autoThreshold) {
      const ok = correctness(it);
      if (ok !== null) {
        zoneN++;
        if (!ok) zoneErr++;
      }
    } else if (c >= reviewThreshold) {
      const v = humanVerdict(it);
      if (v !== null) {
        reviewJudged++;
        if (v === 'approved') reviewUnchanged++;
      }
    }
  }
  return simulationFrom(
    { n, days, auto, review, manual, zoneN, zoneErr, reviewJudged, reviewUnchanged },
    autoThreshold,
    reviewThreshold,
  );
}

/** The counts behind a simulation (the server takes them from one aggregate query). */
export interface SimulationCounts {
  n: number;
  days: number;
  auto: number;
  review: number;
  manual: number;
  zoneN: number;
  zoneErr: number;
  reviewJudged: number;
  reviewUnchanged: number;
}

/** A simulation from its counts. */
export function simulationFrom(c: SimulationCounts, autoThreshold: number, reviewThreshold: number): Simulation {
  const { n, days, auto, review, manual, zoneN, zoneErr, reviewJudged, reviewUnchanged } = c;
  const falseAutoRate = zoneN > 0 ? zoneErr / zoneN : null;
  const ci = zoneN > 0 ? wilson(zoneErr, zoneN) : null;
  return {
    autoThreshold,
    reviewThreshold,
    n,
    days,
    autoRate: n > 0 ? auto / n : 0,
    reviewRate: n > 0 ? review / n : 0,
    manualRate: n > 0 ? manual / n : 0,
    reviewLoadPerDay: (review + manual) / days,
    autoPerDay: auto / days,
    falseAutoRate,
    falseAutoLow: ci?.low ?? null,
    falseAutoHigh: ci?.high ?? null,
    labelledInAutoZone: zoneN,
    expectedErrorsPerDay: falseAutoRate === null ? null : (falseAutoRate * auto) / days,
    unnecessaryReviewRate: reviewJudged > 0 ? reviewUnchanged / reviewJudged : null,
  };
}

/** Auto rate and false-auto rate (with its 95% one-sided upper bound) across thresholds, for the simulator chart. */
export function thresholdCurve(items: readonly GovItem[], step = 0.01, floor = 0.5): ThresholdCurvePoint[] {
  const pop = items.filter((it) => !it.canary);
  const eligible = pop.filter((it) => !it.ruleEscalated).map((it) => it.confidence);
  const pairs = labelled(pop);
  return thresholdCurveFrom(
    {
      population: pop.length,
      zone: (grid) => zoneStats(pairs, grid),
      eligibleAtOrAbove: (t) => eligible.filter((c) => c >= t - 1e-12).length,
    },
    step,
    floor,
  );
}

/** `thresholdCurve` on counts (see RecommendInputs). */
export function thresholdCurveFrom(
  inputs: Pick<RecommendInputs, 'population' | 'zone' | 'eligibleAtOrAbove'>,
  step = 0.01,
  floor = 0.5,
): ThresholdCurvePoint[] {
  const grid: number[] = [];
  for (let t = floor; t <= 1 + 1e-9; t += step) grid.push(Math.round(t * 1000) / 1000);
  const stats = inputs.zone(grid);
  const n = inputs.population;
  return stats
    .map((s) => ({
      threshold: s.threshold,
      autoRate: n > 0 ? inputs.eligibleAtOrAbove(s.threshold) / n : 0,
      falseAutoRate: s.n > 0 ? s.errors / s.n : null,
      upperBound: s.n > 0 ? clopperPearsonUpper(s.errors, s.n) : null,
      labelled: s.n,
    }))
    .sort((a, b) => a.threshold - b.threshold);
}

export interface SyntheticOptions {
  n: number;
  seed: number;
  /** Probability a draft with confidence c is right; the identity is a perfectly calibrated model. */
  accuracy?: (c: number) => number;
  /** Confidence distribution: maps a uniform draw to a confidence (default skews high, like real models). */
  confidence?: (u: number) => number;
  workflow?: string;
  start?: string;
  days?: number;
  reviewers?: string[];
  /** Share of drafts that also get an outcome (audit), which then decides correctness. */
  outcomeRate?: number;
  modelVersion?: string;
  /** Use these confidences (e.g. the demo generator's drafts) instead of drawing them; `n` is then their count. */
  confidences?: readonly number[];
}

/**
 * Synthetic drafts with known ground truth, for tests and for the dashboard's demo: every draft is
 * reviewed (the review_all level), a right draft is approved unchanged and a wrong one edited or
 * rejected. Deterministic for a seed.
 */
export function syntheticItems(options: SyntheticOptions): GovItem[] {
  const rng = mulberry32(options.seed);
  const accuracy = options.accuracy ?? ((c: number) => c);
  const conf = options.confidence ?? ((u: number) => 1 - 0.5 * u * u);
  const start = Date.parse(options.start ?? '2026-10-01T00:00:00Z');
  const span = (options.days ?? 30) * DAY_MS;
  const reviewers = options.reviewers ?? ['rev-a', 'rev-b', 'rev-c'];
  const out: GovItem[] = [];
  const n = options.confidences ? options.confidences.length : options.n;
  for (let i = 0; i < n; i++) {
    const drawn = conf(rng());
    const c = Math.min(1, Math.max(0, options.confidences?.[i] ?? drawn));
    const right = rng() < accuracy(c);
    const created = start + Math.floor(rng() * span);
    const decided = created + 60_000 + Math.floor(rng() * 3_600_000);
    const userId = reviewers[Math.floor(rng() * reviewers.length)]!;
    const action = right ? 'approve' : rng() < 0.7 ? 'edit' : 'reject';
    const words = 60 + Math.floor(rng() * 120);
    const item: GovItem = {
      id: `syn-${options.seed}-${i}`,
      workflow: options.workflow ?? 'outbound-email',
      confidence: Math.round(c * 1000) / 1000,
      route: 'review',
      status: action === 'reject' ? 'rejected' : 'approved',
      createdAt: new Date(created).toISOString(),
      settledAt: new Date(decided).toISOString(),
      segment: null,
      modelVersion: options.modelVersion ?? 'm1',
      canary: false,
      ruleEscalated: false,
      words,
      decisions: [
        {
          userId,
          action,
          dwellMs: 8_000 + Math.floor(rng() * 40_000),
          decidedAt: new Date(decided).toISOString(),
          changed: action === 'edit' ? true : undefined,
        },
      ],
      outcomes: [],
    };
    if (options.outcomeRate && rng() < options.outcomeRate)
      item.outcomes.push({ correct: right, source: 'audit', at: new Date(decided + DAY_MS).toISOString() });
    out.push(item);
  }
  return out;
}
