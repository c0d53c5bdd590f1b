import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { connect, disconnect } from '../../lib/worker/connect';
import { getSettings, normaliseServerUrl, onSettingsChanged, type Settings } from '../../lib/worker/settings';

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

describe('connect', () => {
  it('stores the connection after GET /v1/me answers, with the bearer token', async () => {
    let auth: string | null = null;
    const changes: (Settings | null)[] = [];
    const stop = onSettingsChanged((s) => changes.push(s));
    const result = await connect('http://srv.test/', ' tok ', {
      fetch: fakeFetch((url, init) => {
        expect(url).toBe('http://srv.test/v1/me');
        auth = new Headers(init?.headers).get('authorization');
        return Response.json(me);
      }),
    });
    expect(result).toMatchObject({ ok: true, settings: { serverUrl: 'http://srv.test', token: 'tok', user: me } });
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
    expect(await connect('http://srv.test', '  ', { fetch: never })).toMatchObject({ ok: false, field: 'token' });

    const refused = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const r1 = await connect('http://srv.test', 'tok', { fetch: refused });
    expect(r1).toMatchObject({ ok: false, field: 'url' });
    expect(!r1.ok && r1.message).toContain('Could not reach');

    const wrong = fakeFetch(() =>
      Response.json({ error: { code: 'unauthorized', message: 'unknown token' } }, { status: 401 }),
    );
    const r2 = await connect('http://srv.test', 'tok', { fetch: wrong });
    expect(r2).toMatchObject({ ok: false, field: 'token' });
    expect(!r2.ok && r2.message).toContain('did not accept this access token');

    const other = fakeFetch(() => new Response('<html>hello</html>', { status: 200 }));
    const r3 = await connect('http://srv.test', 'tok', { fetch: other });
    expect(!r3.ok && r3.message).toContain('not like a Countersign server');

    const slow = fakeFetch(
      (_url, init) =>
        new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    );
    const r4 = await connect('http://srv.test', 'tok', { fetch: slow, timeoutMs: 50 });
    expect(r4).toMatchObject({ ok: false, field: 'url' });
    expect(await getSettings()).toBeNull();
  });
});
