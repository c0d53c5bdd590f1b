import { binIndex, correctness, humanVerdict, latestOutcome } from '../../../lib/shared/policy/calibration';
import { isEscalated, OPEN } from '../../../lib/shared/policy/metrics';
import { agreementPair, label, minReadMs } from '../../../lib/shared/policy/vigilance';
import type { GovItem } from '../../../lib/shared/schema/governance';
import { type GovDecisionFactsTable, type GovFactsTable, ZONE_BELOW } from '../../store/rollups';

// Governance facts: what one draft (and each of its decisions) adds to the figures, derived with the
// same functions the in-memory computation uses (humanVerdict, latestOutcome, correctness, label…),
// and the rollup rows those facts add up to. Pure: no database here (see refresh.ts, figures.ts).

/**
 * What the derivation below produces, as a number: raise it whenever a draft's facts or rollup rows
 * change in value (not when they only get faster to compute: the equality tests hold those to the
 * same output). `npm run bench:governance` keys its cached seeded databases on it.
 */
export const FACTS_VERSION = 2;

export type Fact = GovFactsTable;
export type DecisionFact = GovDecisionFactsTable;

/** The highest 0.01 step the confidence reaches (`confidence >= k/100 − 1e-12`, as the threshold grids compare). */
export function zoneIndex(confidence: number): number {
  let k = Math.min(100, Math.floor(confidence * 100) + 1);
  while (k > 0 && !(confidence >= k / 100 - 1e-12)) k--;
  return k;
}

/**
 * The `zone` rollup's second key for a fact of step `zk` (migration 104): `ZONE_BELOW` for the few
 * whose confidence is under the step's own grid value `zk/100` (within 1e-12 of it: `zoneIndex`
 * counts them in the step), '' for the rest. SQL computes it as `confidence < cast(zk as double
 * precision) / 100`: the same correctly rounded division, so the same split.
 */
export function zonePart(confidence: number, zk: number): string {
  return confidence < zk / 100 ? ZONE_BELOW : '';
}

/**
 * Whether every fact of one part of a `zone` step (step `k`, its `ZONE_BELOW` part or the rest) has a
 * confidence at or above the threshold `t`, or `undefined` where only the facts can tell: `t` off the
 * 0.01 grid and inside this very step. A step above `t`'s step lies wholly above it and one below
 * wholly under it (`zoneIndex` only grows with the confidence); in `t`'s own step, a `t` on the grid
 * (`t === k/100`) has the step's rest at or above it and its `ZONE_BELOW` part under it.
 */
export function partAtOrAbove(t: number, k: number, part: string): boolean | undefined {
  const j = zoneIndex(t);
  if (k !== j) return k > j;
  if (offGridStep(t) !== null) return undefined;
  return part !== ZONE_BELOW;
}

/** The step whose facts must be read to compare them with `t` (its own), or null for `t` on the grid. */
export function offGridStep(t: number): number | null {
  const k = zoneIndex(t);
  return t === k / 100 ? null : k;
}

const LOG_STEP = Math.log(1.05);
/** Review times are kept as a histogram with 5%-wide buckets (quantiles within 2.5%). */
export function dwellBucket(ms: number): number {
  return ms <= 0 ? -1000 : Math.floor(Math.log(ms) / LOG_STEP);
}
/** The value a bucket stands for: its geometric middle (0 for the zero bucket). */
export function bucketValue(b: number): number {
  return b === -1000 ? 0 : Math.exp((b + 0.5) * LOG_STEP);
}

