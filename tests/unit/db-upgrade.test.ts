import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import {
  CountersignDb,
  countUnsynced,
  countWaiting,
  defineVersion1,
  getMeta,
  pendingBatch,
  resetDb,
  saveDecisionLocally,
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
    expect(db.verno).toBeGreaterThanOrEqual(2); // later versions (v3: pageReports) open it too
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
