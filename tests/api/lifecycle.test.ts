import { connect, type Socket } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../server/audit';
import { newRouter, type RouteModule } from '../../server/context';
import { startServer } from '../../server/main';
import { openStore } from '../../server/store';
import { MIGRATIONS } from '../../server/store/migrations';
import { createToken } from '../../server/tokens';
import { freshDatabase, TEST_DBS } from '../helpers/server';
import { draftIn } from './fixtures';

describe.each(TEST_DBS)('server lifecycle on %s', (db) => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    fresh = await freshDatabase(db);
  });
  afterAll(() => fresh?.drop());

  it('several instances starting at once migrate the same database once', async () => {
    // PostgreSQL: really at once (advisory lock). SQLite: better-sqlite3 is synchronous, so several
    // connections in one process would block each other's event loop; separate processes are
    // serialised by BEGIN IMMEDIATE. Here they open one after another.
    const stores =
      db === 'postgres'
        ? await Promise.all([1, 2, 3, 4].map(() => openStore(fresh.url)))
        : [await openStore(fresh.url), await openStore(fresh.url)];
    const rows = await stores[0]!.db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    const counters = await stores[0]!.db.selectFrom('counters').selectAll().execute();
    expect(counters).toHaveLength(1);
    // The audit log refuses updates and deletes at the database level too.
    await stores[0]!.write((trx) => appendAudit(trx, { actor: 't', action: 'test' }));
    await expect(stores[0]!.db.updateTable('audit_log').set({ actor: 'x' }).execute()).rejects.toThrow(/append-only/);
    await expect(stores[0]!.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    if (db === 'postgres') {
      // Migration 7: no deduplication in the two drafts indexes a decision's row version repeats.
      const { rows: indexes } = await sql<{ relname: string; reloptions: string[] | null }>`
        select relname, reloptions from pg_class where relname like 'drafts\_%' and relkind = 'i' order by relname`.execute(
        stores[0]!.db,
      );
      expect(indexes.filter((i) => i.reloptions?.includes('deduplicate_items=off')).map((i) => i.relname)).toEqual([
        'drafts_segment_created',
        'drafts_workflow_created',
      ]);
    }
    await Promise.all(stores.map((s) => s.close()));
  });

  it('logs one JSON line per request with a request id, never the token or the body; finishes in-flight requests on close', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = {
      info: (msg: string, f?: Record<string, unknown>) => lines.push({ level: 'info', msg, ...f }),
      warn: (msg: string, f?: Record<string, unknown>) => lines.push({ level: 'warn', msg, ...f }),
      error: (msg: string, f?: Record<string, unknown>) => lines.push({ level: 'error', msg, ...f }),
    };
    // A test-only route that holds its request open until released, so close() meets a request in flight.
    let started!: () => void;
    const inServer = new Promise<void>((r) => {
      started = r;
    });
    let release!: () => void;
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const slow: RouteModule = () => {
      const r = newRouter();
      r.post('/test/slow', async (c) => {
        started();
        await hold;
        return c.json({ ok: true });
      });
      return r;
    };
    const server = await startServer({
      port: 0,
      databaseUrl: fresh.url,
      logger,
      rateLimit: { limit: 10_000 },
      extraRoutes: [slow],
    });
    const { token } = await createToken(server.store, { user: 'p', role: 'pipeline' });
    const drafts = Array.from({ length: 300 }, () => draftIn({ rationale: 'SECRET-RATIONALE' }));
    const res = await fetch(`${server.url}/v1/drafts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'req-123' },
      body: JSON.stringify({ drafts }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect((await res.json()).results).toHaveLength(300);
    const inflight = fetch(`${server.url}/test/slow`, { method: 'POST' });
    await inServer;
    // Two connections with no request in flight, which Node counts as busy until the headers timeout
    // (66 s; a stop of the full test run once waited on such a one): one that never sent anything, one
    // whose request head is still arriving. The stop ends them and waits only for the real request.
    const raw = await Promise.all(
      ['', 'GET /v1/health HTTP/1.1\r\nHost: x\r\n'].map(
        (head) =>
          new Promise<Socket>((resolve) => {
            const s = connect(server.port, '127.0.0.1', () => {
              if (head) s.write(head);
              resolve(s);
            });
            s.on('error', () => {});
          }),
      ),
    );
    const ended = raw.map((s) => new Promise((r) => s.once('close', r)));
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    await Promise.all(ended);
    release();
    expect((await inflight).status).toBe(200);
    const late = new Promise((r) => setTimeout(() => r('still closing 5 s after the last response'), 5_000));
    expect(await Promise.race([closing.then(() => 'closed'), late])).toBe('closed');
    expect(closed).toBe(true);
    const req = lines.find((l) => l.msg === 'request');
    expect(req).toMatchObject({ reqId: 'req-123', method: 'POST', path: '/v1/drafts', status: 200, user: 'p' });
    const all = JSON.stringify(lines);
    expect(all).not.toContain(token);
    expect(all).not.toContain('SECRET-RATIONALE');
    // The database was closed cleanly and holds every draft.
    const again = await openStore(fresh.url);
    const n = await again.db
      .selectFrom('drafts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(300);
    await again.close();
  });
});
