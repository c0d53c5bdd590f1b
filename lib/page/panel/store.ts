import type { Decision } from '../../shared/schema';
import type { DraftsView, QueueItem, RecentSettled, SyncStatus, WorkerEvent } from '../../shared/schema/protocol';
import type { PageContext } from '../sites/types';
import type { PanelItem, PanelPlacement } from './types';
import { DEFAULT_PLACEMENT } from './types';

/** What the content script gives the store: the worker protocol and placement storage. */
export interface PanelDeps {
  getDrafts(context: PageContext | null): Promise<DraftsView>;
  /** Into the worker's outbox; `sendAfter` = held there until then (the undo window). */
  saveDecision(decision: Decision, sendAfter?: string): Promise<unknown>;
  /** Undo: the worker takes back a held decision; false when it is no longer held. */
  cancelDecision?(decisionId: string): Promise<boolean>;
  /**
   * Keeps a decision the worker could not take where the worker collects it by itself (storage.local,
   * protocol `HANDOFF_PREFIX`), so a tab closed or crashed before a retry loses nothing.
   */
  handOff?(decision: Decision, sendAfter?: string): Promise<void>;
  /** Removes a hand-off (it reached the worker, or the person took the decision back). */
  clearHandOff?(decisionId: string): Promise<void>;
  /** Calls back on every worker `changed` event, and with null after a reconnect. */
  subscribe(listener: (e: WorkerEvent | null) => void, signal: AbortSignal): void;
  loadPlacement(): Promise<PanelPlacement | null>;
  savePlacement(p: PanelPlacement): Promise<void>;
  /** Claim (`hold`) or release a draft on the server while the person works on it (lib/worker handlers `claim`). */
  claim?(draftId: string, hold: boolean): Promise<unknown>;
  signal: AbortSignal;
  /** Delay between retries of decisions the worker did not take (ms). */
  retryMs?: number;
}

export interface PanelState {
  items: PanelItem[];
  context: PageContext | null;
  total: number;
  loading: boolean;
  status: { text: string; problem?: boolean } | null;
  placement: PanelPlacement;
  /** Drafts other people settled a moment ago ("Maya approved …"). */
  recent: RecentSettled[];
}

/** A claim is renewed this often while its card stays the current one (it holds about 2 minutes). */
export const CLAIM_RENEW_MS = 60_000;

/**
 * The content script's state for the panel: the drafts the worker shows for the page context,
 * sync status, placement. A decision goes to the worker the moment it is made, held there until the
 * end of the undo window (`hold`; Undo = `takeBack`), and is confirmed when the window ends
 * (`commit`): nothing waits in page memory alone. A decision the worker could not take yet is handed
 * off through storage (the worker collects it) and sent again (the worker is idempotent on the
 * decision id), so neither a sleeping worker nor a closed tab loses one.
 */
