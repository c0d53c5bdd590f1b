import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiRoute, routes } from '../../lib/shared/api/routes';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, postDrafts } from './fixtures';

/**
 * Property-based fuzzing of every POST/PUT route (issue 13, "no input breaks the server"): valid
 * bodies, valid bodies with one part replaced by something hostile, arbitrary JSON, and raw text
 * (deep nesting, NULs, lone surrogates, huge numbers, `__proto__`/`constructor` keys, truncated
 * JSON). Never a 5xx, every answer the contract's shape, and the server is healthy afterwards.
 * FUZZ_BODIES sets the number of bodies per database (default 10,500: 1,500 per route).
 */

const TOTAL = Number(process.env.FUZZ_BODIES) || 10_500;
const WRITE_ROUTES = Object.entries(routes as Record<string, ApiRoute>).filter(([, r]) => r.method !== 'get');

// Placeholders swapped in the JSON text for what JSON.stringify cannot write.
const RAW: Record<string, string> = {
  '"@@huge@@"': '1e400',
  '"@@neghuge@@"': '-1e400',
  '"@@bigint@@"': '123456789012345678901234567890123456789',
  '"@@tiny@@"': '5e-400',
  '"@@negzero@@"': '-0',
  '"@@proto@@"': '"__proto__"',
};
const rawText = (text: string) => text.replace(/"@@[a-z]+@@"/g, (m) => RAW[m] ?? m);

