import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../lib/shared/schema';
import { silentLogger } from '../../server/log';
import { type RunningServer, startServer } from '../../server/main';
import { startWebhookWorker } from '../../server/service/webhooks/worker';
import { openStore } from '../../server/store';
import { createToken } from '../../server/tokens';
import { type Cluster, startCluster } from '../helpers/pg-cluster';
import { draftIn } from './fixtures';

/**
 * PostgreSQL stopped and started, then frozen and thawed, while reviewers push decisions (issue 13,
 * "nothing lost"): a throw-away cluster of its own, a real server on a socket, clients that retry
 * a batch with the same decision ids until it is answered (what the extension's sync engine does).
 * Afterwards every decision is stored and applied exactly once; while the database is away or does
 * not answer, every request gets 503 with Retry-After, quickly, and the server recovers by itself.
 *
 * Frozen: SIGSTOP on the postmaster and its backends. The kernel still accepts connections and the
 * open ones stay open; nothing answers. Without the stall guard (store/pg-guard.ts) requests wait
 * for the query timeout (statement timeout + 2 s) and the timed-out connections are handed out again.
 */

const PUSHERS = 6;
const DRAFTS_PER_PUSHER = 90;
const BATCH = 4;

type Fault = 'none' | 'fast' | 'immediate' | 'frozen';

interface Attempt {
  status: number | 'network';
  ms: number;
  /** The fault under way when the push was sent. */
  during: Fault;
}

