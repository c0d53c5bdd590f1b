import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { sameServer, transportProblem } from '../../lib/shared/server-url';
import { connect, disconnect } from '../../lib/worker/connect';
import {
  getSettings,
  normaliseServerUrl,
  onSettingsChanged,
  type Settings,
  sameAccount,
} from '../../lib/worker/settings';

const me = { id: 'ana', name: 'Ana Lima', role: 'reviewer', specialties: [] };

function fakeFetch(respond: (url: string, init?: RequestInit) => Response | Promise<Response>): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => respond(String(input), init)) as typeof fetch;
}

beforeEach(() => {
  fakeBrowser.reset();
});

describe('normaliseServerUrl', () => {
  it('accepts http(s) URLs and trims trailing slashes, query and hash', () => {
    expect(normaliseServerUrl(' http://127.0.0.1:8787/ ')).toBe('http://127.0.0.1:8787');
    expect(normaliseServerUrl('https://cs.example.com/api//?x=1#y')).toBe('https://cs.example.com/api');
  });
  it('refuses what is not an http(s) URL or carries credentials', () => {
    for (const bad of ['', 'localhost:8787', 'ftp://x', 'javascript:alert(1)', 'http://u:p@host']) {
      expect(normaliseServerUrl(bad)).toBeNull();
    }
  });
});

describe('transport and spellings (issue 13 items 5 and 8)', () => {
  it('refuses plain HTTP except to this machine (localhost, 127.0.0.0/8, ::1)', () => {
    for (const ok of [
      'https://cs.example.com',
      'http://127.0.0.1:8787',
      'http://127.8.9.10',
      'http://localhost:8787',
      'http://LOCALHOST',
      'http://[::1]:8787',
    ]) {
      expect(transportProblem(normaliseServerUrl(ok)!), ok).toBeNull();
    }
    for (const bad of [
      'http://cs.example.com',
      'http://10.0.0.5:8787',
      'http://128.0.0.1',
      'http://127.0.0.1.evil.com',
      'http://[::2]',
    ]) {
      expect(transportProblem(normaliseServerUrl(bad)!), bad).toMatch(
        /Plain http:\/\/ is only allowed for a server on this computer/,
      );
    }
  });

  it('a pasted /v1 is dropped; one server under two spellings is recognised, another is not', () => {
    expect(normaliseServerUrl('http://127.0.0.1:8787/v1/')).toBe('http://127.0.0.1:8787');
    expect(sameServer('http://127.0.0.1:8787', 'http://localhost:8787/')).toBe(true);
    expect(sameServer('http://[::1]:8787', 'http://LOCALHOST:8787/v1')).toBe(true);
    expect(sameServer('https://CS.example.com:443/', 'https://cs.example.com')).toBe(true);
    expect(sameServer('http://127.0.0.1:8787', 'http://127.0.0.1:8788')).toBe(false);
    expect(sameServer('https://a.example.com', 'https://b.example.com')).toBe(false);
    expect(sameServer('https://a.example.com/x', 'https://a.example.com/y')).toBe(false);
    expect(sameAccount('http://127.0.0.1:8787|maya', 'http://localhost:8787|maya')).toBe(true);
    expect(sameAccount('http://127.0.0.1:8787|maya', 'http://localhost:8787|sam')).toBe(false);
  });

  it('connect refuses a plain-HTTP URL to another machine before sending the token', async () => {
    const never = vi.fn();
    const r = await connect('http://cs.example.com:8787', 'tok', { fetch: never as unknown as typeof fetch });
    expect(r).toMatchObject({ ok: false, field: 'url' });
    expect(never).not.toHaveBeenCalled();
  });
});

describe('connect', () => {
  it('stores the connection after GET /v1/me answers, with the bearer token', async () => {
    let auth: string | null = null;
    const changes: (Settings | null)[] = [];
    const stop = onSettingsChanged((s) => changes.push(s));
    const result = await connect('https://srv.test/', ' tok ', {
      fetch: fakeFetch((url, init) => {
        expect(url).toBe('https://srv.test/v1/me');
        auth = new Headers(init?.headers).get('authorization');
        return Response.json(me);
      }),
    });
    expect(result).toMatchObject({ ok: true, settings: { serverUrl: 'https://srv.test', token: 'tok', user: me } });
    expect(auth).toBe('Bearer tok');
    expect((await getSettings())?.user.name).toBe('Ana Lima');
    // storage.local is readable by content scripts: the token is kept out of it.
    expect(JSON.stringify(await fakeBrowser.storage.local.get(null))).not.toContain('"tok"');
    expect(JSON.stringify(await fakeBrowser.storage.local.get(null))).toContain('Ana Lima');
    expect(changes.at(-1)?.user.id).toBe('ana');
    await disconnect();
    expect(await getSettings()).toBeNull();
    expect(changes.at(-1)).toBeNull();
    stop();
  });

  it('says what is wrong: bad URL, unreachable, wrong token, not a Countersign server', async () => {
    const never = fakeFetch(() => {
      throw new Error('should not be called');
    });
    expect(await connect('srv.test', 'tok', { fetch: never })).toMatchObject({ ok: false, field: 'url' });
    expect(await connect('https://srv.test', '  ', { fetch: never })).toMatchObject({ ok: false, field: 'token' });

    const refused = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const r1 = await connect('https://srv.test', 'tok', { fetch: refused });
    expect(r1).toMatchObject({ ok: false, field: 'url' });
    expect(!r1.ok && r1.message).toContain('Could not reach');

    const wrong = fakeFetch(() =>
      Response.json({ error: { code: 'unauthorized', message: 'unknown token' } }, { status: 401 }),
    );
    const r2 = await connect('https://srv.test', 'tok', { fetch: wrong });
    expect(r2).toMatchObject({ ok: false, field: 'token' });
    expect(!r2.ok && r2.message).toContain('did not accept this access token');

    const other = fakeFetch(() => new Response('<html>hello</html>', { status: 200 }));
    const r3 = await connect('https://srv.test', 'tok', { fetch: other });
    expect(!r3.ok && r3.message).toContain('not like a Countersign server');

    const slow = fakeFetch(
      (_url, init) =>
        new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    );
    const r4 = await connect('https://srv.test', 'tok', { fetch: slow, timeoutMs: 50 });
    expect(r4).toMatchObject({ ok: false, field: 'url' });
    expect(await getSettings()).toBeNull();
  });
});
