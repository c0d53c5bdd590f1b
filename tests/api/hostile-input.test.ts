import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftResult, FeedbackLine } from '../../lib/shared/schema';
import { MAX_DEPTH, nestedDeeperThan, nulAt } from '../../server/middleware/body';
import { startTestApp, startTestServer, TEST_DBS, type TestApi, type TestServer } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

/** `depth` nested arrays around `inner`. */
const nest = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

describe('body checks (pure)', () => {
  it('nestedDeeperThan counts arrays and objects, not brackets inside strings', () => {
    expect(nestedDeeperThan(nest(64), 64)).toBe(false);
    expect(nestedDeeperThan(nest(65), 64)).toBe(true);
    expect(nestedDeeperThan(`{"a":${nest(63)}}`, 64)).toBe(false);
    expect(nestedDeeperThan(`{"a":${nest(64)}}`, 64)).toBe(true);
    expect(nestedDeeperThan(JSON.stringify({ s: '['.repeat(500) }), 64)).toBe(false);
    expect(nestedDeeperThan(JSON.stringify({ s: `\\"${'{'.repeat(200)}\\\\` }), 64)).toBe(false);
    expect(nestedDeeperThan(`["\\\\", ${nest(64)}]`, 64)).toBe(true);
    expect(nestedDeeperThan(`["\\"", ${nest(63)}]`, 64)).toBe(false);
  });

  it('nulAt walks without recursion and finds the path', () => {
    let deep: unknown = 'a\0b';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const path = nulAt(deep);
    expect(path).toHaveLength(200_000);
    expect(nulAt({ a: [1, { b: 'x', 'c\0': 1 }] })).toEqual(['a', 1, 'c\0']);
    expect(nulAt({ a: ['ok', { b: 'x\0' }] })).toEqual(['a', 1, 'b']);
    expect(nulAt({ a: ['ok'] })).toBeNull();
  });
});

describe('hostile bodies on a real socket', () => {
  let s: TestServer;
  let pipe: string;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
    pipe = await s.token('pipeline');
  });
  afterAll(() => s?.close());

  it(`nesting deeper than ${MAX_DEPTH} is a 400, fast, even 8 MB deep; a NUL deep inside too`, async () => {
    const cases = [
      nest(MAX_DEPTH + 1),
      `{"drafts": ${nest(4_000_000)}}`,
      `{"drafts": [${nest(60, '"a\\u0000b"')}]}`,
      `{"drafts": [${'{"a":'.repeat(100_000)}"\\u0000"${'}'.repeat(100_000)}]}`,
    ];
    for (const body of cases) {
      const t0 = performance.now();
      const r = await s.api('/v1/drafts', { token: pipe, body });
      const ms = performance.now() - t0;
      expect(r.status, body.slice(0, 40)).toBe(400);
      expect((await json<{ error: { code: string } }>(r)).error.code).toBe('invalid_input');
      // Includes sending and copying 8 MB over loopback (about 0.5 s on a loaded 2-core machine);
      // the check stops at the 65th bracket. Parsing it instead takes JSON.parse over 10 s.
      expect(ms, body.slice(0, 40)).toBeLessThan(3000);
    }
    // A NUL at depth 60 is found and named.
    const r = await s.api('/v1/drafts', { token: pipe, body: `{"drafts": [${nest(50, '"a\\u0000b"')}]}` });
    expect((await json<{ error: { message: string } }>(r)).error.message).toMatch(/NUL/);
    expect((await s.api('/v1/health')).status).toBe(200);
  });
});

describe.each(TEST_DBS)('idempotency and receive time on %s', (db) => {
  let s: TestApi;
  let pipe: string;
  let admin: string;
  let rev: string;
  beforeAll(async () => {
    s = await startTestApp(db);
    pipe = await s.token('pipeline');
    admin = await s.token('admin');
    rev = await s.token('reviewer');
  });
  afterAll(() => s?.close());

  it('a re-posted externalId with other content reports conflict: true and changes nothing', async () => {
    const original = draftIn();
    const [first] = await postDrafts(s, pipe, [original]);
    expect(first).not.toHaveProperty('conflict');
    // Identical: idempotent, no conflict (keys in another order are still identical).
    const reordered = Object.fromEntries(Object.entries(original).reverse()) as typeof original;
    const [same] = await postDrafts(s, pipe, [reordered]);
    expect(same).toEqual(first);
    const variants = [
      { ...original, content: { ...original.content, body: 'Another body' } },
      { ...original, confidence: 0.5 },
      { ...original, account: { ...original.account, tier: 'named', ownerId: 'x' } },
      { ...original, flags: ['pricing'] },
    ] as (typeof original)[];
    const results = await postDrafts(s, pipe, variants);
    for (const r of results) expect(r).toEqual({ ...first, conflict: true });
    // The stored draft is the original.
    const stored = await json(s.api(`/v1/drafts/${first!.id}`, { token: admin }));
    expect(stored).toMatchObject({ content: original.content, confidence: original.confidence });
    // Within one batch too: the second of two different drafts under one new id.
    const fresh = draftIn();
    const [a, b] = await postDrafts(s, pipe, [fresh, { ...fresh, confidence: 0.1 } as typeof fresh]);
    expect(b).toEqual({ ...(a as DraftResult), conflict: true });
  });

  it('decidedAt is kept in UTC as information; the export window uses the receive time', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn({ workflow: 'time-wf' })]);
    const before = new Date().toISOString();
    // A client clock a year behind, in another zone.
    const dec = decision(d!.id, { decidedAt: '2025-06-01T12:00:00+02:00' });
    expect((await postDecisions(s, rev, [dec]))[0]).toMatchObject({ status: 'applied' });
    const got = await json<{ decisions: Array<{ decidedAt: string; receivedAt: string }> }>(
      s.api(`/v1/drafts/${d!.id}`, { token: admin }),
    );
    expect(got.decisions[0]!.decidedAt).toBe('2025-06-01T10:00:00.000Z');
    expect(got.decisions[0]!.receivedAt >= before).toBe(true);
    const r = await s.api(`/v1/export/feedback.jsonl?workflow=time-wf&since=${encodeURIComponent(before)}`, {
      token: admin,
    });
    expect(r.status).toBe(200);
    const lines = (await r.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as FeedbackLine);
    expect(lines.map((l) => l.decisionId)).toEqual([dec.id]);
    expect(lines[0]).toMatchObject({ decidedAt: '2025-06-01T10:00:00.000Z', receivedAt: got.decisions[0]!.receivedAt });
  });
});
