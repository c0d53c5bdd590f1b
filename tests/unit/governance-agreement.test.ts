import { describe, expect, it } from 'vitest';
import {
  bootstrapKappa,
  countTable,
  deviations,
  fleissKappa,
  fleissNullSe,
  itemAgreement,
  plurality,
  type Rating,
} from '../../lib/shared/policy/agreement';
import { mulberry32 } from '../../lib/shared/policy/stats';

// Fleiss' kappa against published examples, its null standard error against R's irr, and the
// bootstrap interval's coverage on simulated sessions.

/** Wikipedia's "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5 categories. */
const WIKIPEDIA = [
  [0, 0, 0, 0, 14],
  [0, 2, 6, 4, 2],
  [0, 0, 3, 5, 6],
  [0, 3, 9, 2, 0],
  [2, 2, 8, 1, 1],
  [7, 7, 0, 0, 0],
  [3, 2, 6, 3, 0],
  [2, 5, 3, 2, 2],
  [6, 5, 2, 1, 0],
  [0, 2, 2, 3, 7],
];

/**
 * Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (1 depression, 2
 * personality disorder, 3 schizophrenia, 4 neurosis, 5 other); as the `diagnoses` data of R's irr.
 */
const DIAGNOSES = [
  [4, 4, 4, 4, 4, 4],
  [2, 2, 2, 5, 5, 5],
  [2, 3, 3, 3, 3, 5],
  [5, 5, 5, 5, 5, 5],
  [2, 2, 2, 4, 4, 4],
  [1, 1, 3, 3, 3, 3],
  [3, 3, 3, 3, 5, 5],
  [1, 1, 3, 3, 3, 4],
  [1, 1, 4, 4, 4, 4],
  [5, 5, 5, 5, 5, 5],
  [1, 4, 4, 4, 4, 4],
  [1, 2, 4, 4, 4, 4],
  [2, 2, 2, 3, 3, 3],
  [1, 4, 4, 4, 4, 4],
  [2, 2, 4, 4, 4, 5],
  [3, 3, 3, 3, 3, 5],
  [1, 1, 1, 4, 5, 5],
  [1, 1, 1, 1, 1, 2],
  [2, 2, 4, 4, 4, 4],
  [1, 3, 3, 5, 5, 5],
  [5, 5, 5, 5, 5, 5],
  [2, 4, 4, 4, 4, 4],
  [2, 2, 4, 5, 5, 5],
  [1, 1, 4, 4, 4, 4],
  [1, 4, 4, 4, 4, 5],
  [2, 2, 2, 2, 2, 4],
  [1, 1, 1, 1, 5, 5],
  [2, 2, 4, 4, 4, 4],
  [1, 3, 3, 3, 3, 3],
  [5, 5, 5, 5, 5, 5],
];

function ratingsOf(rows: number[][]): { ratings: Rating[]; items: string[] } {
  const ratings: Rating[] = [];
  rows.forEach((row, i) => {
    row.forEach((diagnosis, r) => {
      ratings.push({ item: `p${i + 1}`, rater: `rater${r + 1}`, category: diagnosis - 1 });
    });
  });
  return { ratings, items: rows.map((_, i) => `p${i + 1}`) };
}

describe("Fleiss' kappa", () => {
  it("matches Wikipedia's worked example (P̄ 0.378, P̄e 0.213, κ 0.210)", () => {
    const f = fleissKappa(WIKIPEDIA);
    expect(f.items).toBe(10);
    expect(f.ratings).toBe(140);
    expect(f.observed!).toBeCloseTo(0.378, 3);
    expect(f.expected!).toBeCloseTo(0.213, 3);
    expect(f.kappa!).toBeCloseTo(0.21, 3);
    expect(f.shares.map((p) => Number(p.toFixed(3)))).toEqual([0.143, 0.2, 0.279, 0.15, 0.229]);
    // The per-item shares printed in the example's last column.
    expect(itemAgreement(WIKIPEDIA[1]!)!).toBeCloseTo(0.253, 3);
    expect(itemAgreement(WIKIPEDIA[7]!)!).toBeCloseTo(0.176, 3);
  });

  it('matches Fleiss (1971) on the 30 patients: κ 0.4302445 and z 17.65183 as R irr kappam.fleiss', () => {
    const { ratings, items } = ratingsOf(DIAGNOSES);
    const table = countTable(ratings, items, 5);
    expect(table.map((r) => r.reduce((a, b) => a + b, 0))).toEqual(new Array(30).fill(6));
    // Category totals of the table (as statsmodels' aggregate_raters test).
    expect([0, 1, 2, 3, 4].map((j) => table.reduce((s, r) => s + r[j]!, 0))).toEqual([26, 26, 30, 55, 43]);
    const f = fleissKappa(table);
    expect(f.kappa!).toBeCloseTo(0.4302445, 7);
    const se = fleissNullSe(table)!;
    expect(f.kappa! / se).toBeCloseTo(17.65183, 4);
  });

  it('items with fewer than two ratings are left out; unequal rater counts use each item its own pairs', () => {
    expect(fleissKappa([[1, 0, 0]]).kappa).toBeNull();
    const equal = fleissKappa([
      [3, 0],
      [1, 2],
      [0, 3],
    ]);
    const withLonely = fleissKappa([
      [3, 0],
      [1, 2],
      [0, 3],
      [0, 1],
    ]);
    expect(withLonely).toEqual(equal);
    // Two raters on one item, four on another: P_i = 1 and (1·0 + 3·2)/(4·3) = 0.5.
    const mixed = fleissKappa([
      [2, 0],
      [1, 3],
    ]);
    expect(mixed.observed).toBeCloseTo(0.75, 12);
    expect(mixed.expected).toBeCloseTo(0.5 ** 2 + 0.5 ** 2, 12);
    expect(mixed.kappa).toBeCloseTo(0.5, 12);
    expect(
      fleissNullSe([
        [2, 0],
        [1, 3],
      ]),
    ).toBeNull();
  });

  it('perfect agreement is 1, systematic disagreement is negative, one category only is 1 by convention', () => {
    expect(
      fleissKappa([
        [3, 0, 0],
        [0, 3, 0],
        [0, 0, 3],
      ]).kappa,
    ).toBe(1);
    expect(
      fleissKappa([
        [1, 1],
        [1, 1],
      ]).kappa!,
    ).toBeLessThan(0);
    expect(
      fleissKappa([
        [4, 0],
        [4, 0],
      ]).kappa,
    ).toBe(1);
  });
});

