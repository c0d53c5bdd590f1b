import { describe, expect, it } from 'vitest';
import { autoAdjust, stepBack } from '../../lib/shared/policy/autonomy';
import { syntheticItems } from '../../lib/shared/policy/simulate';
import { mulberry32 } from '../../lib/shared/policy/stats';
import { detectionDelay, exceedsTarget, MIN_AUDITED_TO_TIGHTEN } from '../../lib/shared/policy/tighten';

// Issue 16: tighten when the observed false-auto-approval rate over the rolling window exceeds the
// target, once the window holds a minimum number of audited drafts (no confidence bound).

const TARGET = 0.02;

describe('the tightening rule', () => {
  it('fires on the observed rate, not on a bound: 5 wrong of 200 (2.5%) against 2%', () => {
    expect(exceedsTarget(5, 200, TARGET, 200)).toBe(true);
    expect(exceedsTarget(4, 200, TARGET, 200)).toBe(false);
    // Below the minimum nothing fires, however bad it looks.
    expect(exceedsTarget(50, 199, TARGET, 200)).toBe(false);
  });

  it('prints the detection delay for true rates of 1%, 2%, 4% and 8% against a 2% target', () => {
    const rows: string[] = [];
    const results = new Map<number, ReturnType<typeof detectionDelay>>();
    for (const perDay of [50, 100])
      for (const trueRate of [0.01, 0.02, 0.04, 0.08]) {
        const r = detectionDelay({ trueRate, target: TARGET, minAudited: MIN_AUDITED_TO_TIGHTEN, perDay, runs: 400 });
        if (perDay === 100) results.set(trueRate, r);
        rows.push(
          `${String(perDay).padStart(7)} ${`${trueRate * 100}%`.padStart(5)} ${`${(r.fired * 100).toFixed(1)}%`.padStart(9)} ${String(r.medianAudited ?? '—').padStart(8)} ${String(r.p90Audited ?? '—').padStart(6)}`,
        );
      }
    console.log(
      `Tightening rule: observed rate over 7 days > 2% with ≥ ${MIN_AUDITED_TO_TIGHTEN} audited; 400 streams of 30 days each\naudits/day  true  tightened  median audited  p90\n${rows.join('\n')}`,
    );
    // A true 4% or 8% is caught in every stream, as soon as the window holds the minimum.
    expect(results.get(0.04)!.fired).toBe(1);
    expect(results.get(0.04)!.medianAudited).toBe(MIN_AUDITED_TO_TIGHTEN);
    expect(results.get(0.08)!.medianAudited).toBe(MIN_AUDITED_TO_TIGHTEN);
    // At 1% (half the target) the rule stays quiet in the great majority of month-long streams;
    // a rate at the target itself trips it on some day of most months (the window is looked at
    // daily, and a rate exactly at the target is over it in about half the windows).
    expect(results.get(0.01)!.fired).toBeLessThan(0.2);
    expect(results.get(0.02)!.fired).toBeGreaterThan(0.5);
  });

  it('on one fixed stream of audited auto-approvals at 1%: no tightening and no step back', () => {
    const now = Date.parse('2026-11-20T00:00:00Z');
    const rng = mulberry32(101);
    const items = syntheticItems({ n: 700, seed: 3, start: new Date(now - 7 * 86_400_000).toISOString(), days: 7 });
    for (const it of items) {
      it.route = 'auto';
      it.status = 'auto_approved';
      it.decisions = [];
      it.confidence = 0.99;
      it.outcomes = [{ correct: rng() >= 0.01, source: 'audit', at: it.createdAt }];
    }
    const wrong = items.filter((it) => !it.outcomes[0]!.correct).length;
    expect(wrong / items.length).toBeLessThanOrEqual(TARGET);
    const policy = {
      workflow: 'w',
      level: 'audit' as const,
      autoThreshold: 0.95,
      reviewThreshold: 0.7,
      falseAutoTarget: TARGET,
    };
    expect(stepBack(items, policy, { now })).toBeNull();
    expect(autoAdjust(items, policy, { now })?.autoThreshold ?? 0.95).toBeLessThanOrEqual(0.95);
    // The same stream at 4%: step back and tighten.
    const rng4 = mulberry32(202);
    for (const it of items) it.outcomes = [{ correct: rng4() >= 0.04, source: 'audit', at: it.createdAt }];
    expect(stepBack(items, policy, { now })?.to).toBe('review_exceptions');
    expect(autoAdjust(items, policy, { now })?.autoThreshold).toBeGreaterThan(0.95);
  });
});
