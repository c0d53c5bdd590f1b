import { Hono, type MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../server/context';
import { errorHandler } from '../../server/errors';
import { jsonLogger, silentLogger } from '../../server/log';
import { authenticate, rateLimit } from '../../server/middleware/auth';
import { jsonBody } from '../../server/middleware/body';
import { cors } from '../../server/middleware/cors';
import { jsonRequests } from '../../server/middleware/json-requests';
import { requestLog } from '../../server/middleware/request-log';
import { openStore, type Store } from '../../server/store';
import { createToken } from '../../server/tokens';

// Each middleware on its own, in a bare Hono app with the server's error handler, through
// `app.request` (no socket). The whole chain is tested through the real server in the other files.

/** An app with `mw` in front of an echo route: the user id and the JSON body the route sees. */
function appWith(...mws: MiddlewareHandler<AppEnv>[]) {
  const app = new Hono<AppEnv>();
  for (const mw of mws) app.use('*', mw);
  app.all('*', async (c) => {
    const body = c.req.method === 'POST' ? await c.req.json<unknown>() : null;
    return c.json({ user: c.get('user')?.id ?? null, body });
  });
  app.onError(errorHandler(silentLogger));
  return app;
}

const post = (body: string, type = 'application/json') => ({
  method: 'POST',
  headers: { 'content-type': type },
  body,
});

describe('requestLog', () => {
  it('keeps a valid request id, replaces an unsafe one, and logs one line without the query', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = appWith(requestLog(jsonLogger((l) => lines.push(JSON.parse(l)))));
    const kept = await app.request('/v1/x?secret=1', { headers: { 'x-request-id': 'abc-1' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-1');
    for (const unsafe of ['a b"c', 'x'.repeat(101)]) {
      const replaced = await app.request('/v1/x', { headers: { 'x-request-id': unsafe } });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ msg: 'request', reqId: 'abc-1', method: 'GET', path: '/v1/x', status: 200 });
    expect(JSON.stringify(lines)).not.toContain('secret');
  });
});

describe('cors', () => {
  const app = appWith(cors(['https://admin.example']));

  it('echoes an extension origin or a configured one, and no other', async () => {
    for (const origin of ['chrome-extension://abcdef', 'moz-extension://1234-5678', 'https://admin.example']) {
      const r = await app.request('/v1/x', { headers: { origin } });
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      expect(r.headers.get('access-control-expose-headers')).toBe('Retry-After,X-Request-Id');
    }
    const evil = await app.request('/v1/x', { headers: { origin: 'https://evil.example' } });
    expect(evil.status).toBe(200);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight itself', async () => {
    const r = await app.request('/v1/x', { method: 'OPTIONS', headers: { origin: 'chrome-extension://abc' } });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,OPTIONS');
    expect(r.headers.get('access-control-allow-headers')).toContain('Authorization');
  });
});

describe('jsonRequests', () => {
  const app = appWith(jsonRequests());

  it('refuses a NUL in the URL, raw or escaped', async () => {
    const r = await app.request('/v1/x?q=a%00b');
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: { code: 'invalid_input', issues: [{ path: ['url'] }] } });
  });

  it('takes JSON and +json bodies only', async () => {
    expect((await app.request('/v1/x', post('{"a":1}'))).status).toBe(200);
    expect((await app.request('/v1/x', post('{"a":1}', 'application/merge-patch+json; charset=utf-8'))).status).toBe(
      200,
    );
    const form = await app.request('/v1/x', post('a=1', 'application/x-www-form-urlencoded'));
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });
});

describe('jsonBody', () => {
  const app = appWith(jsonBody(100));

  it('hands the parsed body to the route, without a byte order mark', async () => {
    const r = await app.request('/v1/x', post('\ufeff{"a":"b"}'));
    expect(await r.json()).toEqual({ user: null, body: { a: 'b' } });
  });

  it('refuses malformed JSON, a NUL in a string (with its path) and a body over the limit', async () => {
    const bad = await app.request('/v1/x', post('{"a":'));
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const nul = await app.request('/v1/x', post('{"a":[{"b":"x\\u0000"}]}'));
    expect(nul.status).toBe(400);
    expect(await nul.json()).toMatchObject({ error: { code: 'invalid_input', issues: [{ path: ['a', 0, 'b'] }] } });
    const big = await app.request('/v1/x', post(JSON.stringify({ a: 'x'.repeat(200) })));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });
});

describe('authenticate and rateLimit', () => {
  let store: Store;
  let token: string;
  let clock = 0;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    token = (await createToken(store, { user: 'ann', role: 'reviewer', actor: 'test' })).token;
  });
  afterAll(() => store?.close());
  const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

  it('sets the user for a known token, refuses others, and lets public paths through', async () => {
    const app = appWith(authenticate(store, { publicPaths: ['/v1/health'] }));
    expect(await (await app.request('/v1/x', bearer(token))).json()).toMatchObject({ user: 'ann' });
    for (const init of [{}, bearer('cs_unknown'), { headers: { authorization: token } }]) {
      const r = await app.request('/v1/x', init);
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect(await (await app.request('/v1/health')).json()).toMatchObject({ user: null });
  });

  it('allows `limit` requests per token and window, then 429 with Retry-After until the window ends', async () => {
    const app = appWith(
      authenticate(store, { publicPaths: ['/v1/health'] }),
      rateLimit({ limit: 2, windowMs: 10_000 }, () => clock),
    );
    expect((await app.request('/v1/x', bearer(token))).status).toBe(200);
    expect((await app.request('/v1/x', bearer(token))).status).toBe(200);
    clock = 2_500;
    const limited = await app.request('/v1/x', bearer(token));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('8');
    expect((await app.request('/v1/health')).status).toBe(200); // not counted, no token
    clock = 10_000;
    expect((await app.request('/v1/x', bearer(token))).status).toBe(200);
  });
});
