import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../../server/audit';
import { openStore, type Store } from '../../server/store';
import { BACKSTOP_PAGES, startCheckpointer } from '../../server/store/checkpointer';

/**
 * SQLite checkpoints on the checkpointer thread (server/store/checkpointer.ts): the test copies
 * only the main database file, without its `-wal`, and opens the copy. What a checkpoint has
 * copied back is in it; what is only in the WAL is not.
 */
describe('SQLite WAL checkpoints on a worker thread', () => {
  let dir: string;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const auditRowsInMainFile = (path: string) => {
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    const db = new BetterSqlite3(copy);
    try {
      // Before the first checkpoint not even the schema is in the main file.
      if (!db.prepare("select 1 from sqlite_master where name = 'audit_log'").get()) return 0;
      return (db.prepare("select count(*) as n from audit_log where action = 'checkpoint.test'").get() as { n: number })
        .n;
    } finally {
      db.close();
    }
  };
  // The request connection's own automatic checkpoint threshold (pages).
  const autocheckpoint = (s: Store) =>
    s.write(async () => s.sqlite?.get<{ wal_autocheckpoint: number }>('pragma wal_autocheckpoint')?.wal_autocheckpoint);
  const write = async (s: Store, n: number) => {
    for (let i = 0; i < n; i++) await s.write((trx) => appendAudit(trx, { actor: 'test', action: 'checkpoint.test' }));
  };

  it('copies committed pages into the database file without a commit doing it, and stops on close', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-ckpt-'));
    const path = join(dir, 'db.sqlite');
    store = await openStore(`sqlite:${path}`, { backgroundCheckpoints: true });
    // The request connection checkpoints only as a backstop.
    expect(await autocheckpoint(store)).toBe(BACKSTOP_PAGES);
    await write(store, 20);
    // Twenty small commits are far below any automatic checkpoint: only the thread copies them.
    await expect.poll(() => auditRowsInMainFile(path), { timeout: 5000, interval: 100 }).toBe(20);
    await store.close();
    store = undefined;
    // Closed cleanly: the last connection removed the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('without it (one-shot commands), small commits stay in the WAL until a commit checkpoints', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-ckpt-'));
    const path = join(dir, 'db.sqlite');
    store = await openStore(`sqlite:${path}`);
    await write(store, 20);
    await new Promise((r) => setTimeout(r, 600));
    expect(auditRowsInMainFile(path)).toBe(0);
    // SQLite's default: the committing connection checkpoints every 1,000 pages.
    expect(await autocheckpoint(store)).toBe(1000);
  });

  it('reports a thread that cannot open the database (the store then checkpoints in commits again)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-ckpt-'));
    const errors: string[] = [];
    const c = startCheckpointer(join(dir, 'missing.db'), { onError: (e) => errors.push(e) });
    await expect.poll(() => errors.length, { timeout: 5000 }).toBe(1);
    expect(errors[0]).toMatch(/unable to open|does not exist/i);
    await c.stop();
  });

  it('a process with nothing else to do still closes its database before it ends', () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-ckpt-'));
    const path = join(dir, 'db.sqlite');
    const store = new URL('../../server/store/index.ts', import.meta.url).pathname;
    const script = `
      const { openStore } = await import(${JSON.stringify(store)});
      const s = await openStore(${JSON.stringify(`sqlite:${path}`)}, { backgroundCheckpoints: true });
      await s.write(async (trx) => { await trx.insertInto('audit_log').values({ at: 'now', actor: 't', action: 'checkpoint.test', reasons_json: '[]' }).execute(); });
      await s.close();
      console.log('closed');`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('closed');
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(auditRowsInMainFile(path)).toBe(1);
  });

  it('under steady writes the WAL starts over past its restart size instead of growing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-ckpt-'));
    const walAfterSteadyWrites = async (restartPages: number) => {
      const path = join(dir, `steady-${restartPages}.db`);
      const s = await openStore(`sqlite:${path}`, { backgroundCheckpoints: { intervalMs: 10, restartPages } });
      try {
        // ~1.5 s of commits a few pages each, in bursts with a moment between them, as requests
        // come in. (Commits with no gap at all starve the restart; the backstop then bounds the WAL.)
        const until = Date.now() + 1500;
        while (Date.now() < until) {
          await write(s, 10);
          await new Promise((r) => setTimeout(r, 1));
        }
        return statSync(`${path}-wal`).size;
      } finally {
        await s.close();
      }
    };
    const bounded = await walAfterSteadyWrites(64);
    const unbounded = await walAfterSteadyWrites(1_000_000);
    // With restarts the file stays a fraction of what the same writes leave without them.
    expect(bounded).toBeLessThan(unbounded / 3);
  });
});
