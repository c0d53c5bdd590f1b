import type { Calibration, CalibrationBin, GovDecision, GovItem } from '../schema/governance';
import { wilson } from './stats';

/** Bins of the reliability diagram (contract: 10 equal-width bins over [0, 1]). */
export const CALIBRATION_BINS = 10;
/** Below this many labelled drafts the whole diagram is flagged as too thin to say much. */
export const MIN_CALIBRATION_N = 100;
/** A bin with fewer drafts than this is shown but flagged, and left out of the worst-gap figure. */
export const MIN_BIN_N = 10;

/** What a person did in the end, ignoring escalations (they hand the draft on, they do not judge it). */
export type Verdict = 'approved' | 'edited' | 'rejected';

/** An edit whose content is unchanged counts as an approval. */
function verdictOf(d: GovDecision): Verdict | null {
  if (d.action === 'approve') return 'approved';
  if (d.action === 'edit') return d.changed === false ? 'approved' : 'edited';
  if (d.action === 'reject') return 'rejected';
  return null;
}

/**
 * The people's verdict on a draft: any edit or reject wins over approvals (with the two-person rule a
 * later reviewer's change means the first approval was wrong); null when nobody judged it.
 */
export function humanVerdict(item: Pick<GovItem, 'decisions'>): Verdict | null {
  let v: Verdict | null = null;
  for (const d of item.decisions) {
    const x = verdictOf(d);
    if (x === 'rejected') return 'rejected';
    if (x === 'edited') v = 'edited';
    else if (x === 'approved' && v === null) v = 'approved';
  }
  return v;
}

/** The most recent outcome, if any: later findings supersede earlier ones. */
export function latestOutcome(item: Pick<GovItem, 'outcomes'>): boolean | null {
  let best: { at: string; correct: boolean } | null = null;
  for (const o of item.outcomes) if (best === null || o.at >= best.at) best = o;
  return best ? best.correct : null;
}

/**
 * Correctness as the contract defines it: an outcome wins; otherwise approved unchanged = correct,
 * edited or rejected = incorrect; escalated-only, undecided and canary drafts have no label (null).
 */
export function correctness(item: GovItem): boolean | null {
  if (item.canary) return null;
  const o = latestOutcome(item);
  if (o !== null) return o;
  const v = humanVerdict(item);
  if (v === null) return null;
  return v === 'approved';
}

export interface Labelled {
  confidence: number;
  correct: boolean;
}

/** Drafts with a correctness label, as (confidence, correct) pairs. */
export function labelled(items: readonly GovItem[]): Labelled[] {
  const out: Labelled[] = [];
  for (const it of items) {
    const c = correctness(it);
    if (c !== null) out.push({ confidence: it.confidence, correct: c });
  }
  return out;
}

export function binIndex(confidence: number, bins: number): number {
  // [lo, hi) bins, the last one closed so confidence 1.0 has a home.
  return Math.min(bins - 1, Math.max(0, Math.floor(confidence * bins)));
}

/**
 * Reliability bins, expected calibration error (count-weighted mean |accuracy − confidence|) and
 * Brier score over labelled pairs. ECE is the figure the dashboard headlines; Brier also rewards
 * sharpness, so the two together tell "honest but vague" from "confident and right".
 */
export function calibrate(pairs: readonly Labelled[], bins = CALIBRATION_BINS): Calibration {
  const acc: CalibrationSums[] = Array.from({ length: bins }, () => ({ n: 0, conf: 0, ok: 0 }));
  let brier = 0;
  let confSum = 0;
  let okSum = 0;
  for (const p of pairs) {
    const b = acc[binIndex(p.confidence, bins)]!;
    b.n++;
    b.conf += p.confidence;
    if (p.correct) b.ok++;
    brier += (p.confidence - (p.correct ? 1 : 0)) ** 2;
    confSum += p.confidence;
    if (p.correct) okSum++;
  }
  return calibrateFrom(acc, { n: pairs.length, brier, conf: confSum, ok: okSum });
}

/** Sums of one bin (or of all): labelled drafts, their confidences, how many were right. */
export interface CalibrationSums {
  n: number;
  conf: number;
  ok: number;
}

/** The reliability diagram and its figures from per-bin sums and the overall sums (with Σ(c − y)²). */
export function calibrateFrom(
  acc: readonly CalibrationSums[],
  total: CalibrationSums & { brier: number },
): Calibration {
  const bins = acc.length;
  const { n } = total;
  let ece = 0;
  let mce: number | null = null;
  const thinBins: string[] = [];
  const out: CalibrationBin[] = acc.map((b, i) => {
    const lo = round(i / bins);
    const hi = round((i + 1) / bins);
    if (b.n === 0)
      return { lo, hi, count: 0, meanConfidence: null, accuracy: null, accuracyLow: null, accuracyHigh: null };
    const meanConfidence = b.conf / b.n;
    const accuracy = b.ok / b.n;
    const gap = Math.abs(accuracy - meanConfidence);
    ece += (b.n / n) * gap;
    if (b.n >= MIN_BIN_N) mce = Math.max(mce ?? 0, gap);
    else thinBins.push(`${Math.round(lo * 100)}–${Math.round(hi * 100)}%`);
    const ci = wilson(b.ok, b.n);
    return { lo, hi, count: b.n, meanConfidence, accuracy, accuracyLow: ci.low, accuracyHigh: ci.high };
  });
  const result: Calibration = {
    n,
    ece: n > 0 ? ece : null,
    brier: n > 0 ? total.brier / n : null,
    bins: out,
    mce,
    overconfidence: n > 0 ? total.conf / n - total.ok / n : null,
  };
  if (n === 0) result.warning = 'No reviewed or audited drafts yet: there is nothing to calibrate against.';
  else if (n < MIN_CALIBRATION_N)
    result.warning = `Only ${n} labelled drafts (fewer than ${MIN_CALIBRATION_N}): the curve and the error figures are too uncertain to act on.`;
  else if (thinBins.length > 0)
    result.warning = `Bins with fewer than ${MIN_BIN_N} drafts (${thinBins.join(', ')}) are too thin to read on their own.`;
  return result;
}

/** Calibration of a set of drafts, applying the contract's correctness rule. */
export function calibrationOf(items: readonly GovItem[]): Calibration {
  return calibrate(labelled(items));
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
