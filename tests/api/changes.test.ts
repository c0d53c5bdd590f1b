import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../server/store';
import { nextChange, pgChangeFeed } from '../../server/store/changes';
import { freshDatabase, TEST_DBS } from '../helpers/server';

/** A write that changes nothing but the version counter, as a draft write does. */
const bump = (store: Store) =>
  store.write(async (_trx, versions) => {
    versions.next();
  });

describe.each(TEST_DBS)('change feed on %s', (db) => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    fresh = await freshDatabase(db);
    a = await openStore(fresh.url);
    b = await openStore(fresh.url);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fresh?.drop();
  });

  it('reports each commit once it committed, with the new version', async () => {
    await a.changes.ready();
    const seen: number[] = [];
    const off = a.changes.subscribe((v) => seen.push(v));
    const before = a.changes.version;
    await bump(a);
    const v = await nextChange(a.changes, before, 2_000);
    expect(v).toBe(before + 1);
    expect(seen.at(-1)).toBe(before + 1);
    off();
  });

  it('a rolled-back write reports nothing', async () => {
    await a.changes.ready();
    const before = a.changes.version;
    await expect(
      a.write(async (_trx, versions) => {
        versions.next();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await nextChange(a.changes, before, 300)).toBeNull();
  });

  it('nextChange answers at once for a version already passed, and on abort', async () => {
    await a.changes.ready();
    const now = a.changes.version;
    expect(await nextChange(a.changes, now - 1, 10)).toBe(now);
    const ac = new AbortController();
    const waiting = nextChange(a.changes, now, 10_000, ac.signal);
    ac.abort();
    expect(await waiting).toBeNull();
  });

  it(`another instance's commit reaches this one within a second${db === 'sqlite' ? ' (by the poll)' : ''}`, async () => {
    await a.changes.ready();
    const before = a.changes.version;
    const started = performance.now();
    const got = nextChange(a.changes, before, 3_000);
    await bump(b);
    expect(await got).toBe(before + 1);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it.runIf(db === 'postgres')('a lost LISTEN connection comes back and reports what it missed', async () => {
    const states: string[] = [];
    const feed = pgChangeFeed(fresh.url, { backoffMs: 50, onState: (s) => states.push(s) });
    try {
      await feed.ready();
      const before = feed.version;
      // Kill the listening session from outside, as a restart or an administrator would.
      const admin = new pg.Client({ connectionString: fresh.url });
      await admin.connect();
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'select value from counters%' and pid <> pg_backend_pid()",
      );
      await admin.end();
      await expect.poll(() => states.includes('lost'), { timeout: 2_000 }).toBe(true);
      // A commit while it may still be away: reported after it listens again.
      await bump(a);
      expect(await nextChange(feed, before, 5_000)).toBe(before + 1);
      await expect.poll(() => states.filter((s) => s === 'listening').length, { timeout: 5_000 }).toBe(2);
      await bump(b);
      expect(await nextChange(feed, before + 1, 2_000)).toBe(before + 2);
    } finally {
      await feed.close();
    }
  });

  it.runIf(db === 'postgres')('the trigger notifies from any writer, once per commit', async () => {
    const listener = new pg.Client({ connectionString: fresh.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (m) => payloads.push(m.payload ?? ''));
    await listener.query('listen countersign_changes');
    // A writer outside the store (the CLI, psql): one transaction moving the counter twice.
    await a.db.transaction().execute(async (trx) => {
      await sql`update counters set value = value + 1 where name = 'version'`.execute(trx);
      await sql`update counters set value = value + 1 where name = 'version'`.execute(trx);
    });
    await expect.poll(() => payloads.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(1);
    const last = Number(payloads.at(-1));
    expect(last).toBe(Number((await a.db.selectFrom('counters').select('value').executeTakeFirstOrThrow()).value));
    await listener.end();
  });
});
