import { describe, expect, it, vi } from 'vitest';
import { makeDecision } from '../../lib/page/panel/decision';
import { createPanelStore, type PanelDeps, parsePlacement, statusLine } from '../../lib/page/panel/store';
import type { PageContext } from '../../lib/page/sites/types';
import type { DraftsView, SyncStatus } from '../../lib/shared/schema/protocol';
import { makeDraft } from './panel-helpers';

const status = (over: Partial<SyncStatus> = {}): SyncStatus => ({
  connected: true,
  user: { id: 'sam', name: 'Sam', role: 'reviewer' },
  paused: false,
  syncing: false,
  waiting: 0,
  unsynced: 0,
  lastSyncAt: null,
  nextRetryAt: null,
  problem: null,
  attention: [],
  ...over,
});

function deps(over: Partial<PanelDeps> = {}) {
  const mine = makeDraft();
  const other = makeDraft();
  const view: DraftsView = {
    matching: [{ draft: mine, local: null }],
    others: [{ draft: other, local: { decisionId: 'x', action: 'approve', decidedAt: 'now', sync: 'pending' } }],
    othersTotal: 250,
    status: status(),
  };
  const ctrl = new AbortController();
  const d: PanelDeps = {
    getDrafts: vi.fn(async () => view),
    saveDecision: vi.fn(async () => ({})),
    subscribe: vi.fn(),
    loadPlacement: vi.fn(async () => ({ side: 'left' as const, top: 120, collapsed: true })),
    savePlacement: vi.fn(async () => {}),
    signal: ctrl.signal,
    retryMs: 10,
    ...over,
  };
  return { d, mine, other, ctrl };
}

const ctx: PageContext = { site: 'gmail', emails: ['a@b.c'], names: [], editable: false };

describe('panel store', () => {
  it('loads placement, asks the worker for the page context, marks matching drafts and local decisions', async () => {
    const { d, mine, other } = deps();
    const store = createPanelStore(d);
    await store.loadPlacement();
    await store.start(ctx);
    const s = store.get();
    expect(s.placement).toEqual({ side: 'left', top: 120, collapsed: true });
    expect(d.getDrafts).toHaveBeenCalledWith(ctx);
    expect(s.items.map((i) => [i.draft.id, i.matching, i.local?.sync ?? null])).toEqual([
      [mine.id, true, null],
      [other.id, false, 'pending'],
    ]);
    expect(s.total).toBe(251);
    expect(s.loading).toBe(false);
    expect(d.subscribe).toHaveBeenCalled();
  });

  it('sends every decision (escalations too) as saveDecision; retries what the worker did not take', async () => {
    let fail = false;
    const { d, mine } = deps({
      saveDecision: vi.fn(async () => {
        if (fail) throw new Error('Receiving end does not exist');
        return {};
      }),
    });
    const store = createPanelStore(d);
    await store.start(ctx);
    const escalation = makeDecision(mine, { action: 'escalate', escalateTo: { kind: 'owner' } }, 5);
    await store.commit(escalation);
    expect(d.saveDecision).toHaveBeenCalledWith(escalation, undefined);
    fail = true;
    const approve = makeDecision(mine, { action: 'approve' }, 5);
    await store.commit(approve);
    expect(store.unsent()).toEqual([approve]);
    expect(store.get().status?.problem).toBe(true);
    fail = false;
    await vi.waitFor(() => expect(store.unsent()).toEqual([]));
    expect(d.saveDecision).toHaveBeenLastCalledWith(approve, undefined);
  });

  it('hold hands the decision to the worker at once with its send-after time; takeBack cancels it there', async () => {
    const cancelDecision = vi.fn(async () => true);
    const { d, mine } = deps({ cancelDecision });
    const store = createPanelStore(d);
    await store.start(ctx);
    const decision = makeDecision(mine, { action: 'approve' }, 5);
    const at = new Date('2026-12-01T10:00:15.000Z');
    await store.hold(decision, at);
    expect(d.saveDecision).toHaveBeenCalledWith(decision, at.toISOString());
    expect(await store.takeBack(decision.id)).toBe(true);
    expect(cancelDecision).toHaveBeenCalledWith(decision.id);
  });

  it('a decision the worker cannot take is handed off through storage, and cleared once it got through', async () => {
    let fail = true;
    const handOff = vi.fn(async () => {});
    const clearHandOff = vi.fn(async () => {});
    const { d, mine } = deps({
      saveDecision: vi.fn(async () => {
        if (fail) throw new Error('Could not establish connection');
        return {};
      }),
      handOff,
      clearHandOff,
    });
    const store = createPanelStore(d);
    await store.start(ctx);
    const decision = makeDecision(mine, { action: 'approve' }, 5);
    const at = new Date(Date.now() + 15_000);
    await store.hold(decision, at);
    expect(handOff).toHaveBeenCalledWith(decision, at.toISOString());
    expect(store.unsent()).toEqual([decision]);
    fail = false;
    await vi.waitFor(() => expect(store.unsent()).toEqual([]));
    expect(d.saveDecision).toHaveBeenLastCalledWith(decision, at.toISOString());
    expect(clearHandOff).toHaveBeenCalledWith(decision.id);
    // Undo of a decision that never reached the worker: taken back here, and from storage.
    fail = true;
    const other = makeDecision(mine, { action: 'reject', reasons: ['tone'] }, 5);
    await store.hold(other, at);
    expect(await store.takeBack(other.id)).toBe(true);
    expect(store.unsent()).toEqual([]);
    expect(clearHandOff).toHaveBeenLastCalledWith(other.id);
  });

  it('a newer context’s answer wins over an older slow one', async () => {
    let release: (v: DraftsView) => void = () => {};
    const first = makeDraft();
    const second = makeDraft();
    const calls: PageContext[] = [];
    const { d } = deps({
      getDrafts: vi.fn((c: PageContext | null) => {
        calls.push(c!);
        if (calls.length === 1)
          return new Promise<DraftsView>((r) => {
            release = r;
          });
        return Promise.resolve({
          matching: [{ draft: second, local: null }],
          others: [],
          othersTotal: 0,
          status: status(),
        });
      }),
    });
    const store = createPanelStore(d);
    void store.start(ctx);
    store.setContext({ ...ctx, emails: ['z@z.z'] });
    await vi.waitFor(() => expect(store.get().items[0]?.draft.id).toBe(second.id));
    release({ matching: [{ draft: first, local: null }], others: [], othersTotal: 0, status: status() });
    await new Promise((r) => setTimeout(r, 5));
    expect(store.get().items[0]!.draft.id).toBe(second.id);
  });

  it('status line and stored placement parsing', () => {
    expect(statusLine(status({ connected: false }))?.problem).toBe(true);
    expect(statusLine(status({ unsynced: 2 }))?.text).toBe('2 decisions waiting to sync');
    expect(statusLine(status())).toBeNull();
    expect(parsePlacement({ side: 'left', top: 99.6, collapsed: true })).toEqual({
      side: 'left',
      top: 100,
      collapsed: true,
    });
    expect(parsePlacement({ side: 'up', top: 'x' })).toEqual({ side: 'right', top: 80, collapsed: false });
    expect(parsePlacement('nope')).toBeNull();
  });
});
