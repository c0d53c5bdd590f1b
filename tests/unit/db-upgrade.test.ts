import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import {
  CountersignDb,
  countUnsynced,
  countWaiting,
  defineVersion1,
  defineVersion2,
  getMeta,
  nextHeldAt,
  pendingBatch,
  resetDb,
  saveDecisionLocally,
  unsentElsewhere,
  withDb,
} from '../../lib/worker/db';
import { makeDecision, makeDraft } from '../../lib/worker/db/testing';

describe('schema upgrades', () => {
  it('v1 → v2: opens a v1 database with data and keeps every draft and decision', async () => {
    const name = `upgrade-${crypto.randomUUID()}`;
    // The v1 database exactly as v1 wrote it.
    const v1 = new Dexie(name);
    defineVersion1(v1);
    await v1.open();
    const d1 = makeDecision('d1', { decidedAt: '2026-11-21T10:00:00.000Z' });
    const d2 = makeDecision('d2', { decidedAt: '2026-11-21T10:00:01.000Z' });
    await v1.table('drafts').bulkPut([
      { id: 'd1', version: 1, draft: makeDraft('d1'), decidedLocally: d1.id },
      { id: 'd2', version: 2, draft: makeDraft('d2'), decidedLocally: d2.id },
      { id: 'd3', version: 3, draft: makeDraft('d3') },
      { id: 'd4', version: 4, draft: makeDraft('d4', { status: 'approved' }) },
    ]);
    await v1.table('outbox').bulkPut([
      { id: d2.id, account: 'a', decision: d2, state: 'pending', createdAt: '2026-11-21T10:00:01.000Z' },
      { id: d1.id, account: 'a', decision: d1, state: 'pending', createdAt: '2026-11-21T10:00:00.000Z' },
    ]);
    await v1.table('meta').put({ key: 'cursor', value: 'c9' });
    v1.close();

    const db = new CountersignDb(name);
    await db.open();
    expect(db.verno).toBe(4);
    expect(await countWaiting(db)).toBe(1); // only d3: d1/d2 decided here, d4 settled
    expect(await countUnsynced(db)).toBe(2);
    // Save order survives as seq, oldest first.
    expect((await pendingBatch(db, 'a', 50)).map((r) => r.id)).toEqual([d1.id, d2.id]);
    expect(await getMeta(db, 'cursor')).toBe('c9');
    // New decisions continue the sequence after the upgraded ones.
    const d3 = makeDecision('d3');
    await saveDecisionLocally(db, d3, 'a');
    expect((await pendingBatch(db, 'a', 50)).map((r) => r.id)).toEqual([d1.id, d2.id, d3.id]);
    await db.delete();
  });
});

describe('schema upgrade v2 → v3', () => {
  it('opens a v2 database with data: every decision kept, none held, their accounts named', async () => {
    const name = `upgrade3-${crypto.randomUUID()}`;
    const v2 = new Dexie(name);
    defineVersion1(v2);
    defineVersion2(v2);
    await v2.open();
    const mine = makeDecision('d1');
    const maya = makeDecision('d2');
    const row = (d: ReturnType<typeof makeDecision>, account: string, seq: number) => ({
      id: d.id,
      seq,
      draftId: d.draftId,
      account,
      decision: d,
      state: 'pending',
      createdAt: '2026-11-21T10:00:00.000Z',
      attempts: 1,
      result: null,
      settledAt: null,
      dismissed: false,
    });
    await v2
      .table('outbox')
      .bulkPut([row(mine, 'http://127.0.0.1:8787|sam', 1), row(maya, 'http://127.0.0.1:8787|maya', 2)]);
    await v2
      .table('drafts')
      .put({ id: 'd1', version: 1, draft: makeDraft('d1'), waiting: 0, localDecisionId: mine.id });
    await v2.table('meta').put({ key: 'seq', value: 2 });
    v2.close();

    const db = new CountersignDb(name);
    await db.open();
    expect(db.verno).toBe(4); // v4 (pageReports) on top, empty
    expect(await db.pageReports.count()).toBe(0);
    expect(await countUnsynced(db)).toBe(2);
    // Nothing from v2 is held: both go out with the next push of their account.
    expect((await pendingBatch(db, 'http://127.0.0.1:8787|sam', 50)).map((r) => r.id)).toEqual([mine.id]);
    expect(await nextHeldAt(db, 'http://127.0.0.1:8787|sam')).toBeNull();
    expect(await unsentElsewhere(db, 'http://127.0.0.1:8787|sam')).toEqual([
      {
        account: 'http://127.0.0.1:8787|maya',
        serverUrl: 'http://127.0.0.1:8787',
        userId: 'maya',
        userName: 'maya',
        count: 1,
      },
    ]);
    // And the new field works on the upgraded database: a held decision waits for its time.
    const held = makeDecision('d3');
    const now = new Date();
    await saveDecisionLocally(db, held, 'http://127.0.0.1:8787|sam', now, new Date(now.getTime() + 15_000));
    expect((await pendingBatch(db, 'http://127.0.0.1:8787|sam', 50, now)).map((r) => r.id)).toEqual([mine.id]);
    expect((await nextHeldAt(db, 'http://127.0.0.1:8787|sam', now))?.getTime()).toBe(now.getTime() + 15_000);
    await db.delete();
  });
});

describe('withDb', () => {
  it('reopens the database after DatabaseClosedError', async () => {
    const name = `reopen-${crypto.randomUUID()}`;
    resetDb();
    await withDb(async (db) => saveDecisionLocally(db, makeDecision('d1'), 'a'), name);
    // Simulate the handle a stopped-and-woken worker may be left with.
    await withDb(async (db) => db.close(), name);
    const count = await withDb((db) => db.outbox.count(), name);
    expect(count).toBe(1);
    await withDb((db) => db.delete(), name);
    resetDb();
  });
});
