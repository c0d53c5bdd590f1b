import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { priorityReason, sortQueue } from '../../lib/shared/policy/priority';
import {
  applyPull,
  applyPushResults,
  CountersignDb,
  countUnsynced,
  countWaiting,
  fullItem,
  getMeta,
  listAttention,
  listQueue,
  listQueueHeads,
  pendingBatch,
  pruneOutbox,
  saveDecisionLocally,
  useAccount,
} from '../../lib/worker/db';
import { makeDecision, makeDraft } from '../../lib/worker/db/testing';

const ACCOUNT = 'http://srv|ana';
let db: CountersignDb;

beforeEach(async () => {
  db = new CountersignDb(`test-${crypto.randomUUID()}`);
  await db.open();
  await useAccount(db, ACCOUNT);
});
afterEach(async () => {
  await db.delete();
});

function upserts(...drafts: unknown[]) {
  return drafts.map((draft, i) => ({ op: 'upsert' as const, version: i + 1, draft }));
}

describe('pull', () => {
  it('writes the rows and the cursor together and counts waiting drafts', async () => {
    await applyPull(db, {
      changes: upserts(makeDraft('d1'), makeDraft('d2'), makeDraft('d3', { status: 'approved' })),
      cursor: 'c1',
      hasMore: false,
    });
    expect(await countWaiting(db)).toBe(2);
    expect(await getMeta(db, 'cursor')).toBe('c1');
    expect((await listQueue(db)).map((i) => i.draft.id)).toEqual(['d1', 'd2', 'd3']);
  });

  it('skips a malformed draft with a visible problem and keeps the rest of the page', async () => {
    const bad = { ...makeDraft('bad'), confidence: 'very' };
    const res = await applyPull(db, { changes: upserts(makeDraft('d1'), bad), cursor: 'c2', hasMore: false });
    expect(res).toMatchObject({ upserted: 1, skipped: 1 });
    expect(await getMeta(db, 'cursor')).toBe('c2');
    const attention = await listAttention(db);
    expect(attention).toHaveLength(1);
    expect(attention[0]).toMatchObject({ kind: 'malformed_draft', draftId: 'bad' });
    expect(attention[0]?.message).toContain('confidence');
    // A later valid version of the same draft clears the problem.
    await applyPull(db, { changes: upserts(makeDraft('bad')), cursor: 'c3', hasMore: false });
    expect(await listAttention(db)).toHaveLength(0);
  });

  it('remove changes drop the draft', async () => {
    await applyPull(db, { changes: upserts(makeDraft('d1')), cursor: 'c1', hasMore: false });
    await applyPull(db, { changes: [{ op: 'remove', version: 5, id: 'd1' }], cursor: 'c2', hasMore: false });
    expect(await listQueue(db)).toEqual([]);
  });

  it('a rolled-back transaction leaves neither rows nor cursor', async () => {
    await applyPull(db, { changes: upserts(makeDraft('d1')), cursor: 'c1', hasMore: false });
    // An outer transaction that fails after applyPull ran inside it: IndexedDB must undo both.
    await expect(
      db.transaction('rw', [db.drafts, db.outbox, db.meta, db.problems], async () => {
        await applyPull(db, { changes: upserts(makeDraft('d2')), cursor: 'c2', hasMore: false });
        throw new Error('worker stopped');
      }),
    ).rejects.toThrow('worker stopped');
    expect(await getMeta(db, 'cursor')).toBe('c1');
    expect(await db.drafts.get('d2')).toBeUndefined();
  });
});

