import type { GovItem, Recommendation } from '../schema/governance';
import { correctness, type Labelled, labelled } from './calibration';
import { clopperPearsonUpper, minTrialsForZeroErrors, wilson } from './stats';

export interface RecommendOptions {
  /** Highest acceptable false-auto-approval rate (default 2%, the practice guides' figure). */
  target?: number;
  /** One-sided error probability of the bound (0.05 = 95% confidence). */
  alpha?: number;
  /** The workflow's current thresholds, kept where the data cannot justify a change. */
  current?: { autoThreshold: number; reviewThreshold: number };
  /** Lowest auto threshold ever proposed: below it "confidence" means little whatever the data says. */
  floor?: number;
  /** Candidate step. */
  step?: number;
}

const DEFAULTS = { target: 0.02, alpha: 0.05, floor: 0.5, step: 0.01 };

/** Width of the bands examined for the manual zone, and the data each needs. */
const MANUAL_BAND = 0.1;
const MANUAL_BAND_MIN_N = 20;

export interface ZoneStat {
  threshold: number;
  n: number;
  errors: number;
}

/** Labelled drafts and errors at or above each candidate threshold, highest threshold first. */
export function zoneStats(pairs: readonly Labelled[], thresholds: readonly number[]): ZoneStat[] {
  const sorted = [...pairs].sort((a, b) => b.confidence - a.confidence);
  const out: ZoneStat[] = [];
  let i = 0;
  let n = 0;
  let errors = 0;
  for (const t of [...thresholds].sort((a, b) => b - a)) {
    while (i < sorted.length && sorted[i]!.confidence >= t - 1e-12) {
      n++;
      if (!sorted[i]!.correct) errors++;
      i++;
    }
    out.push({ threshold: t, n, errors });
  }
  return out;
}

export function thresholdGrid(floor: number, step: number): number[] {
  const out: number[] = [];
  for (let t = 1 - step; t >= floor - 1e-9; t -= step) out.push(Math.round(t * 1000) / 1000);
  return out;
}

/**
 * The lowest auto threshold whose false-auto-approval rate stays at or under the target with
 * 1 − alpha confidence.
 *
 * Why fixed-sequence testing: scanning every threshold and keeping the lowest one that happens to
 * pass would be a multiple comparison, and on fresh data the chosen threshold would miss the target
 * more often than alpha. Testing from the strictest threshold downwards and stopping at the first
 * failure keeps the overall error at alpha without any correction (each step is only reached if all
 * stricter ones passed). Thresholds whose zone is too small for even zero errors to prove the
 * target are skipped, not failed; that depends only on the confidences, never on the labels, so
 * the guarantee holds.
 */
export function recommend(items: readonly GovItem[], options: RecommendOptions = {}): Recommendation {
  const population = items.filter((it) => !it.canary);
  const pairs = labelled(population);
  const eligible = population.filter((it) => !it.ruleEscalated);
  return recommendFrom(
    {
      labelled: pairs.length,
      population: population.length,
      zone: (thresholds) => zoneStats(pairs, thresholds),
      bands: bandCounts(pairs),
      eligibleAtOrAbove: (t) => eligible.filter((it) => it.confidence >= t - 1e-12).length,
    },
    options,
  );
}

/** What the recommendation reads of the drafts: counts only (the server takes them from rollups). */
export interface RecommendInputs {
  /** Labelled (non-canary) drafts. */
  labelled: number;
  /** Non-canary drafts. */
  population: number;
  /** Labelled drafts and errors at or above each threshold, highest threshold first. */
  zone(thresholds: readonly number[]): ZoneStat[];
  /** Labelled drafts and right ones per 10-point confidence band. */
  bands: readonly { n: number; ok: number }[];
  /** Non-canary drafts no rule escalates, at or above a threshold. */
  eligibleAtOrAbove(threshold: number): number;
}

/** Labelled drafts per 10-point confidence band (the manual-zone test). */
export function bandCounts(pairs: readonly Labelled[]): { n: number; ok: number }[] {
  const bands = Math.round(1 / MANUAL_BAND);
  const counts = Array.from({ length: bands }, () => ({ n: 0, ok: 0 }));
  for (const p of pairs) {
    const b = counts[Math.min(bands - 1, Math.floor(p.confidence * bands))]!;
    b.n++;
    if (p.correct) b.ok++;
  }
  return counts;
}

