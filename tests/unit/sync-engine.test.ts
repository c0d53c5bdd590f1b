import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../lib/shared/api-client';
import type { Decision } from '../../lib/shared/schema';
import { CountersignDb, countUnsynced, getMeta, listAttention, saveDecisionLocally } from '../../lib/worker/db';
import { makeDecision, makeDraft } from '../../lib/worker/db/testing';
import { createSyncEngine, type SyncEngineDeps } from '../../lib/worker/engine';
import type { Settings } from '../../lib/worker/settings';
import { accountKey } from '../../lib/worker/settings';

const settings: Settings = {
  serverUrl: 'http://srv.test',
  token: 'tok',
  user: { id: 'ana', name: 'Ana', role: 'reviewer', specialties: [] },
  connectedAt: '2026-11-21T12:00:00.000Z',
};
const ACCOUNT = accountKey(settings);

/** A tiny in-memory stand-in for the server's decisions and pull endpoints. */
class FakeServer {
  applied = new Map<string, Decision>();
  posts: number[] = [];
  drafts: { version: number; draft: unknown }[] = [];
  /** Responses to fail with, consumed in order before answering normally. */
  failures: (Response | 'network')[] = [];
  settledBy = new Map<string, string>();
  requests: string[] = [];
  /** Versions the caller may not see: they advance the cursor but are not in `changes`. */
  invisible = new Set<number>();

  fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    this.requests.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    const fail = this.failures.shift();
    if (fail === 'network') throw new TypeError('Failed to fetch');
    if (fail) return fail;
    if (url.pathname === '/v1/decisions') {
      const body = JSON.parse(String(init?.body)) as { decisions: Decision[] };
      this.posts.push(body.decisions.length);
      const results = body.decisions.map((d) => {
        if (this.applied.has(d.id)) return { id: d.id, status: 'duplicate' };
        const other = this.settledBy.get(d.draftId);
        if (other) return { id: d.id, status: 'conflict', decidedBy: other, draftStatus: 'approved' };
        if (d.draftId === 'gone') return { id: d.id, status: 'rejected', error: 'draft not visible to you' };
        this.applied.set(d.id, d);
        return { id: d.id, status: 'applied' };
      });
      return Response.json({ results });
    }
    if (url.pathname === '/v1/sync/pull') {
      const since = Number(url.searchParams.get('since') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const rest = this.drafts.filter((d) => d.version > since);
      const page = rest.slice(0, limit);
      const cursor = String(page.at(-1)?.version ?? since);
      return Response.json({
        changes: page
          .filter((d) => !this.invisible.has(d.version))
          .map((d) => ({ op: 'upsert', version: d.version, draft: d.draft })),
        cursor,
        hasMore: rest.length > page.length,
      });
    }
    return Response.json({ error: { code: 'not_found', message: 'nope' } }, { status: 404 });
  };
}

let db: CountersignDb;
let server: FakeServer;
let connected: Settings | null;
let retries: number[];

function engine(over: Partial<SyncEngineDeps> = {}) {
  return createSyncEngine({
    withDb: (fn) => fn(db),
    getSettings: async () => connected,
    makeClient: (s) => createApiClient({ baseUrl: s.serverUrl, token: s.token, fetch: server.fetch }),
    random: () => 0.5,
    scheduleRetry: (ms) => retries.push(ms),
    ...over,
  });
}

beforeEach(async () => {
  db = new CountersignDb(`sync-${crypto.randomUUID()}`);
  server = new FakeServer();
  connected = settings;
  retries = [];
});
afterEach(async () => {
  await db.delete();
});

async function queue(n: number, draftId = 'd1'): Promise<Decision[]> {
  const out: Decision[] = [];
  for (let i = 0; i < n; i++) {
    const d = makeDecision(draftId);
    await saveDecisionLocally(db, d, ACCOUNT);
    out.push(d);
  }
  return out;
}