describe('saving a decision', () => {
  beforeEach(async () => {
    await applyPull(db, { changes: upserts(makeDraft('d1'), makeDraft('d2')), cursor: 'c1', hasMore: false });
  });

  it('adds the outbox row and marks the draft decided in one transaction', async () => {
    const decision = makeDecision('d1');
    const { created } = await saveDecisionLocally(db, decision, ACCOUNT);
    expect(created).toBe(true);
    expect(await countWaiting(db)).toBe(1);
    expect(await countUnsynced(db)).toBe(1);
    const item = (await listQueue(db)).find((i) => i.draft.id === 'd1');
    expect(item?.local).toMatchObject({ decisionId: decision.id, sync: 'pending', action: 'approve' });
  });

  it('is idempotent on the decision id', async () => {
    const decision = makeDecision('d1');
    await saveDecisionLocally(db, decision, ACCOUNT);
    const again = await saveDecisionLocally(db, decision, ACCOUNT);
    expect(again.created).toBe(false);
    expect(await db.outbox.count()).toBe(1);
  });

  it('is all or nothing: a failure after the outbox write leaves the draft waiting', async () => {
    const decision = makeDecision('d1');
    await expect(
      db.transaction('rw', db.outbox, db.drafts, db.meta, async () => {
        await saveDecisionLocally(db, decision, ACCOUNT);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.outbox.count()).toBe(0);
    expect(await countWaiting(db)).toBe(2);
  });

  it('keeps a locally decided draft out of the waiting count when the server sends it again', async () => {
    await saveDecisionLocally(db, makeDecision('d1'), ACCOUNT);
    await applyPull(db, { changes: upserts(makeDraft('d1')), cursor: 'c2', hasMore: false });
    expect(await countWaiting(db)).toBe(1);
  });

  it('pending batches keep save order, respect the limit and the account', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const d = makeDecision(i % 2 ? 'd1' : 'd2');
      ids.push(d.id);
      await saveDecisionLocally(db, d, ACCOUNT);
    }
    await saveDecisionLocally(db, makeDecision('d1'), 'other|bob');
    expect((await pendingBatch(db, ACCOUNT, 3)).map((r) => r.id)).toEqual(ids.slice(0, 3));
    expect(await pendingBatch(db, ACCOUNT, 50)).toHaveLength(5);
  });

  it('applies per-item results: done, conflict with who decided, rejected back to waiting', async () => {
    const a = makeDecision('d1');
    const b = makeDecision('d2');
    const c = makeDecision('d2');
    for (const d of [a, b, c]) await saveDecisionLocally(db, d, ACCOUNT);
    await applyPushResults(db, [
      { id: a.id, status: 'duplicate' },
      { id: b.id, status: 'conflict', decidedBy: 'bob', draftStatus: 'approved' },
    ]);
    expect(await countUnsynced(db)).toBe(1);
    await applyPushResults(db, [{ id: c.id, status: 'rejected', error: 'draft is not visible to you' }]);
    const attention = await listAttention(db);
    expect(attention.map((x) => x.kind).sort()).toEqual(['conflict', 'rejected']);
    expect(attention.find((x) => x.kind === 'conflict')?.message).toContain('bob');
    expect(attention.find((x) => x.kind === 'rejected')?.message).toContain('not visible');
    // d2's latest local decision (c) was rejected, so d2 waits for the person again.
    expect(await countWaiting(db)).toBe(1);
    expect((await db.outbox.get(a.id))?.state).toBe('done');
  });
});

describe('account switch', () => {
  it('drops the other account snapshot and cursor but keeps its outbox', async () => {
    await applyPull(db, { changes: upserts(makeDraft('d1')), cursor: 'c1', hasMore: false });
    await saveDecisionLocally(db, makeDecision('d1'), ACCOUNT);
    expect(await useAccount(db, 'http://srv|bob')).toBe(true);
    expect(await db.drafts.count()).toBe(0);
    expect(await getMeta(db, 'cursor')).toBeUndefined();
    expect(await db.outbox.count()).toBe(1);
    expect(await useAccount(db, 'http://srv|bob')).toBe(false);
  });
});

describe('queue cache', () => {
  it('serves the same heads until a write to drafts or outbox commits', async () => {
    await applyPull(db, { changes: upserts(makeDraft('d1')), cursor: 'c1', hasMore: false });
    const first = await listQueueHeads(db);
    expect(await listQueueHeads(db)).toBe(first);
    await saveDecisionLocally(db, makeDecision('d1'), ACCOUNT);
    const second = await listQueueHeads(db);
    expect(second).not.toBe(first);
    expect(second[0]?.local?.sync).toBe('pending');
    await applyPull(db, { changes: upserts(makeDraft('d2')), cursor: 'c2', hasMore: false });
    expect((await listQueue(db)).map((i) => i.draft.id)).toEqual(['d1', 'd2']);
    await db.drafts.clear();
    expect(await listQueue(db)).toEqual([]);
  });

  it('concurrent callers share one read', async () => {
    await applyPull(db, { changes: upserts(makeDraft('d1')), cursor: 'c1', hasMore: false });
    const [a, b] = await Promise.all([listQueueHeads(db), listQueueHeads(db)]);
    expect(a).toBe(b);
  });

  it('parses a draft in full only when shown, and again after it changed', async () => {
    await applyPull(db, { changes: upserts(makeDraft('d1', { rationale: 'v1' })), cursor: 'c1', hasMore: false });
    const [head] = await listQueueHeads(db);
    expect(head?.draft).not.toHaveProperty('rationale');
    expect(fullItem(head!)?.draft.rationale).toBe('v1');
    await applyPull(db, {
      changes: [{ op: 'upsert', version: 9, draft: makeDraft('d1', { rationale: 'v2' }) }],
      cursor: 'c2',
      hasMore: false,
    });
    const [next] = await listQueueHeads(db);
    expect(fullItem(next!)?.draft.rationale).toBe('v2');
  });
});