/** `recommend` on counts. */
export function recommendFrom(inputs: RecommendInputs, options: RecommendOptions = {}): Recommendation {
  const target = options.target ?? DEFAULTS.target;
  const alpha = options.alpha ?? DEFAULTS.alpha;
  const floor = options.floor ?? DEFAULTS.floor;
  const step = options.step ?? DEFAULTS.step;
  const current = options.current ?? { autoThreshold: 0.98, reviewThreshold: 0.7 };
  const reasons: string[] = [];
  const minN = minTrialsForZeroErrors(target, alpha);

  const stats = inputs.zone(thresholdGrid(floor, step));
  let chosen: ZoneStat | null = null;
  let firstFailure: ZoneStat | null = null;
  for (const s of stats) {
    if (s.n < minN) continue;
    const ub = clopperPearsonUpper(s.errors, s.n, alpha);
    if (ub <= target) chosen = s;
    else {
      firstFailure = s;
      break;
    }
  }

  const autoThreshold = chosen ? chosen.threshold : null;
  const conf = Math.round((1 - alpha) * 100);
  if (chosen) {
    const ub = clopperPearsonUpper(chosen.errors, chosen.n, alpha);
    reasons.push(
      `At ${pct(chosen.threshold)} and above, ${chosen.errors} of ${chosen.n} checked drafts were wrong (${pct(chosen.errors / chosen.n, 1)}); with ${conf}% confidence the false-auto-approval rate is at most ${pct(ub, 1)}, within the ${pct(target, 1)} target.`,
    );
    if (firstFailure)
      reasons.push(
        `Lower is not supported: at ${pct(firstFailure.threshold)} the bound is ${pct(clopperPearsonUpper(firstFailure.errors, firstFailure.n, alpha), 1)} (${firstFailure.errors} wrong of ${firstFailure.n}).`,
      );
    else if (chosen.threshold <= floor + 1e-9)
      reasons.push(
        `${pct(floor)} is the lowest threshold ever proposed: below it confidence scores carry little meaning.`,
      );
  } else {
    const largest = stats.length > 0 ? stats[stats.length - 1]!.n : 0;
    if (largest < minN)
      reasons.push(
        `Not enough evidence: proving a rate of at most ${pct(target, 1)} needs at least ${minN} checked drafts in the auto zone even with no errors, and there are only ${largest} at ${pct(floor)} confidence or above.`,
      );
    else if (firstFailure)
      reasons.push(
        `No threshold keeps the false-auto-approval rate under ${pct(target, 1)}: even at ${pct(firstFailure.threshold)}, ${firstFailure.errors} of ${firstFailure.n} checked drafts were wrong (upper bound ${pct(clopperPearsonUpper(firstFailure.errors, firstFailure.n, alpha), 1)}).`,
      );
  }

  const reviewThreshold = recommendReviewThreshold(
    inputs.labelled,
    inputs.bands,
    autoThreshold ?? current.autoThreshold,
    current,
    reasons,
  );

  const autoCount = autoThreshold === null ? 0 : inputs.eligibleAtOrAbove(autoThreshold);
  const rec: Recommendation = {
    autoThreshold,
    reviewThreshold,
    expectedFalseAutoRate: chosen && chosen.n > 0 ? chosen.errors / chosen.n : null,
    expectedAutoRate: inputs.population > 0 ? autoCount / inputs.population : 0,
    n: inputs.labelled,
    reasons,
    target,
    confidence: 1 - alpha,
    falseAutoUpperBound: chosen ? clopperPearsonUpper(chosen.errors, chosen.n, alpha) : null,
    zoneN: chosen?.n ?? 0,
    zoneErrors: chosen?.errors ?? 0,
  };
  return rec;
}

/**
 * The manual zone holds drafts that are wrong more often than right: for those, writing from scratch
 * costs less than fixing. The recommended review threshold is the top of the highest 10-point band
 * whose accuracy is below 50% even at its 95% upper bound; with no such band nothing needs to start
 * from scratch, and the threshold drops to the lowest band with data.
 */
function recommendReviewThreshold(
  labelledN: number,
  counts: readonly { n: number; ok: number }[],
  autoThreshold: number,
  current: { reviewThreshold: number },
  reasons: string[],
): number {
  if (labelledN < 100) {
    reasons.push(
      `Review threshold kept at ${pct(current.reviewThreshold)}: ${labelledN} checked drafts are too few to move it.`,
    );
    return Math.min(current.reviewThreshold, autoThreshold);
  }
  const bands = counts.length;
  let top = -1;
  for (let i = 0; i < bands; i++) {
    const c = counts[i]!;
    if (c.n >= MANUAL_BAND_MIN_N && wilson(c.ok, c.n).high < 0.5) top = i;
  }
  let r: number;
  if (top >= 0) {
    r = (top + 1) / bands;
    const c = counts[top]!;
    reasons.push(
      `Drafts below ${pct(r)} go to manual: in the ${pct(top / bands)}–${pct(r)} band only ${c.ok} of ${c.n} were approved unchanged, so writing them is cheaper than fixing them.`,
    );
  } else {
    const lowest = counts.findIndex((c) => c.n > 0);
    r = Math.max(0, lowest) / bands;
    reasons.push(
      `No confidence band is mostly wrong, so no draft needs to be written from scratch: review threshold ${pct(r)}.`,
    );
  }
  return Math.min(Math.round(r * 1000) / 1000, autoThreshold);
}

/** Measured false-auto-approval rate of a threshold on some (held-out) drafts: errors / labelled in the zone. */
export function measuredFalseAutoRate(
  items: readonly GovItem[],
  threshold: number,
): { n: number; errors: number; rate: number | null } {
  let n = 0;
  let errors = 0;
  for (const it of items) {
    if (it.confidence < threshold - 1e-12) continue;
    const c = correctness(it);
    if (c === null) continue;
    n++;
    if (!c) errors++;
  }
  return { n, errors, rate: n > 0 ? errors / n : null };
}

function pct(x: number, digits = 0): string {
  return `${(x * 100).toFixed(digits)}%`;
}