describe('push', () => {
  it('sends the outbox in batches of at most 50 and marks everything done', async () => {
    const e = engine();
    await e.sync('manual'); // binds the snapshot to the account
    await queue(120);
    await e.sync('write');
    expect(server.posts).toEqual([50, 50, 20]);
    expect(server.applied.size).toBe(120);
    expect(await countUnsynced(db)).toBe(0);
    expect(await getMeta(db, 'lastSyncAt')).toBeTruthy();
  });

  it('resending after a lost answer creates nothing twice (duplicate → done)', async () => {
    const e = engine();
    const decisions = await queue(3);
    // The server applied them but the answer never arrived (worker stopped mid-push).
    for (const d of decisions) server.applied.set(d.id, d);
    await e.sync('write');
    expect(server.applied.size).toBe(3);
    expect(await countUnsynced(db)).toBe(0);
  });

  it('keeps decisions through network errors and 5xx, with backoff, and delivers them later', async () => {
    const e = engine();
    await queue(2);
    server.failures.push('network');
    await e.sync('write');
    expect(await countUnsynced(db)).toBe(2);
    expect((await e.status()).problem?.code).toBe('offline');
    expect(retries).toEqual([500]); // full jitter: 0.5 · 1 s
    // An alarm inside the backoff window does nothing.
    await e.sync('alarm');
    expect(server.requests).toHaveLength(1);
    server.failures.push(new Response('x', { status: 503 }));
    await e.sync('manual');
    expect(retries).toEqual([500, 1000]);
    expect((await e.status()).problem?.code).toBe('server_error');
    await e.sync('manual');
    expect(server.applied.size).toBe(2);
    expect(await countUnsynced(db)).toBe(0);
    expect((await e.status()).problem).toBeNull();
    expect(await getMeta(db, 'failures')).toBeUndefined();
  });

  it('honours Retry-After on 429', async () => {
    const e = engine();
    await queue(1);
    server.failures.push(new Response('{}', { status: 429, headers: { 'retry-after': '7' } }));
    await e.sync('write');
    expect(retries).toEqual([7000]);
  });

  it('pauses on 401 until the person connects again', async () => {
    const e = engine();
    await queue(1);
    server.failures.push(Response.json({ error: { code: 'unauthorized', message: 'bad token' } }, { status: 401 }));
    await e.sync('write');
    let status = await e.status();
    expect(status.paused).toBe(true);
    expect(status.problem?.message).toMatch(/connect again/);
    await e.sync('manual');
    expect(server.requests).toHaveLength(1); // paused: nothing sent
    await e.settingsChanged({ ...settings, token: 'new' });
    status = await e.status();
    expect(status.paused).toBe(false);
    expect(status.unsynced).toBe(0);
  });

  it('per-item results: conflict shows who decided, rejected needs attention', async () => {
    const e = engine();
    server.settledBy.set('d1', 'bob');
    await queue(1, 'd1');
    await queue(1, 'gone');
    await e.sync('write');
    const attention = await listAttention(db, ACCOUNT);
    expect(attention.map((a) => a.kind).sort()).toEqual(['conflict', 'rejected']);
    expect(attention.find((a) => a.kind === 'conflict')?.decidedBy).toBe('bob');
  });

  it('a batch the server refuses (400) is split until the bad decision is isolated', async () => {
    const e = engine();
    await queue(4);
    server.failures.push(
      Response.json({ error: { code: 'invalid_input', message: 'bad' } }, { status: 400 }),
      Response.json({ error: { code: 'invalid_input', message: 'bad' } }, { status: 400 }),
      Response.json({ error: { code: 'invalid_input', message: 'bad one' } }, { status: 400 }),
    );
    await e.sync('write');
    // [4] 400 → [2] 400 → [1] 400 (rejected) → [1] ok → [2] ok
    expect(server.applied.size).toBe(3);
    expect(await countUnsynced(db)).toBe(0);
    expect((await listAttention(db, ACCOUNT))[0]?.message).toContain('bad one');
  });

  it('a 400 without the contract error body (a proxy page), a 413 page, a 5xx or a network error mark nothing invalid: back off and retry', async () => {
    const e = engine();
    const decisions = await queue(3);
    const html = (status: number) =>
      new Response('<html><body><h1>Bad Request</h1>nginx</body></html>', {
        status,
        headers: { 'content-type': 'text/html' },
      });
    for (const fail of [html(400), html(413), html(502), 'network' as const, Response.json({}, { status: 400 })]) {
      server.failures.push(fail);
      await e.sync('write');
      expect(await countUnsynced(db)).toBe(3);
      expect(await listAttention(db, ACCOUNT)).toEqual([]);
      expect(await getMeta(db, 'nextRetryAt')).toBeTruthy();
    }
    expect(retries).toHaveLength(5);
    await e.sync('write');
    expect(server.applied.size).toBe(3);
    expect([...server.applied.keys()].sort()).toEqual(decisions.map((d) => d.id).sort());
    expect(await countUnsynced(db)).toBe(0);
  });

  it('a sync asked for while the lock is being released still runs', async () => {
    let release: (() => void) | undefined;
    const locks = {
      // A lock manager whose release takes a while (as navigator.locks does across a turn).
      request: (async (_name: string, fn: () => Promise<void>) => {
        await fn();
        await new Promise<void>((r) => {
          release = r;
        });
      }) as unknown as LockManager['request'],
    };
    const e = engine({ locks });
    const first = e.sync('manual');
    // Until the first run is over and the lock is being released (a fixed 50 ms was too short on a
    // cold database under load).
    while (!release) await new Promise((r) => setTimeout(r, 5));
    await queue(1);
    const second = e.sync('write'); // arrives after the run, before the lock is released
    const firstRelease = release;
    firstRelease();
    while (release === firstRelease) await new Promise((r) => setTimeout(r, 5));
    release();
    await Promise.all([first, second]);
    expect(server.applied.size).toBe(1);
  });

  it('runs one sync at a time; concurrent calls join it', async () => {
    const e = engine();
    await queue(3);
    await Promise.all([e.sync('write'), e.sync('write'), e.sync('open')]);
    expect(server.applied.size).toBe(3);
    expect(server.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1);
  });
});

