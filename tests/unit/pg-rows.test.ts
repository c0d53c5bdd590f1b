import { describe, expect, it } from 'vitest';
import { pgRows } from '../../server/store/fast';

// The jsonb parameter of the PostgreSQL fast statements: jsonb refuses a lone UTF-16 surrogate, so
// it becomes U+FFFD (as pg does with text parameters); everything else is JSON.stringify's own text.
describe('pgRows', () => {
  it('replaces lone surrogates, keeps pairs and literal backslash sequences', () => {
    const rows = [['a\ud800b', '\udfff', '😀', 'x\\ud800y', 'x\\\ud800y', null, 1.5]];
    const parsed = JSON.parse(pgRows(rows)) as unknown[][];
    expect(parsed).toEqual([['a\ufffdb', '\ufffd', '😀', 'x\\ud800y', 'x\\\ufffdy', null, 1.5]]);
  });
  it('is JSON.stringify when there is nothing to replace', () => {
    const rows = [['2026-12-05T10:11:12.123Z', 'outbound-email', 0.87, null, 'Zoë “quoted” \\ text']];
    expect(pgRows(rows)).toBe(JSON.stringify(rows));
  });
});