describe('bootstrap interval', () => {
  it('is reproducible for a seed, holds the estimate and narrows with more items', () => {
    const { ratings, items } = ratingsOf(DIAGNOSES);
    const table = countTable(ratings, items, 5);
    const a = bootstrapKappa(table, { seed: 7 })!;
    expect(bootstrapKappa(table, { seed: 7 })).toEqual(a);
    expect(a.replicates).toBe(2000);
    expect(a.level).toBe(0.95);
    expect(a.low).toBeLessThan(0.4302445);
    expect(a.high).toBeGreaterThan(0.4302445);
    const fourTimes = [...table, ...table, ...table, ...table];
    const b = bootstrapKappa(fourTimes, { seed: 7 })!;
    // Width scales roughly with 1/√n: a quarter of the items gives about twice the width.
    const ratio = (a.high - a.low) / (b.high - b.low);
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.5);
    expect(bootstrapKappa([[2, 0]])).toBeNull();
  });

  it('covers the true kappa about 95% of the time on simulated sessions (4 reviewers, 60 drafts)', () => {
    const shares = [0.55, 0.2, 0.2, 0.05];
    const categories = shares.length;
    // Each reviewer gives the draft's true verdict with probability 0.7, else a verdict drawn from
    // the shares. Category shares of ratings equal the shares, so the population kappa is exact:
    // P(two ratings agree) = 0.49 + 2·0.7·0.3·Σs² + 0.09·Σs², chance agreement Σs².
    const s2 = shares.reduce((s, p) => s + p * p, 0);
    const agree = 0.7 * 0.7 + 2 * 0.7 * 0.3 * s2 + 0.3 * 0.3 * s2;
    const truth = (agree - s2) / (1 - s2);
    const random = mulberry32(2026);
    const draw = () => {
      let u = random();
      for (let j = 0; j < categories; j++) {
        u -= shares[j]!;
        if (u < 0) return j;
      }
      return categories - 1;
    };
    const session = () =>
      Array.from({ length: 60 }, () => {
        const row = new Array<number>(categories).fill(0);
        const t = draw();
        for (let r = 0; r < 4; r++) row[random() < 0.7 ? t : draw()]!++;
        return row;
      });
    const runs = 300;
    let covered = 0;
    for (let i = 0; i < runs; i++) {
      const ci = bootstrapKappa(session(), { seed: i + 1, replicates: 800 })!;
      if (ci.low <= truth && truth <= ci.high) covered++;
    }
    // Binomial(300, 0.95) lies within 0.91–0.99 with overwhelming probability; the percentile
    // bootstrap at n = 60 runs a little under its nominal level.
    expect(covered / runs).toBeGreaterThan(0.89);
    expect(covered / runs).toBeLessThan(0.99);
  });
});

describe('deviation from the majority', () => {
  it("holds each rater to the others' clear majority (leave one out), ties compared with nothing", () => {
    // Categories: 0 approve, 1 edit, 2 reject.
    const ratings: Rating[] = [
      // d1: ana, ben, cy approve; dee rejects → dee deviates.
      { item: 'd1', rater: 'ana', category: 0 },
      { item: 'd1', rater: 'ben', category: 0 },
      { item: 'd1', rater: 'cy', category: 0 },
      { item: 'd1', rater: 'dee', category: 2 },
      // d2: 2 approve, 2 edit: each one's others are 2 vs 1 → majority exists for everyone.
      { item: 'd2', rater: 'ana', category: 0 },
      { item: 'd2', rater: 'ben', category: 0 },
      { item: 'd2', rater: 'cy', category: 1 },
      { item: 'd2', rater: 'dee', category: 1 },
      // d3: all different but ana, ben both reject: cy and dee deviate; ana's others are 1-1-1 → tie.
      { item: 'd3', rater: 'ana', category: 2 },
      { item: 'd3', rater: 'ben', category: 2 },
      { item: 'd3', rater: 'cy', category: 0 },
      { item: 'd3', rater: 'dee', category: 1 },
    ];
    const items = ['d1', 'd2', 'd3'];
    const table = countTable(ratings, items, 3);
    expect(plurality(table[1]!)).toBeNull();
    expect(plurality(table[0]!)).toBe(0);
    const d = Object.fromEntries(deviations(ratings, table, items).map((x) => [x.rater, x]));
    // ana: d1 with majority; d2 others (ben approve, cy edit, dee edit) → edit, she approved: deviation;
    // d3 others (ben reject, cy approve, dee edit) → tie.
    expect(d.ana).toMatchObject({ judged: 3, compared: 2, deviations: 1 });
    expect(d.dee).toMatchObject({ judged: 3, compared: 3, deviations: 3 });
    expect(d.cy).toMatchObject({ judged: 3, compared: 3, deviations: 2 });
    expect(deviations(ratings, table, items)[0]!.rater).toBe('dee');
  });
});
