import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../lib/shared/api-client';
import { BACKOFF_CAP_MS, backoffDelay } from '../../lib/worker/backoff';

describe('backoffDelay (full jitter)', () => {
  it('is uniform between 0 and base · 2^failures', () => {
    expect(backoffDelay(0, undefined, { random: () => 0 })).toBe(0);
    expect(backoffDelay(0, undefined, { random: () => 0.999 })).toBe(999);
    expect(backoffDelay(3, undefined, { random: () => 0.5 })).toBe(4000);
  });

  it('never exceeds the cap, even after many failures', () => {
    for (const f of [10, 30, 1000])
      expect(backoffDelay(f, undefined, { random: () => 0.9999 })).toBeLessThan(BACKOFF_CAP_MS);
  });

  it('spreads clients out (jitter actually varies)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('uses Retry-After when the server gives one, within a sane maximum', () => {
    expect(backoffDelay(0, 7000, { random: () => 0 })).toBe(7000);
    expect(backoffDelay(0, 86_400_000)).toBe(600_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('12')).toBe(12_000);
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
