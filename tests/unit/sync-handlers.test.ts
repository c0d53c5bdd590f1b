import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HANDOFF_PREFIX, type SyncStatus } from '../../lib/shared/schema/protocol';
import {
  adoptUnsent,
  applyPull,
  CountersignDb,
  countUnsynced,
  countWaiting,
  pendingBatch,
  rememberAccount,
  saveDecisionLocally,
  unsentElsewhere,
  useAccount,
} from '../../lib/worker/db';
import { makeDecision, makeDraft } from '../../lib/worker/db/testing';
import type { SyncEngine, SyncReason } from '../../lib/worker/engine';
import { createHandlers } from '../../lib/worker/handlers';
import { collectHandoffs } from '../../lib/worker/handoff';
import { accountKey, type Settings, sameAccount } from '../../lib/worker/settings';

const settings: Settings = {
  serverUrl: 'http://srv.test',
  token: 'tok',
  user: { id: 'ana', name: 'Ana', role: 'reviewer', specialties: [] },
  connectedAt: '2026-11-21T12:00:00.000Z',
};
const status = { connected: true } as SyncStatus;
const sender = { id: 'ext' };

let db: CountersignDb;
let connected: Settings | null;
let engine: SyncEngine;
let saved: string[][];

function handlers() {
  return createHandlers({
    engine,
    withDb: (fn) => fn(db),
    getSettings: async () => connected,
    onSaved: (ids) => saved.push(ids),
  });
}

beforeEach(async () => {
  db = new CountersignDb(`handlers-${crypto.randomUUID()}`);
  await useAccount(db, accountKey(settings));
  await applyPull(db, {
    changes: [
      { op: 'upsert', version: 1, draft: makeDraft('d1', { target: { email: 'ana@acme.test' } }) },
      {
        op: 'upsert',
        version: 2,
        draft: makeDraft('d2', { target: { email: 'bo@other.test' }, account: { name: 'Other' } }),
      },
    ],
    cursor: 'c',
    hasMore: false,
  });
  connected = settings;
  saved = [];
  engine = {
    sync: vi.fn(async (_reason: SyncReason) => {}),
    syncSoon: vi.fn((_reason: SyncReason) => {}),
    status: async () => status,
    settingsChanged: async () => {},
  };
});
afterEach(async () => {
  await db.delete();
});