export function createPanelStore(deps: PanelDeps) {
  let state: PanelState = {
    items: [],
    context: null,
    total: 0,
    loading: true,
    status: null,
    placement: DEFAULT_PLACEMENT,
    recent: [],
  };
  const listeners = new Set<() => void>();
  const set = (patch: Partial<PanelState>) => {
    state = { ...state, ...patch };
    for (const fn of listeners) fn();
  };
  let unsent: Array<{ decision: Decision; sendAfter?: string }> = [];
  let fetchSeq = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  deps.signal.addEventListener('abort', () => clearTimeout(retryTimer), { once: true });

  // The card the person is on is claimed (renewed while it stays current), and released when they
  // move on or close the page: others see "Maya is reviewing" and get it last.
  let claimed: string | null = null;
  let renew: ReturnType<typeof setInterval> | undefined;
  const hold = (id: string | null) => {
    if (!deps.claim || id === claimed) return;
    clearInterval(renew);
    if (claimed) void deps.claim(claimed, false).catch(() => {});
    claimed = id;
    if (!id) return;
    void deps.claim(id, true).catch(() => {});
    renew = setInterval(() => void deps.claim?.(id, true).catch(() => {}), CLAIM_RENEW_MS);
  };
  deps.signal.addEventListener('abort', () => hold(null), { once: true });

  const refresh = async () => {
    const seq = ++fetchSeq;
    try {
      const view = await deps.getDrafts(state.context);
      if (seq !== fetchSeq || deps.signal.aborted) return; // a newer context's answer wins
      const items = [...view.matching.map((q) => toItem(q, true)), ...view.others.map((q) => toItem(q, false))];
      set({
        items,
        total: (view.matchingTotal ?? view.matching.length) + view.othersTotal,
        loading: false,
        status: statusLine(view.status, unsent.length),
        recent: view.recent ?? [],
      });
    } catch (err) {
      if (seq !== fetchSeq) return;
      set({ loading: false, status: { text: `Cannot reach the extension: ${errText(err)}`, problem: true } });
    }
  };

  const send = async (d: Decision, sendAfter?: string) => {
    // Written ahead: until the worker confirms it has the decision, a copy waits in storage (the
    // worker collects it), so a worker that hangs or dies and a tab closed meanwhile lose nothing.
    await deps.handOff?.(d, sendAfter).catch(() => {});
    await deps.saveDecision(d, sendAfter);
    // It is in the worker's outbox now: the hand-off copy (if any) is not needed any more.
    void deps.clearHandOff?.(d.id).catch(() => {});
  };

  const keep = (decision: Decision, sendAfter: string | undefined, err: unknown) => {
    const at = unsent.findIndex((u) => u.decision.id === decision.id);
    if (at >= 0) unsent[at] = { decision, sendAfter };
    else unsent.push({ decision, sendAfter });
    void deps.handOff?.(decision, sendAfter).catch(() => {});
    set({ status: { text: `Decision not saved yet, retrying: ${errText(err)}`, problem: true } });
    scheduleRetry();
  };

  const flushUnsent = async () => {
    const batch = unsent;
    unsent = [];
    for (const u of batch) {
      try {
        await send(u.decision, u.sendAfter);
      } catch {
        unsent.push(u);
      }
    }
    if (unsent.length) scheduleRetry();
  };

  const scheduleRetry = () => {
    clearTimeout(retryTimer);
    if (deps.signal.aborted) return;
    retryTimer = setTimeout(() => void flushUnsent().then(refresh), deps.retryMs ?? 5_000);
  };

  return {
    get: () => state,
    subscribe(fn: () => void) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    /** Reads the stored placement (before mounting, so the panel appears where it was left). */
    async loadPlacement() {
      const placement = await deps.loadPlacement().catch(() => null);
      if (placement) set({ placement: { ...DEFAULT_PLACEMENT, ...placement } });
    },
    /** Starts listening to the worker and fetches the drafts for the page. */
    async start(initial: PageContext | null) {
      set({ context: initial });
      deps.subscribe(() => void refresh(), deps.signal);
      await refresh();
    },
    setContext(ctx: PageContext) {
      set({ context: ctx });
      void refresh();
    },
    setPlacement(p: PanelPlacement) {
      set({ placement: p });
      void deps.savePlacement(p).catch(() => {});
    },
    /** A decision just made: into the worker's outbox at once, held there until `sendAfter`. */
    async hold(decision: Decision, sendAfter: Date) {
      const at = sendAfter.toISOString();
      try {
        await send(decision, at);
      } catch (err) {
        keep(decision, at, err);
      }
    },
    /** Undo: takes the decision back from wherever it is. False when it had already gone out. */
    async takeBack(decisionId: string): Promise<boolean> {
      const wasHere = unsent.some((u) => u.decision.id === decisionId);
      unsent = unsent.filter((u) => u.decision.id !== decisionId);
      await deps.clearHandOff?.(decisionId).catch(() => {});
      try {
        const cancelled = (await deps.cancelDecision?.(decisionId)) ?? true;
        return cancelled || wasHere;
      } catch {
        // The worker cannot be reached: it never had it if it was still waiting here.
        return wasHere;
      }
    },
    /** A decision whose undo window has passed: into the worker's outbox, to be sent now. */
    async commit(decision: Decision) {
      try {
        await send(decision);
      } catch (err) {
        keep(decision, undefined, err);
      }
    },
    refresh,
    /** The card the person is on now (null: none; the panel closed or collapsed). */
    focusDraft: hold,
    /** Decisions waiting to reach the worker (tests, and a last flush on page hide). */
    unsent: () => unsent.map((u) => u.decision),
  };
}

export type PanelStore = ReturnType<typeof createPanelStore>;

/** A stored placement, checked field by field (storage may hold anything an older version wrote). */
export function parsePlacement(raw: unknown): PanelPlacement | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  return {
    side: r.side === 'left' ? 'left' : 'right',
    top: typeof r.top === 'number' && Number.isFinite(r.top) ? Math.max(0, Math.round(r.top)) : DEFAULT_PLACEMENT.top,
    collapsed: r.collapsed === true,
  };
}

function toItem(q: QueueItem, matching: boolean): PanelItem {
  return {
    draft: q.draft,
    matching,
    local: q.local
      ? { action: q.local.action, sync: q.local.sync, decidedBy: q.local.decidedBy, error: q.local.error }
      : null,
  };
}

/** The status line under the panel title: connection, problems, decisions not yet synced. */
export function statusLine(s: SyncStatus, unsent = 0): PanelState['status'] {
  if (!s.connected)
    return { text: 'Not connected: open Countersign’s options to connect to your server.', problem: true };
  if (s.paused) return { text: 'Access token refused: connect again in Countersign’s options.', problem: true };
  if (s.problem) return { text: s.problem.message, problem: true };
  const waiting = s.unsynced + unsent;
  if (waiting > 0) return { text: `${waiting} decision${waiting === 1 ? '' : 's'} waiting to sync` };
  return null;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