describe('queue order (the server comparator of GET /v1/queue)', () => {
  const NOW = Date.parse('2026-11-21T13:00:00.000Z');
  const at = (ms: number) => new Date(NOW + ms).toISOString();
  const trigger = (expiresAt: string) => ({ kind: 'job_change', occurredAt: at(-3_600_000), expiresAt });
  // Created oldest first in letter order: the old local order (oldest first) would be a, b, c, d, e.
  const drafts = [
    makeDraft('a', { createdAt: at(-5_000) }),
    makeDraft('b', { createdAt: at(-4_000), account: { name: 'Acme', dealValue: 250_000 } }),
    makeDraft('c', { createdAt: at(-3_000), trigger: trigger(at(3 * 3_600_000)) }),
    makeDraft('d', { createdAt: at(-2_000), account: { name: 'Acme', tier: 'named' } }),
    makeDraft('e', { createdAt: at(-1_000), confidence: 0.5 }),
  ];

  it('lists heads highest priority first: time-sensitive, deal value, named, lower confidence, older', async () => {
    await applyPull(db, { changes: upserts(...drafts), cursor: 'c1', hasMore: false });
    const heads = await listQueueHeads(db, NOW);
    expect(heads.map((h) => h.draft.id)).toEqual(['c', 'b', 'd', 'e', 'a']);
    // Exactly the order the server's own function gives the same items.
    expect(heads.map((h) => h.draft.id)).toEqual(
      sortQueue(
        heads.map((h) => h.priority),
        NOW,
      ).map((p) => p.id),
    );
    expect((await listQueue(db, NOW)).map((i) => i.draft.id)).toEqual(['c', 'b', 'd', 'e', 'a']);
  });

  it('re-sorts without a write once a trigger enters the 48 h time-sensitive window', async () => {
    const soon = makeDraft('soon', { trigger: trigger(at(50 * 3_600_000)) });
    const big = makeDraft('big', { account: { name: 'Acme', dealValue: 1_000_000 } });
    await applyPull(db, { changes: upserts(soon, big), cursor: 'c1', hasMore: false });
    const first = await listQueueHeads(db, NOW);
    expect(first.map((h) => h.draft.id)).toEqual(['big', 'soon']);
    expect(await listQueueHeads(db, NOW + 3_600_000)).toBe(first);
    const later = await listQueueHeads(db, NOW + 3 * 3_600_000);
    expect(later.map((h) => h.draft.id)).toEqual(['soon', 'big']);
  });

  it("keeps the server's priorityReason, computes it with the same function when missing", async () => {
    const fromServer = makeDraft('s', { priorityReason: 'deal value 9 · confidence 0.82' });
    await applyPull(db, { changes: upserts(fromServer, drafts[2]), cursor: 'c1', hasMore: false });
    const items = await listQueue(db, NOW);
    const byId = new Map(items.map((i) => [i.draft.id, i.draft]));
    expect(byId.get('s')?.priorityReason).toBe('deal value 9 · confidence 0.82');
    expect(byId.get('c')?.priorityReason).toBe('expires in 3 h · confidence 0.82');
    const head = (await listQueueHeads(db, NOW)).find((h) => h.draft.id === 'c');
    expect(byId.get('c')?.priorityReason).toBe(priorityReason(head!.priority, NOW));
  });
});

describe('pruneOutbox', () => {
  it('drops only acknowledged decisions older than the cutoff', async () => {
    const old = makeDecision('d1');
    const recent = makeDecision('d1');
    const pending = makeDecision('d1');
    const conflict = makeDecision('d1');
    for (const d of [old, recent, pending, conflict]) await saveDecisionLocally(db, d, ACCOUNT);
    await applyPushResults(db, [{ id: old.id, status: 'applied' }], new Date('2026-01-01T00:00:00Z'));
    await applyPushResults(db, [{ id: conflict.id, status: 'conflict' }], new Date('2026-01-01T00:00:00Z'));
    await applyPushResults(db, [{ id: recent.id, status: 'applied' }], new Date('2026-11-20T00:00:00Z'));
    expect(await pruneOutbox(db, new Date('2026-11-01T00:00:00Z'))).toBe(1);
    expect((await db.outbox.toArray()).map((r) => r.id).sort()).toEqual([recent.id, pending.id, conflict.id].sort());
  });
});