describe('worker handlers', () => {
  it('saveDecision answers after the outbox row is committed, tells the tabs, then asks for a push', async () => {
    const decision = makeDecision('d1');
    const reply = await handlers().saveDecision({ decision }, sender);
    expect(reply).toEqual({ saved: true, decisionId: decision.id });
    expect((await db.outbox.get(decision.id))?.state).toBe('pending');
    expect(saved).toEqual([['d1']]);
    expect(engine.syncSoon).toHaveBeenCalledWith('write');
    // A retried send of the same decision changes nothing and pushes nothing more.
    await handlers().saveDecision({ decision }, sender);
    expect(saved).toHaveLength(1);
    expect(await db.outbox.count()).toBe(1);
  });

  it('refuses to save when not connected (no account to push it with)', async () => {
    connected = null;
    await expect(handlers().saveDecision({ decision: makeDecision('d1') }, sender)).rejects.toMatchObject({
      code: 'not_connected',
    });
    expect(await db.outbox.count()).toBe(0);
  });

  it('saveDecision keeps an escalation with its note and target', async () => {
    const id = crypto.randomUUID();
    await handlers().saveDecision(
      {
        decision: {
          id,
          draftId: 'd2',
          action: 'escalate',
          note: 'pricing question',
          escalateTo: { kind: 'owner' },
          decidedAt: new Date().toISOString(),
        },
      },
      sender,
    );
    const row = await db.outbox.get(id);
    expect(row?.decision).toMatchObject({
      action: 'escalate',
      note: 'pricing question',
      escalateTo: { kind: 'owner' },
    });
  });

  it('getDrafts puts the page drafts first and the rest after', async () => {
    const view = await handlers().getDrafts(
      { context: { site: 'gmail', emails: ['ana@acme.test'], names: [], editable: true } },
      sender,
    );
    expect(view.matching.map((i) => i.draft.id)).toEqual(['d1']);
    expect(view.others.map((i) => i.draft.id)).toEqual(['d2']);
    expect(view.status).toBe(status);
  });

  it('getDrafts lists the rest of the queue, and ties among page drafts, highest priority first', async () => {
    const hour = 3_600_000;
    const expiresAt = new Date(Date.now() + 3 * hour).toISOString();
    const other = { target: { email: 'x@else.test' }, account: { name: 'Else' } };
    await applyPull(db, {
      changes: [
        // Oldest first by creation: o1, o2, o3; by priority: o3 (expires soon), o2 (deal value), o1.
        { op: 'upsert', version: 3, draft: makeDraft('o1', { ...other, createdAt: '2026-01-01T00:00:00.000Z' }) },
        {
          op: 'upsert',
          version: 4,
          draft: makeDraft('o2', {
            ...other,
            account: { name: 'Big', dealValue: 500_000 },
            createdAt: '2026-01-02T00:00:00.000Z',
          }),
        },
        {
          op: 'upsert',
          version: 5,
          draft: makeDraft('o3', {
            ...other,
            trigger: { kind: 'funding', occurredAt: '2026-01-01T00:00:00.000Z', expiresAt },
            createdAt: '2026-01-03T00:00:00.000Z',
          }),
        },
        // Same match score as d1 (same addressee), but a named account: first among the page drafts.
        {
          op: 'upsert',
          version: 6,
          draft: makeDraft('m2', {
            target: { email: 'ana@acme.test' },
            account: { name: 'Acme', domain: 'acme.test', tier: 'named' },
            createdAt: '2026-12-01T00:00:00.000Z',
          }),
        },
      ],
      cursor: 'c2',
      hasMore: false,
    });
    const view = await handlers().getDrafts(
      { context: { site: 'gmail', emails: ['ana@acme.test'], names: [], editable: true } },
      sender,
    );
    expect(view.matching.map((i) => i.draft.id)).toEqual(['m2', 'd1']);
    expect(view.others.map((i) => i.draft.id)).toEqual(['o3', 'o2', 'o1', 'd2']);
    expect(view.others[0]?.draft.priorityReason).toBe('expires in 3 h · confidence 0.82');
    expect(view.others[1]?.draft.priorityReason).toBe('deal value 500,000 · confidence 0.82');
  });

  it('syncNow runs a sync and returns the status after it', async () => {
    expect(await handlers().syncNow({}, sender)).toBe(status);
    expect(engine.sync).toHaveBeenCalledWith('manual');
  });
});