const nested = (depth: number, inner: unknown): unknown => {
  let v = inner;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    'x\ud83d',
    '\ud83dx\ude00',
    '@@huge@@',
    '@@neghuge@@',
    '@@bigint@@',
    '@@tiny@@',
    '@@negzero@@',
    '__proto__',
    'constructor',
    'prototype',
    "'; drop table drafts; --",
    '<img src=x onerror=alert(1)>',
    '2026-13-45T25:61:61Z',
    '9999-12-31T23:59:59.999+14:00',
    '0000-01-01T00:00:00Z',
    'x'.repeat(25_000),
  ),
);
const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308, 5e-324, -1, 0, 1, 2, 86_400_001),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);
const hostileKey = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('@@proto@@', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'a\u0000', '\ud800', ''),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileLeaf },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 80 }), hostileLeaf).map(([d, v]) => nested(d, v)) },
  { weight: 1, arbitrary: fc.array(hostileLeaf, { maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc.array(fc.tuple(hostileKey, hostileLeaf), { maxLength: 4 }).map((pairs) => Object.fromEntries(pairs)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

type Path = Array<string | number>;

/** Every path into a JSON value (objects and arrays), the root included. */
function pathsOf(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) pathsOf(x, [...prefix, i], out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

type Mutation = { pick: number; op: 'set' | 'delete' | 'addKey' | 'wrap' | 'repeat'; key: string; value: unknown };

/** `base` (a fresh valid body) with one mutation applied at one of its paths. */
function mutate(base: unknown, m: Mutation): unknown {
  const root = { v: base } as Record<string, unknown>;
  const paths = pathsOf(base).map((p) => ['v', ...p]);
  const path = paths[m.pick % paths.length]!;
  const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string, unknown>)[k as string], root) as
    | Record<string | number, unknown>
    | unknown[];
  const last = path.at(-1)!;
  const here = (parent as Record<string | number, unknown>)[last];
  switch (m.op) {
    case 'set':
      (parent as Record<string | number, unknown>)[last] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete (parent as Record<string, unknown>)[last];
      break;
    case 'addKey':
      if (here && typeof here === 'object' && !Array.isArray(here)) (here as Record<string, unknown>)[m.key] = m.value;
      else (parent as Record<string | number, unknown>)[last] = m.value;
      break;
    case 'wrap':
      (parent as Record<string | number, unknown>)[last] = nested(Math.abs(m.pick % 90) + 1, here);
      break;
    case 'repeat':
      if (Array.isArray(here)) here.push(...Array.from({ length: 600 }, () => structuredClone(here[0] ?? null)));
      else (parent as Record<string | number, unknown>)[last] = Array.from({ length: 3 }, () => here);
      break;
  }
  return root.v;
}

describe.each(TEST_DBS)('fuzzing every POST/PUT route on %s', (db) => {
  let s: TestApi;
  const tokens: Record<string, string> = {};
  let draftIds: string[] = [];

  beforeAll(async () => {
    s = await startTestApp(db);
    for (const role of ['admin', 'pipeline', 'reviewer'] as const) tokens[role] = await s.token(role);
    tokens.specialist = await s.token('specialist', { specialty: 'pricing' });
    draftIds = (
      await postDrafts(
        s,
        tokens.pipeline!,
        Array.from({ length: 40 }, (_, i) => draftIn({ confidence: i % 4 === 0 ? 0.4 : 0.85 })),
      )
    ).map((r) => r.id);
  });
  afterAll(() => s?.close());

  /** A valid body for each route, varied by `n`. */
  function validBody(name: string, n: number): unknown {
    const id = draftIds[n % draftIds.length]!;
    switch (name) {
      case 'postDrafts':
        return { drafts: [draftIn({ confidence: (n % 100) / 100 }), draftIn({ flags: ['pricing'] })] };
      case 'putWorkflow':
        return { level: 'review_exceptions', autoThreshold: 0.95, reviewThreshold: 0.6, canaryRate: (n % 5) / 10 };
      case 'decisions':
        return {
          decisions: [
            decision(id, { action: 'edit', content: { subject: 'S', body: 'B' }, reasons: ['tone'], dwellMs: n }),
            decision(draftIds[(n + 1) % draftIds.length]!, {
              action: (['approve', 'reject', 'escalate'] as const)[n % 3],
              reasons: ['other'],
            }),
          ],
        };
      case 'outcomes':
        return { outcomes: [{ draftId: id, correct: n % 2 === 0, source: 'qa', note: 'checked' }] };
      case 'acceptAutonomy':
        return { to: 'review_exceptions', autoThreshold: 0.97 };
      case 'plantCanaries':
        return { count: (n % 3) + 1 };
      default:
        return {};
    }
  }

  const bodyArb = (name: string) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.nat().map((n) => JSON.stringify(validBody(name, n))) },
      {
        weight: 5,
        arbitrary: fc
          .record({
            n: fc.nat(),
            pick: fc.nat(),
            op: fc.constantFrom('set', 'set', 'set', 'delete', 'addKey', 'wrap', 'repeat'),
            key: hostileKey,
            value: hostileValue,
          })
          .map(({ n, ...m }) => rawText(JSON.stringify(mutate(validBody(name, n), m as Mutation)) ?? 'null')),
      },
      { weight: 2, arbitrary: hostileValue.map((v) => rawText(JSON.stringify(v) ?? 'null')) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.nat().map((n) => JSON.stringify(validBody(name, n)).slice(0, n % 200)),
          fc.integer({ min: 50, max: 5000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
          fc.integer({ min: 50, max: 5000 }).map((d) => `{"a":${'{"b":'.repeat(d)}"\\u0000"${'}'.repeat(d)}}`),
          fc.constantFrom(
            '{"__proto__": {"admin": true}}',
            '{"constructor": {"prototype": {"x": 1}}}',
            '1e400',
            '"\\ud800"',
            '[1e400, -0, 5e-400]',
            '\ufeff{}',
            '',
            'null',
            'true',
          ),
        ),
      },
    );

  it(`${TOTAL} generated bodies: never a 5xx, always the contract's shape, the server stays healthy`, async () => {
    const perRoute = Math.ceil(TOTAL / WRITE_ROUTES.length);
    let sent = 0;
    let fiveXx = 0;
    let slowest = 0;
    const byStatus = new Map<number, number>();
    for (const [name, route] of WRITE_ROUTES) {
      // fc.check, not fc.assert: a counterexample can be megabytes of brackets; the report keeps the
      // first 2,000 characters of the failing assertion (which names the route, role and body start).
      const result = await fc.check(
        fc.asyncProperty(
          bodyArb(name),
          fc.constantFrom('admin', 'admin', 'admin', 'pipeline', 'reviewer', 'specialist'),
          fc.oneof(
            { weight: 5, arbitrary: fc.constant('outbound-email') },
            { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
          ),
          async (body, role, workflow) => {
            const path = route.path.replace('{workflow}', encodeURIComponent(workflow) || 'x');
            const t0 = performance.now();
            const r = await s.api(path, { method: route.method.toUpperCase(), token: tokens[role], body });
            slowest = Math.max(slowest, performance.now() - t0);
            const text = await r.text();
            sent++;
            byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
            if (r.status >= 500) fiveXx++;
            expect(r.status, `${name} ${role} ${body.slice(0, 300)} → ${text.slice(0, 300)}`).toBeLessThan(500);
            const parsed = JSON.parse(text) as { error?: { code: string; message: string } };
            if (r.status >= 400) expect(parsed.error?.code, text.slice(0, 200)).toEqual(expect.any(String));
          },
        ),
        { numRuns: perRoute, endOnFailure: true },
      );
      if (result.failed)
        throw new Error(
          `${name}: ${String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance).slice(0, 2000)}`,
        );
    }
    const statuses = [...byStatus.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    console.log(
      `[fuzz ${db}] ${sent} bodies over ${WRITE_ROUTES.length} POST/PUT routes (${WRITE_ROUTES.map(([n]) => n).join(', ')}): ` +
        `${fiveXx} 5xx; statuses ${statuses}; slowest answer ${slowest.toFixed(0)} ms`,
    );
    expect(sent).toBeGreaterThanOrEqual(TOTAL);
    expect(fiveXx).toBe(0);
    // Valid bodies were among them, and applied. About 1 in 19 answers is a 200 (valid body × a role
    // allowed × the real workflow, which fast-check's unseeded draws vary by ±10%): half of that is
    // a floor the run can only miss when valid bodies stop being applied.
    expect(byStatus.get(200) ?? 0).toBeGreaterThan(TOTAL / 40);
    // Healthy afterwards: health, a fresh draft, a decision on it.
    expect((await s.api('/v1/health')).status).toBe(200);
    const [d] = await postDrafts(s, tokens.pipeline!, [draftIn()]);
    const r = await s.api('/v1/decisions', { token: tokens.reviewer, body: { decisions: [decision(d!.id)] } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: Array<{ status: string }> }).results[0]!.status).toBe('applied');
  }, 900_000);
});
