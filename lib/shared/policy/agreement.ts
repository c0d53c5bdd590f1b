import { mulberry32, Z95 } from './stats';

// Agreement among many raters on the same items (calibration sessions, issue 16): Fleiss' kappa
// (Fleiss 1971), its standard error under "no agreement beyond chance" (Fleiss, Nee & Landis 1979),
// a percentile bootstrap interval over items, and who deviates from the rest. Pure functions over a
// count table: one row per item, one column per category, each cell the raters who chose it.

/** One row per item: how many raters put it in each category (the same categories in every row). */
export type CountTable = readonly (readonly number[])[];

export interface FleissKappa {
  /** Items rated by at least two raters (the others say nothing about agreement). */
  items: number;
  /** Ratings on those items. */
  ratings: number;
  /** P̄: mean share of agreeing rater pairs per item. */
  observed: number | null;
  /** P̄e: the agreement expected by chance from the categories' overall shares. */
  expected: number | null;
  kappa: number | null;
  /** Each category's share of all ratings (p_j). */
  shares: number[];
}

/** P_i: the share of agreeing pairs among an item's raters, or null with fewer than two. */
export function itemAgreement(row: readonly number[]): number | null {
  let n = 0;
  let sq = 0;
  for (const c of row) {
    n += c;
    sq += c * c;
  }
  return n < 2 ? null : (sq - n) / (n * (n - 1));
}

/**
 * Fleiss' kappa. With the same number of raters on every item this is Fleiss (1971) exactly; items
 * with different numbers of raters each contribute their own pair share P_i (the usual extension),
 * and category shares are taken over all ratings. When every rating falls in one category chance
 * agreement is total and kappa is reported as 1 (as `cohenKappa` does).
 */
export function fleissKappa(table: CountTable): FleissKappa {
  const k = table[0]?.length ?? 0;
  const totals = new Array<number>(k).fill(0);
  let items = 0;
  let ratings = 0;
  let sumP = 0;
  for (const row of table) {
    const p = itemAgreement(row);
    if (p === null) continue;
    items++;
    sumP += p;
    for (let j = 0; j < k; j++) {
      totals[j] = totals[j]! + row[j]!;
      ratings += row[j]!;
    }
  }
  if (items === 0) return { items: 0, ratings: 0, observed: null, expected: null, kappa: null, shares: totals };
  const shares = totals.map((t) => t / ratings);
  const observed = sumP / items;
  const expected = shares.reduce((s, p) => s + p * p, 0);
  const kappa = expected >= 1 - 1e-12 ? 1 : (observed - expected) / (1 - expected);
  return { items, ratings, observed, expected, kappa, shares };
}

/**
 * Standard error of Fleiss' kappa under the hypothesis of chance agreement only (Fleiss, Nee &
 * Landis 1979), for tables with the same number of raters on every item; null otherwise.
 */
export function fleissNullSe(table: CountTable): number | null {
  const rows = table.filter((r) => itemAgreement(r) !== null);
  if (rows.length === 0) return null;
  const n = rows[0]!.reduce((a, b) => a + b, 0);
  if (rows.some((r) => r.reduce((a, b) => a + b, 0) !== n)) return null;
  const { shares } = fleissKappa(rows);
  let pq = 0;
  let pqqp = 0;
  for (const p of shares) {
    const q = 1 - p;
    pq += p * q;
    pqqp += p * q * (q - p);
  }
  if (pq === 0) return null;
  const N = rows.length;
  return (Math.SQRT2 / (pq * Math.sqrt(N * n * (n - 1)))) * Math.sqrt(pq * pq - pqqp);
}

export interface KappaInterval {
  low: number;
  high: number;
  /** Confidence level of the interval (0.95). */
  level: number;
  /** Bootstrap replicates drawn (items resampled with replacement). */
  replicates: number;
}

/**
 * Percentile bootstrap interval of Fleiss' kappa: the items (with all their ratings) are resampled
 * with replacement `replicates` times. Seeded, so the same table gives the same interval. Null
 * with fewer than two rated items.
 */