describe('held decisions (issue 13: the undo window lives in the worker)', () => {
  it('saveDecision with sendAfter holds it (not pushed before), cancelDecision takes it back and the draft waits again', async () => {
    const h = handlers();
    const d = makeDecision('d1');
    const sendAfter = new Date(Date.now() + 15_000).toISOString();
    await h.saveDecision({ decision: d, sendAfter }, sender);
    expect(await pendingBatch(db, accountKey(settings), 50)).toEqual([]);
    expect(await countWaiting(db)).toBe(1); // d1 decided here (held), d2 still waits
    expect(await h.cancelDecision({ decisionId: d.id }, sender)).toEqual({ cancelled: true });
    expect(await db.outbox.get(d.id)).toBeUndefined();
    expect(await countWaiting(db)).toBe(2);
    // A decision no longer held (saved again without sendAfter: the window ended) cannot be taken back.
    const e = makeDecision('d2');
    await h.saveDecision({ decision: e, sendAfter }, sender);
    await h.saveDecision({ decision: e }, sender);
    expect((await pendingBatch(db, accountKey(settings), 50)).map((r) => r.id)).toEqual([e.id]);
    expect(await h.cancelDecision({ decisionId: e.id }, sender)).toEqual({ cancelled: false });
  });

  it('collects decisions handed off through storage into the outbox, once, and clears them', async () => {
    const d = makeDecision('d1');
    const store: Record<string, unknown> = {
      [HANDOFF_PREFIX + d.id]: { decision: d, sendAfter: new Date(Date.now() + 15_000).toISOString() },
      [`${HANDOFF_PREFIX}junk`]: { decision: { nope: 1 } },
      'countersign:panel:gmail': { side: 'left' },
    };
    const storage = {
      get: async () => ({ ...store }),
      remove: async (keys: string | string[]) => {
        for (const k of [keys].flat()) delete store[k];
      },
    } as unknown as Parameters<typeof collectHandoffs>[2];
    // Not connected: kept in storage until there is an account to give them to.
    expect(await collectHandoffs((fn) => fn(db), null, storage)).toEqual([]);
    expect(Object.keys(store)).toHaveLength(3);
    expect(await collectHandoffs((fn) => fn(db), settings, storage)).toEqual(['d1']);
    expect(Object.keys(store)).toEqual(['countersign:panel:gmail']);
    expect(await countUnsynced(db)).toBe(1);
    const row = await db.outbox.get(d.id);
    expect(row?.account).toBe(accountKey(settings));
    expect(row?.sendAfter).not.toBeNull();
  });

  it('a decision taken back before it arrived (Undo while its message or hand-off was on the way) is not saved when it comes', async () => {
    const h = handlers();
    const d = makeDecision('d1');
    const sendAfter = new Date(Date.now() + 10_000).toISOString();
    // Undo reaches the worker first: remembered as taken back.
    expect(await h.cancelDecision({ decisionId: d.id }, sender)).toEqual({ cancelled: true });
    // Then the storage hand-off and the page's own message arrive: neither saves it.
    const store: Record<string, unknown> = { [HANDOFF_PREFIX + d.id]: { decision: d, sendAfter } };
    const storage = {
      get: async () => ({ ...store }),
      remove: async (keys: string | string[]) => {
        for (const k of [keys].flat()) delete store[k];
      },
    } as unknown as Parameters<typeof collectHandoffs>[2];
    expect(await collectHandoffs((fn) => fn(db), settings, storage)).toEqual([]);
    expect(store).toEqual({});
    await h.saveDecision({ decision: d, sendAfter }, sender);
    expect(await db.outbox.get(d.id)).toBeUndefined();
    expect(await countUnsynced(db)).toBe(0);
    // Another decision on the same draft (a new id) is saved as usual.
    const e = makeDecision('d1');
    await h.saveDecision({ decision: e }, sender);
    expect((await pendingBatch(db, accountKey(settings), 50)).map((r) => r.id)).toEqual([e.id]);
  });

  it('unsent decisions of another account are listed with its name; the same person under another URL spelling takes them over', async () => {
    const maya = 'http://127.0.0.1:8787|maya';
    await rememberAccount(db, {
      key: maya,
      serverUrl: 'http://127.0.0.1:8787',
      userId: 'maya',
      userName: 'Maya',
      lastConnectedAt: null,
    });
    for (const draft of ['d1', 'd2', 'd3']) await saveDecisionLocally(db, makeDecision(draft), maya);
    await saveDecisionLocally(db, makeDecision('d1'), 'http://127.0.0.1:8787|sam');
    expect(await unsentElsewhere(db, 'http://127.0.0.1:8787|sam')).toEqual([
      { account: maya, serverUrl: 'http://127.0.0.1:8787', userId: 'maya', userName: 'Maya', count: 3 },
    ]);
    const mayaElsewhere = 'http://localhost:8787|maya';
    expect(await adoptUnsent(db, mayaElsewhere, (o) => sameAccount(mayaElsewhere, o))).toBe(3);
    expect(await pendingBatch(db, mayaElsewhere, 50)).toHaveLength(3);
    expect((await unsentElsewhere(db, mayaElsewhere)).map((u) => [u.userId, u.count])).toEqual([['sam', 1]]);
  });
});
