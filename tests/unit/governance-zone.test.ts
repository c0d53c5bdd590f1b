import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partAtOrAbove, zoneIndex, zonePart } from '../../server/service/governance/facts';
import { ZONE_BELOW } from '../../server/store/rollups';

// Issue 16, migration 104: the simulator and the auto-adjustment classify whole parts of the `zone`
// rollup's 0.01 steps against a threshold (`partAtOrAbove`) instead of comparing facts. Wherever it
// answers, its answer must be the exact comparison `confidence >= threshold` for every confidence in
// that part, including those within 1e-12 under a grid value, which `zoneIndex` counts in its step.

/** Confidences and thresholds on, just under, just over and between the 0.01 grid values. */
const nearGrid = fc
  .tuple(
    fc.integer({ min: 0, max: 100 }),
    fc.constantFrom(0, -1e-13, -5e-13, -9.9e-13, -1.1e-12, 1e-13, 1e-12, 0.004, 0.0049999, -0.003),
  )
  .map(([k, d]) => Math.min(1, Math.max(0, k / 100 + d)));
const anyRate = fc.oneof(nearGrid, fc.double({ min: 0, max: 1, noNaN: true }));

describe('zone parts against a threshold', () => {
  it('answer, where they do, as comparing every confidence in them would', () => {
    fc.assert(
      fc.property(anyRate, anyRate, (confidence, threshold) => {
        const k = zoneIndex(confidence);
        const above = partAtOrAbove(threshold, k, zonePart(confidence, k));
        if (above !== undefined) expect(above).toBe(confidence >= threshold);
        // Only a threshold off the grid leaves its own step to the facts.
        const j = zoneIndex(threshold);
        expect(above === undefined).toBe(k === j && threshold !== j / 100);
      }),
      { numRuns: 20_000 },
    );
  });

  it('splits a step only under its grid value', () => {
    expect(zonePart(0.9, zoneIndex(0.9))).toBe('');
    expect(zoneIndex(0.9 - 1e-13)).toBe(90);
    expect(zonePart(0.9 - 1e-13, 90)).toBe(ZONE_BELOW);
    expect(partAtOrAbove(0.9, 90, ZONE_BELOW)).toBe(false);
    expect(partAtOrAbove(0.9, 90, '')).toBe(true);
    expect(partAtOrAbove(0.905, 90, '')).toBeUndefined();
    expect(partAtOrAbove(1, 100, '')).toBe(true);
    expect(partAtOrAbove(1, 100, ZONE_BELOW)).toBe(false);
    expect(partAtOrAbove(0, 0, '')).toBe(true);
  });
});
