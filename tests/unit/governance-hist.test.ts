import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../lib/shared/policy/stats';
import { decodeHist, encodeHist } from '../../server/service/governance/facts';

// The review-time histograms' text form (`bucket:count,…`) is decoded by a hand-written scanner
// (issue 16: the metrics merge tens of thousands per request); it must read what encodeHist writes
// exactly as splitting the text would.
function bySplit(text: string): Map<number, number> {
  const out = new Map<number, number>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const [b, c] = part.split(':');
    out.set(Number(b), (out.get(Number(b)) ?? 0) + Number(c));
  }
  return out;
}

describe('decodeHist', () => {
  it('reads back what encodeHist wrote (zero bucket, negative buckets and counts, empty)', () => {
    const rng = mulberry32(16);
    for (let t = 0; t < 2000; t++) {
      const h = new Map<number, number>();
      const size = Math.floor(rng() * 60);
      for (let i = 0; i < size; i++) {
        const bucket = rng() < 0.1 ? -1000 : Math.floor(rng() * 400) - 50;
        h.set(bucket, Math.floor(rng() * 2_000_000) - 1000);
      }
      const text = encodeHist(h);
      const sort = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]);
      expect(sort(decodeHist(text)), text).toEqual(sort(bySplit(text)));
      for (const [b, c] of h) if (c !== 0) expect(decodeHist(text).get(b)).toBe(c);
    }
  });

  it('adds into the map it is given', () => {
    const into = new Map([[3, 2]]);
    decodeHist('3:5,-1000:1', into);
    expect([...into]).toEqual([
      [3, 7],
      [-1000, 1],
    ]);
    expect(decodeHist(null).size).toBe(0);
    expect(decodeHist('').size).toBe(0);
  });
});
