import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';

// The request id and CORS headers are set before the response exists (server/app.ts); they must
// still be on every kind of response: success, error from a middleware, error from a handler,
// not found, preflight.

describe('response headers', () => {
  let s: TestServer;
  let reviewer: string;
  const origin = 'chrome-extension://abcdefghijklmnop';

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    reviewer = await s.token('reviewer');
  });
  afterAll(async () => {
    await s?.close();
  });

  const expectCors = (r: Response, allowed: boolean) => {
    expect(r.headers.get('access-control-allow-origin')).toBe(allowed ? origin : null);
    expect(r.headers.get('access-control-expose-headers')).toBe('Retry-After,X-Request-Id');
    expect(r.headers.get('vary')).toContain('Origin');
  };

  it('success, 401, 400, 404 and a preflight all carry the request id and the CORS headers', async () => {
    const cases: Array<[string, RequestInit, number]> = [
      ['/v1/me', { headers: { authorization: `Bearer ${reviewer}` } }, 200],
      ['/v1/me', {}, 401],
      [
        '/v1/decisions',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ decisions: [] }),
        },
        400,
      ],
      ['/v1/nope', { headers: { authorization: `Bearer ${reviewer}` } }, 404],
      ['/v1/health', {}, 200],
    ];
    for (const [path, init, status] of cases) {
      const r = await fetch(`${s.url}${path}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), origin, 'x-request-id': `req-${status}` },
      });
      expect(r.status, path).toBe(status);
      expect(r.headers.get('x-request-id'), path).toBe(`req-${status}`);
      expectCors(r, true);
      await r.arrayBuffer();
    }
    const pre = await fetch(`${s.url}/v1/decisions`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expectCors(pre, true);
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,OPTIONS');
    expect(pre.headers.get('access-control-max-age')).toBe('600');
    expect(pre.headers.get('x-request-id')).toBeTruthy();
  });

  it('a web page origin gets no Access-Control-Allow-Origin', async () => {
    const r = await fetch(`${s.url}/v1/health`, { headers: { origin: 'https://evil.example' } });
    expectCors(r, false);
  });
});