export function bootstrapKappa(
  table: CountTable,
  opts: { replicates?: number; level?: number; seed?: number } = {},
): KappaInterval | null {
  const rows = table.filter((r) => itemAgreement(r) !== null);
  if (rows.length < 2) return null;
  const replicates = opts.replicates ?? 2000;
  const level = opts.level ?? 0.95;
  const random = mulberry32(opts.seed ?? 1);
  const k = rows[0]!.length;
  // Per item: its pair share, its ratings and its counts (resampling adds them up).
  const p = rows.map((r) => itemAgreement(r)!);
  const n = rows.map((r) => r.reduce((a, b) => a + b, 0));
  const values: number[] = [];
  const totals = new Array<number>(k);
  for (let b = 0; b < replicates; b++) {
    totals.fill(0);
    let ratings = 0;
    let sumP = 0;
    for (let i = 0; i < rows.length; i++) {
      const pick = Math.floor(random() * rows.length);
      const row = rows[pick]!;
      sumP += p[pick]!;
      ratings += n[pick]!;
      for (let j = 0; j < k; j++) totals[j] = totals[j]! + row[j]!;
    }
    let expected = 0;
    for (let j = 0; j < k; j++) expected += (totals[j]! / ratings) ** 2;
    const observed = sumP / rows.length;
    values.push(expected >= 1 - 1e-12 ? 1 : (observed - expected) / (1 - expected));
  }
  values.sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (values.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return values[lo]! + (values[hi]! - values[lo]!) * (pos - lo);
  };
  const tail = (1 - level) / 2;
  return { low: at(tail), high: at(1 - tail), level, replicates };
}

/** Normal-approximation interval κ ± z·se (for comparison with the bootstrap; se from elsewhere). */
export function normalInterval(kappa: number, se: number, z = Z95): { low: number; high: number } {
  return { low: kappa - z * se, high: kappa + z * se };
}

/**
 * The category most raters chose, or null when two or more tie for most (no clear majority).
 * `leaveOut` takes one rating of that category away first (the majority of the others).
 */
export function plurality(row: readonly number[], leaveOut?: number): number | null {
  let best = -1;
  let bestCount = 0;
  let tie = false;
  for (let j = 0; j < row.length; j++) {
    const c = row[j]! - (j === leaveOut ? 1 : 0);
    if (c > bestCount) {
      best = j;
      bestCount = c;
      tie = false;
    } else if (c === bestCount && c > 0) tie = true;
  }
  return best < 0 || tie ? null : best;
}

/** One rater's judgement of one item: the category's index. */
export interface Rating {
  item: string;
  rater: string;
  category: number;
}

/** The count table of ratings, rows in the order of `items`. */
export function countTable(ratings: readonly Rating[], items: readonly string[], categories: number): number[][] {
  const index = new Map(items.map((id, i) => [id, i]));
  const table = items.map(() => new Array<number>(categories).fill(0));
  for (const r of ratings) {
    const i = index.get(r.item);
    if (i === undefined || r.category < 0 || r.category >= categories) continue;
    table[i]![r.category]!++;
  }
  return table;
}

export interface RaterDeviation {
  rater: string;
  /** Items the rater judged. */
  judged: number;
  /** Of those, items where the other raters had a clear majority. */
  compared: number;
  /** Of those, items where the rater chose something else. */
  deviations: number;
  rate: number | null;
}

/**
 * Each rater against the majority of the others on every item they judged (leave-one-out, so two
 * raters compare with each other and a rater's own vote never makes the majority they are held to).
 */
export function deviations(ratings: readonly Rating[], table: CountTable, items: readonly string[]): RaterDeviation[] {
  const index = new Map(items.map((id, i) => [id, i]));
  const by = new Map<string, RaterDeviation>();
  for (const r of ratings) {
    const i = index.get(r.item);
    if (i === undefined) continue;
    let d = by.get(r.rater);
    if (!d) {
      d = { rater: r.rater, judged: 0, compared: 0, deviations: 0, rate: null };
      by.set(r.rater, d);
    }
    d.judged++;
    const majority = plurality(table[i]!, r.category);
    if (majority === null) continue;
    d.compared++;
    if (majority !== r.category) d.deviations++;
  }
  return [...by.values()]
    .map((d) => ({ ...d, rate: d.compared > 0 ? d.deviations / d.compared : null }))
    .sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1) || (a.rater < b.rater ? -1 : 1));
}