describe('PostgreSQL stopped and started, frozen and thawed, during pushes', () => {
  let cluster: Cluster;
  let server: RunningServer;
  let pipe: string;
  let reviewers: string[];

  beforeAll(async () => {
    cluster = await startCluster();
    server = await startServer({
      port: 0,
      databaseUrl: cluster.url,
      logger: silentLogger,
      rateLimit: { limit: 1_000_000 },
      authFailures: { limit: 1_000_000 },
      pg: { connectTimeoutMs: 1_000 },
    });
    pipe = (await createToken(server.store, { user: 'pipe', role: 'pipeline', actor: 'test' })).token;
    reviewers = [];
    for (let i = 0; i < PUSHERS; i++)
      reviewers.push((await createToken(server.store, { user: `rev${i}`, role: 'reviewer', actor: 'test' })).token);
  }, 120_000);
  afterAll(async () => {
    await server?.close().catch(() => {});
    await cluster?.destroy();
  });

  const post = async (token: string, path: string, body: unknown): Promise<Response> =>
    fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('0 decisions lost, 0 duplicated; 503 with Retry-After within 2 s while it is down or frozen; recovers by itself', async () => {
    // The drafts, while the database is up.
    const ids: string[] = [];
    for (let i = 0; i < PUSHERS; i++) {
      const r = await post(pipe, '/v1/drafts', {
        drafts: Array.from({ length: DRAFTS_PER_PUSHER }, () => draftIn()),
      });
      expect(r.status).toBe(200);
      ids.push(...((await r.json()) as { results: Array<{ id: string }> }).results.map((x) => x.id));
    }

    // One decision per draft, made up front (the ids are the idempotency keys, as in the extension).
    const decisions: Decision[] = ids.map((draftId) => ({
      id: randomUUID(),
      draftId,
      action: 'approve',
      decidedAt: new Date().toISOString(),
    }));
    const finalStatus = new Map<string, string>();
    const attempts: Attempt[] = [];
    let unavailable = 0;
    let missingRetryAfter = 0;
    let pushing = true;
    let fault: Fault = 'none';

    // Each pusher sends its decisions in batches, one batch at a time, retrying a batch (same ids)
    // on anything but a 200: what the sync engine does with a 503 or a network error.
    const pusher = async (p: number) => {
      const mine = decisions.slice(p * DRAFTS_PER_PUSHER, (p + 1) * DRAFTS_PER_PUSHER);
      for (let i = 0; i < mine.length; i += BATCH) {
        const batch = mine.slice(i, i + BATCH);
        for (;;) {
          const t0 = performance.now();
          const during = fault;
          let status: number | 'network';
          let body: { results?: Array<{ id: string; status: string }> } = {};
          try {
            const r = await post(reviewers[p]!, '/v1/decisions', { decisions: batch });
            status = r.status;
            if (r.status === 503) {
              unavailable++;
              if (!r.headers.get('retry-after')) missingRetryAfter++;
            }
            body = (await r.json()) as typeof body;
          } catch {
            status = 'network';
          }
          attempts.push({ status, ms: performance.now() - t0, during });
          if (status === 200) {
            for (const res of body.results ?? []) finalStatus.set(res.id, res.status);
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 120));
      }
    };

    // While they push: stop the database twice (a clean fast stop, then a crash-like immediate
    // one), then freeze it; measure how long a request takes to be refused, start (thaw) it again,
    // and measure how long until requests work again.
    const probe = async () => {
      const t0 = performance.now();
      try {
        const r = await fetch(`${server.url}/v1/queue`, { headers: { authorization: `Bearer ${reviewers[0]}` } });
        await r.arrayBuffer();
        return { status: r.status, retryAfter: r.headers.get('retry-after'), ms: performance.now() - t0 };
      } catch {
        return { status: 0, retryAfter: null, ms: performance.now() - t0 };
      }
    };
    const cycles: Array<{ mode: string; timeTo503: number; slowest503: number; recovery: number }> = [];
    const faults = async () => {
      for (const mode of ['fast', 'immediate', 'frozen'] as const) {
        await new Promise((r) => setTimeout(r, 700));
        if (mode === 'frozen') await cluster.freeze();
        else await cluster.stop(mode);
        fault = mode;
        const stopped = performance.now();
        let first: number | null = null;
        let slowest = 0;
        // Down for 2 s (frozen: 2.5 s): every probe must be a 503 with Retry-After.
        while (performance.now() - stopped < (mode === 'frozen' ? 2_500 : 2_000)) {
          const r = await probe();
          expect(r.status, 'while the database is down').toBe(503);
          expect(r.retryAfter).toMatch(/^\d+$/);
          first ??= performance.now() - stopped;
          slowest = Math.max(slowest, r.ms);
          await new Promise((res) => setTimeout(res, 50));
        }
        if (mode === 'frozen') await cluster.thaw();
        else await cluster.start();
        fault = 'none';
        const started = performance.now();
        for (;;) {
          const r = await probe();
          if (r.status === 200) break;
          expect(performance.now() - started, 'recovers by itself').toBeLessThan(15_000);
          await new Promise((res) => setTimeout(res, 50));
        }
        cycles.push({ mode, timeTo503: first!, slowest503: slowest, recovery: performance.now() - started });
      }
    };

    const faulting = faults();
    await Promise.all(Array.from({ length: PUSHERS }, (_, p) => pusher(p)));
    pushing = false;
    await faulting;
    expect(pushing).toBe(false);

    // Every decision answered applied (first time through) or duplicate (a retry of a batch whose
    // commit happened but whose answer was lost when the database went away).
    const answered = [...finalStatus.values()];
    expect(answered.length).toBe(decisions.length);
    expect(answered.filter((s) => s !== 'applied' && s !== 'duplicate')).toEqual([]);

    // What the database holds: each decision once, each draft approved once.
    const db = server.store.db;
    const stored = await db
      .selectFrom('decisions')
      .select(['id', 'draft_id', 'status'])
      .where('user_id', 'like', 'rev%')
      .execute();
    const storedIds = new Set(stored.filter((d) => d.status === 'applied').map((d) => d.id));
    const lost = decisions.filter((d) => !storedIds.has(d.id)).length;
    const perDraft = new Map<string, number>();
    for (const d of stored) if (d.status === 'applied') perDraft.set(d.draft_id, (perDraft.get(d.draft_id) ?? 0) + 1);
    const audits = await db
      .selectFrom('audit_log')
      .select(['draft_id'])
      .where('action', '=', 'decision.approve')
      .execute();
    const auditPerDraft = new Map<string, number>();
    for (const a of audits) auditPerDraft.set(a.draft_id!, (auditPerDraft.get(a.draft_id!) ?? 0) + 1);
    const duplicated =
      [...perDraft.values()].filter((n) => n > 1).length + [...auditPerDraft.values()].filter((n) => n > 1).length;
    const approved = await db
      .selectFrom('drafts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow();

    const during = attempts.filter((a) => a.status !== 200);
    console.log(
      `[pg-fault] ${decisions.length} decisions in ${attempts.length} pushes (${during.length} refused while the database was away: ` +
        `${unavailable} × 503, ${during.filter((a) => a.status === 'network').length} × network error, ` +
        `${during.filter((a) => a.status !== 503 && a.status !== 'network').length} × other); ` +
        `lost ${lost}, duplicated ${duplicated}; ` +
        cycles
          .map(
            (c) =>
              `${c.mode}: first 503 ${c.timeTo503.toFixed(0)} ms after the stop, slowest 503 answer ${c.slowest503.toFixed(0)} ms, ` +
              `working again ${c.recovery.toFixed(0)} ms after the ${c.mode === 'frozen' ? 'thaw' : 'start'}`,
          )
          .join('; ') +
        `; slowest refused push ${Math.max(0, ...during.map((a) => a.ms)).toFixed(0)} ms`,
    );
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(Number(approved.n)).toBe(decisions.length);
    expect(missingRetryAfter).toBe(0);
    // Only 503s while it was away: never a 500, never a hang.
    expect(during.filter((a) => a.status !== 503)).toEqual([]);
    expect(unavailable).toBeGreaterThan(0);
    expect(cycles).toHaveLength(3);
    // Pushes were under way while it was frozen, and were refused, not held.
    expect(during.filter((a) => a.during === 'frozen' && a.status === 503).length).toBeGreaterThan(0);
    for (const c of cycles) {
      expect(c.timeTo503).toBeLessThan(2_000);
      expect(c.slowest503).toBeLessThan(2_000);
    }
    expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(2_000);
  }, 180_000);
});

describe('stopping while the database is away', () => {
  it('a server whose database is frozen stops within seconds (nothing waits on it for an answer)', async () => {
    const cluster = await startCluster();
    try {
      const server = await startServer({
        port: 0,
        databaseUrl: cluster.url,
        logger: silentLogger,
        pg: { connectTimeoutMs: 1_000 },
      });
      // Everything that holds a session of its own is up: the change feed, the timers' lock.
      await server.store.changes.ready();
      await expect.poll(() => server.timers?.leader, { timeout: 10_000 }).toBe(true);
      await cluster.freeze();
      const t0 = performance.now();
      await server.close();
      const ms = performance.now() - t0;
      console.log(`[pg-fault] server stopped in ${ms.toFixed(0)} ms with its database frozen`);
      // Before: Terminate sent to the timers' and the feed's sessions, then a wait for the socket
      // to close that never came.
      expect(ms).toBeLessThan(10_000);
    } finally {
      await cluster.destroy();
    }
  }, 60_000);

  it('a webhook worker that never saw its database answer still stops at once', async () => {
    const cluster = await startCluster();
    const store = await openStore(cluster.url, { pg: { connectTimeoutMs: 1_000 } });
    try {
      await cluster.stop();
      // Its change feed cannot connect: before, the loop waited for it before anything else, and
      // stop() waited for the loop.
      const worker = startWebhookWorker(store, { idlePollMs: 200 });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      await worker.stop();
      expect(performance.now() - t0).toBeLessThan(1_000);
    } finally {
      await store.close();
      await cluster.destroy();
    }
  }, 60_000);
});