describe('pull', () => {
  it('follows the cursor across pages and counts waiting drafts', async () => {
    server.drafts = Array.from({ length: 1200 }, (_, i) => ({ version: i + 1, draft: makeDraft(`d${i}`) }));
    const e = engine({ pullLimit: 500 });
    await e.sync('manual');
    expect(server.requests.filter((r) => r.includes('pull'))).toHaveLength(3);
    expect((await e.status()).waiting).toBe(1200);
    expect(await getMeta(db, 'cursor')).toBe('1200');
    server.drafts.push({ version: 1201, draft: makeDraft('new') });
    await e.sync('alarm');
    expect((await e.status()).waiting).toBe(1201);
  });

  it('keeps pulling while hasMore and the cursor advances, through pages with no visible change', async () => {
    server.drafts = Array.from({ length: 2000 }, (_, i) => ({ version: i + 1, draft: makeDraft(`d${i}`) }));
    // The first 1,500 changes are other people's: three whole pages with nothing for me.
    for (let v = 1; v <= 1500; v++) server.invisible.add(v);
    const e = engine({ pullLimit: 500 });
    await e.sync('manual');
    expect(server.requests.filter((r) => r.includes('pull'))).toHaveLength(4);
    expect(await getMeta(db, 'cursor')).toBe('2000');
    expect((await e.status()).waiting).toBe(500);
  });

  it('skips a malformed draft with a visible problem', async () => {
    server.drafts = [
      { version: 1, draft: makeDraft('ok') },
      { version: 2, draft: { id: 'broken', kind: 'email' } },
    ];
    const e = engine();
    await e.sync('manual');
    const status = await e.status();
    expect(status.waiting).toBe(1);
    expect(status.attention).toHaveLength(1);
    expect(status.attention[0]).toMatchObject({ kind: 'malformed_draft', draftId: 'broken' });
  });

  it('is not connected without settings and drops the snapshot on disconnect', async () => {
    server.drafts = [{ version: 1, draft: makeDraft('ok') }];
    const e = engine();
    await e.sync('manual');
    connected = null;
    await e.settingsChanged(null);
    const status = await e.status();
    expect(status).toMatchObject({ connected: false, waiting: 0, problem: { code: 'not_connected' } });
    expect(await db.drafts.count()).toBe(0);
  });
});
