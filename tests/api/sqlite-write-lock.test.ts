import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../server/audit';
import { openStore, type Store, type StoreOptions } from '../../server/store';

/**
 * A write while another connection holds SQLite's write lock (the checkpointer restarting the WAL,
 * the CLI creating a token): it waits without stopping the event loop, lets reads through, and
 * goes ahead once the lock is free.
 */
describe('SQLite write transactions waiting for the write lock', () => {
  let dir: string;
  let store: Store | undefined;
  let other: BetterSqlite3.Database | undefined;
  afterEach(async () => {
    other?.close();
    other = undefined;
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh store while another connection holds the database's write lock, and a way to let go of it. */
  const lockedStore = async (opts: StoreOptions = {}) => {
    dir = mkdtempSync(join(tmpdir(), 'cs-lock-'));
    const path = join(dir, 'db.sqlite');
    const s = await openStore(`sqlite:${path}`, opts);
    store = s;
    const holder = new BetterSqlite3(path);
    other = holder;
    holder.prepare('begin immediate').run();
    return { s, release: () => holder.prepare('rollback').run() };
  };
  const auditCount = (s: Store) =>
    s.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'lock.test')
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));

  it('waits off the event loop while another connection writes, with reads going on, then commits', async () => {
    const { s, release } = await lockedStore();
    const started = performance.now();
    let committedAt = 0;
    const writing = s
      .write((trx) => appendAudit(trx, { actor: 'test', action: 'lock.test' }))
      .then(() => {
        committedAt = performance.now();
      });
    // While the write waits: timers fire on time and reads through the same store answer.
    const ticks: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 10));
      ticks.push(performance.now() - t);
    }
    expect(await auditCount(s)).toBe(0);
    expect(committedAt).toBe(0);
    // SQLite's own busy wait would have held the thread until the lock came free (or 5 s).
    expect(Math.max(...ticks)).toBeLessThan(100);

    release();
    await writing;
    expect(committedAt - started).toBeGreaterThanOrEqual(100);
    expect(await auditCount(s)).toBe(1);
  });

  it('several writes waiting at once all commit, in the order they were asked for', async () => {
    const { s, release } = await lockedStore();
    const writes = Array.from({ length: 5 }, (_, i) =>
      s.write((trx) => appendAudit(trx, { actor: `writer-${i}`, action: 'lock.test' })),
    );
    await new Promise((r) => setTimeout(r, 50));
    release();
    await Promise.all(writes);
    const actors = await s.db
      .selectFrom('audit_log')
      .select('actor')
      .where('action', '=', 'lock.test')
      .orderBy('id')
      .execute();
    expect(actors.map((a) => a.actor)).toEqual(['writer-0', 'writer-1', 'writer-2', 'writer-3', 'writer-4']);
  });

  it('gives up after the busy timeout with SQLITE_BUSY, writes nothing, and the next write goes through', async () => {
    const { s, release } = await lockedStore({ busyTimeoutMs: 150 });
    const started = performance.now();
    await expect(s.write((trx) => appendAudit(trx, { actor: 'test', action: 'lock.test' }))).rejects.toMatchObject({
      code: 'SQLITE_BUSY',
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    release();
    expect(await auditCount(s)).toBe(0);
    await s.write((trx) => appendAudit(trx, { actor: 'test', action: 'lock.test' }));
    expect(await auditCount(s)).toBe(1);
  });
});