/** Type-7 quantile (as lib/shared/policy/stats `quantile`) of a histogram `bucket → count`. */
export function histogramQuantile(hist: ReadonlyMap<number, number>, q: number): number | null {
  let n = 0;
  for (const c of hist.values()) n += c;
  if (n === 0) return null;
  const sorted = [...hist.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const at = (rank: number) => {
    let seen = 0;
    for (const [b, c] of sorted) {
      seen += c;
      if (rank < seen) return bucketValue(b);
    }
    return bucketValue(sorted[sorted.length - 1]![0]);
  };
  const a = at(lo);
  const b = at(hi);
  return a + (b - a) * (pos - lo);
}

const b01 = (x: boolean) => (x ? 1 : 0);
const nb01 = (x: boolean | null) => (x === null ? null : x ? 1 : 0);

/** A draft's facts and its decisions' facts. */
export function factsOf(it: GovItem): { fact: Fact; decisions: DecisionFact[] } {
  const day = it.createdAt.slice(0, 10);
  const verdict = it.route === 'auto' ? null : humanVerdict(it);
  const last = it.decisions[it.decisions.length - 1];
  const pair = agreementPair(it);
  const fact: Fact = {
    draft_id: it.id,
    workflow: it.workflow,
    day,
    created_at: it.createdAt,
    confidence: it.confidence,
    bin10: binIndex(it.confidence, 10),
    zk: zoneIndex(it.confidence),
    route: it.route,
    is_open: b01(OPEN.has(it.status)),
    segment: it.segment ?? '',
    model: it.modelVersion ?? '',
    is_canary: b01(it.canary),
    rule_escalated: b01(it.ruleEscalated),
    escalated: b01(isEscalated(it)),
    verdict,
    outcome: nb01(latestOutcome(it)),
    is_correct: nb01(correctness(it)),
    review_day: verdict === null ? null : (last?.decidedAt ?? it.createdAt).slice(0, 10),
    n_decisions: it.decisions.length,
    words: it.words,
    pair_a: pair?.[0] ?? null,
    pair_b: pair?.[1] ?? null,
  };
  const decisions = it.decisions.map((d, seq) => {
    const l = label(d);
    return {
      draft_id: it.id,
      seq,
      user_id: d.userId,
      workflow: it.workflow,
      day,
      created_at: it.createdAt,
      decided_at: d.decidedAt,
      decided_day: d.decidedAt.slice(0, 10),
      label: l,
      is_canary: b01(it.canary),
      dwell_ms: d.dwellMs,
      fast: b01(l === 'approved' && d.dwellMs !== null && d.dwellMs < minReadMs(it.words)),
    };
  });
  return { fact, decisions };
}

/** A rollup row's key and the values it adds (index i is column v<i>). */
export interface RollRow {
  kind: RollKind;
  workflow: string;
  day: string;
  k1: string;
  k2: string;
  k3: string;
  v: number[];
}

/**
 * The additive rollups (all keyed by workflow and the draft's creation day):
 * - set (segment, model): drafts, approved, edited, rejected, escalated, auto, reviewRouted,
 *   reviewRoutedApproved, auditedAuto, wrongAuto, checkedReviewed, wrongReviewed, decisions, Σconfidence,
 *   canaries
 * - dwell (segment, model, bucket): decisions with a review time, by histogram bucket
 * - conf (model, bin10, zk): drafts, not rule-escalated, labelled, right, Σc, Σc², Σc·right (labelled)
 * - reviews (review day): reviews, approved unchanged, overridden
 * - reviewer (user): decisions, approved, edited, rejected, escalated (real drafts), timed approvals,
 *   fast approvals, canaries, caught
 * - rdwell (user, bucket): a reviewer's review times (real drafts)
 * - pairs (first, second): agreement pairs
 * - zone (zk, `zonePart`): drafts, not rule-escalated, labelled, wrong, with a verdict, approved
 *   unchanged — the simulator's sums for any pair of thresholds (migration 90) — and with an outcome,
 *   with a wrong outcome, review-routed and decided — the auto-adjustment's (migration 103); each
 *   step's facts under its grid value apart (migration 104), so a threshold on the 0.01 grid splits
 *   no row (`partAtOrAbove`)
 * Canary drafts add only to reviewer and pairs (as in the in-memory figures).
 */
export type RollKind = 'set' | 'dwell' | 'conf' | 'reviews' | 'reviewer' | 'rdwell' | 'pairs' | 'zone';

/**
 * Adds `sign ×` what a draft's facts add to the rollups (`contributions`) into `into`, by `rollKey`.
 * Written into the map as they are made, not as a list of rows first: the refresh adds ~9 per draft,
 * twice for a recounted one (11,111 drafts of seeded history: fastest of 40 runs 40–55 ms instead
 * of 57–62, three runs each).
 */
export function addContributions(
  into: Map<string, RollRow>,
  f: Fact,
  decisions: readonly DecisionFact[],
  sign: number,
): void {
  const prefix = `\u0000${f.workflow}\u0000${f.day}\u0000`;
  contributions(f, decisions, (kind, k1, k2, k3, v) => {
    const k = `${kind}${prefix}${k1}\u0000${k2}\u0000${k3}`;
    const have = into.get(k);
    if (!have) {
      for (let i = 0; i < v.length; i++) v[i] = sign * v[i]!;
      into.set(k, { kind, workflow: f.workflow, day: f.day, k1, k2, k3, v });
    } else for (let i = 0; i < v.length; i++) have.v[i] = (have.v[i] ?? 0) + sign * v[i]!;
  });
}

/** What a draft's facts add to the rollups: each row's key and values (a new array each call). */
function contributions(
  f: Fact,
  decisions: readonly DecisionFact[],
  row: (kind: RollKind, k1: string, k2: string, k3: string, v: number[]) => void,
): void {
  const real = !f.is_canary;
  // A canary only marks its group as present (the in-memory figures list a group with only canaries).
  if (!real) row('set', f.segment, f.model, '', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  if (real) {
    const v = f.verdict;
    const auto = f.route === 'auto';
    const o = f.outcome;
    row('set', f.segment, f.model, '', [
      1,
      b01(v === 'approved'),
      b01(v === 'edited'),
      b01(v === 'rejected'),
      f.escalated,
      b01(auto),
      b01(f.route === 'review' && v !== null),
      b01(f.route === 'review' && v === 'approved'),
      b01(auto && o !== null),
      b01(auto && o === 0),
      b01(v === 'approved' && o !== null),
      b01(v === 'approved' && o === 0),
      f.n_decisions,
      f.confidence,
    ]);
    const labelled = f.is_correct !== null ? 1 : 0;
    const ok = f.is_correct === 1 ? 1 : 0;
    const c = f.confidence;
    row('conf', f.model, String(f.bin10), String(f.zk), [
      1,
      1 - f.rule_escalated,
      labelled,
      ok,
      labelled * c,
      labelled * c * c,
      ok * c,
    ]);
    row('zone', String(f.zk), zonePart(c, f.zk), '', [
      1,
      1 - f.rule_escalated,
      labelled,
      b01(f.is_correct === 0),
      b01(v !== null),
      b01(v === 'approved'),
      b01(o !== null),
      b01(o === 0),
      b01(f.route === 'review' && f.n_decisions > 0),
    ]);
    if (v !== null && f.review_day !== null)
      row('reviews', f.review_day, '', '', [1, b01(v === 'approved'), b01(v !== 'approved')]);
  }
  for (const d of decisions) {
    const canary = d.is_canary === 1;
    const l = d.label;
    if (real && d.dwell_ms !== null) {
      const b = String(dwellBucket(d.dwell_ms));
      row('dwell', f.segment, f.model, b, [1]);
      row('rdwell', d.user_id, b, '', [1]);
    }
    row('reviewer', d.user_id, '', '', [
      1,
      b01(!canary && l === 'approved'),
      b01(!canary && l === 'edited'),
      b01(!canary && l === 'rejected'),
      b01(!canary && l === 'escalated'),
      b01(l === 'approved' && d.dwell_ms !== null),
      d.fast,
      b01(canary),
      b01(canary && l !== 'approved'),
    ]);
  }
  if (f.pair_a !== null && f.pair_b !== null) row('pairs', f.pair_a, f.pair_b, '', [1]);
}

/** Histogram kinds keep one row per group with the buckets in `hist`; the bucket travels in this key. */
export const HIST_BUCKET_KEY = { dwell: 'k3', rdwell: 'k2' } as const;
export const isHist = (kind: string): kind is keyof typeof HIST_BUCKET_KEY => kind === 'dwell' || kind === 'rdwell';

export function decodeHist(text: string | null, into = new Map<number, number>()): Map<number, number> {
  if (!text) return into;
  // Scanned by hand (no split): the metrics merge tens of thousands of these per request.
  const n = text.length;
  let i = 0;
  while (i < n) {
    let neg = false;
    if (text.charCodeAt(i) === 45) {
      neg = true;
      i++;
    }
    let b = 0;
    for (let ch = text.charCodeAt(i); i < n && ch !== 58; ch = text.charCodeAt(++i)) b = b * 10 + (ch - 48);
    i++;
    let cneg = false;
    if (text.charCodeAt(i) === 45) {
      cneg = true;
      i++;
    }
    let c = 0;
    for (let ch = text.charCodeAt(i); i < n && ch !== 44; ch = text.charCodeAt(++i)) c = c * 10 + (ch - 48);
    i++;
    const k = neg ? -b : b;
    into.set(k, (into.get(k) ?? 0) + (cneg ? -c : c));
  }
  return into;
}

export function encodeHist(h: ReadonlyMap<number, number>): string {
  return [...h]
    .filter(([, c]) => c !== 0)
    .sort((a, b) => a[0] - b[0])
    .map(([b, c]) => `${b}:${c}`)
    .join(',');
}

/** Key of a rollup row (kind, workflow, day and the three keys). */
export const rollKey = (r: { kind: string; workflow: string; day: string; k1: string; k2: string; k3: string }) =>
  `${r.kind}\u0000${r.workflow}\u0000${r.day}\u0000${r.k1}\u0000${r.k2}\u0000${r.k3}`;

/** A reviewer's approval runs within one day: decisions, leading run, trailing run, longest run, all approvals. */
export interface StreakDay {
  n: number;
  prefix: number;
  suffix: number;
  longest: number;
  all: boolean;
}

export function streakOf(labels: readonly string[]): StreakDay {
  let prefix = 0;
  while (prefix < labels.length && labels[prefix] === 'approved') prefix++;
  let suffix = 0;
  while (suffix < labels.length && labels[labels.length - 1 - suffix] === 'approved') suffix++;
  let run = 0;
  let longest = 0;
  for (const l of labels) {
    run = l === 'approved' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return { n: labels.length, prefix, suffix, longest, all: prefix === labels.length };
}

/** The longest approval run over consecutive days (in day order). */
export function longestRun(days: readonly StreakDay[]): number {
  let run = 0;
  let best = 0;
  for (const d of days) {
    best = Math.max(best, d.longest, run + d.prefix);
    run = d.all ? run + d.n : d.suffix;
  }
  return best;
}
