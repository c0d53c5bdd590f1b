import { type ApiClient, ApiError } from '../shared/api-client';
import type { DecisionsOut } from '../shared/schema';
import type { Problem, SyncStatus } from '../shared/schema/protocol';
import { backoffDelay } from './backoff';
import {
  adoptUnsent,
  applyPull,
  applyPushResults,
  type CountersignDb,
  countUnsynced,
  countWaiting,
  deleteMeta,
  getMeta,
  KEEP_DONE_MS,
  listAttention,
  nextHeldAt,
  type OutboxRow,
  pendingBatch,
  pruneOutbox,
  rememberAccount,
  setMeta,
  unsentElsewhere,
  useAccount,
} from './db';
import { pushPageData } from './page-reports';
import { accountKey, type Settings, sameAccount } from './settings';

/** Why a sync was asked for. A person waiting (write, open, manual, settings) skips a pending backoff. */
export type SyncReason = 'write' | 'alarm' | 'startup' | 'open' | 'manual' | 'retry' | 'settings' | 'live';
const URGENT: ReadonlySet<SyncReason> = new Set(['write', 'open', 'manual', 'settings', 'live']);

export const PUSH_BATCH = 50;
/** The server's maximum page: fewer round trips for a first sync of a long queue. */
export const PULL_LIMIT = 1000;
/** One run stops starting new requests after this; the worker's own limit is 30 s per event. */
export const RUN_BUDGET_MS = 20_000;
export const LOCK_NAME = 'countersign-sync';
export const WRITE_COALESCE_MS = 150;

export interface SyncEngineDeps {
  /** Runs a function with the database, reopening it after DatabaseClosedError (lib/worker/db withDb). */
  withDb: <T>(fn: (db: CountersignDb) => Promise<T>) => Promise<T>;
  getSettings: () => Promise<Settings | null>;
  makeClient: (settings: Settings) => ApiClient;
  /** navigator.locks in the worker; without it (tests) runs are serialised in-process only. */
  locks?: Pick<LockManager, 'request'> | null;
  now?: () => Date;
  random?: () => number;
  /** Something the UI shows changed (drafts, outbox, status); `draftIds` = drafts touched, if any. */
  onChange?: (draftIds: string[]) => void;
  /** Ask to be called again in `ms` (a timer while the worker lives; the 30 s alarm covers the rest). */
  scheduleRetry?: (ms: number) => void;
  /** A held decision (undo window) is due in `ms`: sync then (the alarm covers a stopped worker). */
  scheduleHeld?: (ms: number) => void;
  pushBatch?: number;
  pullLimit?: number;
  budgetMs?: number;
}

export interface SyncEngine {
  /** Push then pull, one run at a time; concurrent calls join the running one (and make it go again). */
  sync(reason: SyncReason): Promise<void>;
  /**
   * Push soon after a write: decisions saved within `WRITE_COALESCE_MS` of each other go in one
   * batch, and the person's next save does not queue behind a push transaction per decision.
   */
  syncSoon(reason: SyncReason): void;
  status(): Promise<SyncStatus>;
  /** Connect/disconnect: clears a 401 pause and any backoff; disconnect drops the local snapshot. */
  settingsChanged(next: Settings | null): Promise<void>;
}

/**
 * The server refused the decisions themselves: only the contract's own error body says so
 * (`invalid_input` with 400, `payload_too_large` with 413). Any other 400 or 413 — a proxy's HTML
 * page, a captive portal, a load balancer — says nothing about the decisions: back off and retry.
 */
export function refusesTheDecisions(err: unknown): err is ApiError {
  if (!(err instanceof ApiError) || err.kind !== 'http') return false;
  return (
    (err.status === 400 && err.code === 'invalid_input') || (err.status === 413 && err.code === 'payload_too_large')
  );
}

const PROBLEM_UNAUTHORIZED: Problem = {
  code: 'unauthorized',
  message: 'Sync is paused: the server did not accept the access token. Open the options page and connect again.',
};

export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  const now = deps.now ?? (() => new Date());
  const batchSize = deps.pushBatch ?? PUSH_BATCH;
  const pullLimit = deps.pullLimit ?? PULL_LIMIT;
  const budgetMs = deps.budgetMs ?? RUN_BUDGET_MS;
  const emit = (ids: string[] = []) => deps.onChange?.(ids);

  let running: Promise<void> | null = null;
  let again = false;
  let urgent = false;
  let syncing = false;

  async function withLock(fn: () => Promise<void>) {
    if (deps.locks) await deps.locks.request(LOCK_NAME, fn);
    else await fn();
  }

  function sync(reason: SyncReason): Promise<void> {
    if (URGENT.has(reason)) urgent = true;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        // `again` is checked once more after the lock is released, in the same turn that clears
        // `running`: a request arriving in between is never dropped.
        do {
          await withLock(async () => {
            do {
              again = false;
              const skipBackoff = urgent;
              urgent = false;
              await runOnce(skipBackoff);
            } while (again);
          });
        } while (again);
      } finally {
        running = null;
        if (syncing) {
          syncing = false;
          emit();
        }
      }
    })();
    return running;
  }

  async function runOnce(skipBackoff: boolean): Promise<void> {
    const settings = await deps.getSettings();
    if (!settings) return;
    const account = accountKey(settings);
    if (await deps.withDb((db) => useAccount(db, account))) emit();
    // Name the account (for "3 decisions for Maya on … not yet sent"), and take over this person's
    // unsent decisions saved under another spelling of this server's URL.
    const adopted = await deps.withDb(async (db) => {
      await rememberAccount(db, {
        key: account,
        serverUrl: settings.serverUrl,
        userId: settings.user.id,
        userName: settings.user.name,
        lastConnectedAt: settings.connectedAt,
      });
      return adoptUnsent(db, account, (other) => sameAccount(account, other));
    });
    if (adopted > 0) emit();
    const [paused, nextRetryAt] = await deps.withDb(
      async (db) => [await getMeta(db, 'paused'), await getMeta(db, 'nextRetryAt')] as const,
    );
    if (paused) return;
    if (!skipBackoff && nextRetryAt && Date.parse(nextRetryAt) > now().getTime()) return;

    if (!syncing) {
      syncing = true;
      emit();
    }
    const client = deps.makeClient(settings);
    const deadline = Date.now() + budgetMs;
    try {
      await push(client, account, deadline);
      // Issue 18: what happened in the page, after the approvals it refers to.
      await pushPageData(client, deps.withDb, account, now());
      const held = await deps.withDb((db) => nextHeldAt(db, account, now()));
      if (held) deps.scheduleHeld?.(Math.max(0, held.getTime() - now().getTime()));
      await pull(client, deadline);
      await deps.withDb(async (db) => {
        await deleteMeta(db, 'failures', 'nextRetryAt', 'problem');
        await setMeta(db, 'lastSyncAt', now().toISOString());
        await pruneOutbox(db, new Date(now().getTime() - KEEP_DONE_MS));
      });
      emit();
    } catch (err) {
      await handleFailure(err);
    }
  }

  async function push(client: ApiClient, account: string, deadline: number): Promise<void> {
    for (;;) {
      const batch = await deps.withDb((db) => pendingBatch(db, account, batchSize, now()));
      if (batch.length === 0) return;
      const settled = await sendBatch(client, batch);
      if (settled === 0) {
        // The server answered without a result for any of them: going round again would spin.
        throw new ApiError('invalid_response', 'The server did not acknowledge any decision of the batch');
      }
      if (Date.now() > deadline) {
        again = true;
        return;
      }
    }
  }

  /** Sends one batch; returns how many rows got a final state. */
  async function sendBatch(client: ApiClient, rows: OutboxRow[]): Promise<number> {
    const ids = new Set(rows.map((r) => r.id));
    let out: DecisionsOut;
    try {
      out = await client.call('decisions', { body: { decisions: rows.map((r) => r.decision) } });
    } catch (err) {
      if (refusesTheDecisions(err)) {
        // The server refused the whole batch. Halve it until the one it refuses is alone, so one bad
        // decision goes to "needs attention" instead of blocking every decision behind it.
        if (rows.length > 1) {
          const mid = Math.ceil(rows.length / 2);
          return (await sendBatch(client, rows.slice(0, mid))) + (await sendBatch(client, rows.slice(mid)));
        }
        const only = rows[0]!;
        const res = await deps.withDb((db) =>
          applyPushResults(db, [{ id: only.id, status: 'rejected', error: err.message }], now()),
        );
        emit(res.draftIds);
        return res.settled.length;
      }
      throw err;
    }
    const res = await deps.withDb((db) =>
      applyPushResults(
        db,
        out.results.filter((r) => ids.has(r.id)),
        now(),
        [...ids],
      ),
    );
    emit(res.draftIds);
    return res.settled.length;
  }

  async function pull(client: ApiClient, deadline: number): Promise<void> {
    const fetchPage = (since: string | undefined) => client.call('pull', { query: { since, limit: pullLimit } });
    let since = await deps.withDb((db) => getMeta(db, 'cursor'));
    let next = fetchPage(since);
    for (;;) {
      const page = await next;
      // A page may hold no change this person can see (the server skipped invisible ones) and still
      // advance the cursor: keep going while there is more and the cursor moves (a cursor that does
      // not move would only fetch the same page again).
      const more = page.hasMore && page.cursor !== since;
      since = page.cursor;
      const inTime = Date.now() <= deadline;
      if (more && inTime) {
        // Fetch the next page while this one is written: the network and IndexedDB overlap.
        // If the write below fails, the stored cursor is still the old one and nothing is lost.
        next = fetchPage(page.cursor);
        next.catch(() => {});
      }
      const res = await deps.withDb((db) => applyPull(db, page, now()));
      if (res.draftIds.length > 0 || res.skipped > 0) emit(res.draftIds);
      if (!more) return;
      if (!inTime) {
        again = true;
        return;
      }
    }
  }

  async function handleFailure(err: unknown): Promise<void> {
    if (err instanceof ApiError && (err.unauthorized || err.status === 403)) {
      const problem =
        err.status === 403
          ? {
              code: 'unauthorized' as const,
              message: `Sync is paused: this account may not review drafts (${err.message}). Connect with a reviewer's token.`,
            }
          : PROBLEM_UNAUTHORIZED;
      await deps.withDb(async (db) => {
        await setMeta(db, 'paused', true);
        await setMeta(db, 'problem', problem);
        await deleteMeta(db, 'nextRetryAt', 'failures');
      });
      emit();
      return;
    }
    const failures = (await deps.withDb((db) => getMeta(db, 'failures'))) ?? 0;
    const retryAfter = err instanceof ApiError ? err.retryAfterMs : undefined;
    const delay = backoffDelay(failures, retryAfter, { random: deps.random });
    const problem: Problem =
      err instanceof ApiError && (err.kind === 'network' || err.kind === 'timeout')
        ? { code: 'offline', message: `${err.message}. Decisions are kept here and sent when it is back.` }
        : err instanceof ApiError && err.kind === 'invalid_response'
          ? { code: 'invalid_response', message: err.message }
          : err instanceof ApiError
            ? { code: 'server_error', message: `The server had a problem: ${err.message}` }
            : {
                code: 'storage',
                message: `Local storage problem: ${err instanceof Error ? err.message : String(err)}`,
              };
    await deps.withDb(async (db) => {
      await setMeta(db, 'failures', failures + 1);
      await setMeta(db, 'nextRetryAt', new Date(now().getTime() + delay).toISOString());
      await setMeta(db, 'problem', problem);
    });
    deps.scheduleRetry?.(delay);
    emit();
  }

  async function status(): Promise<SyncStatus> {
    const settings = await deps.getSettings();
    const account = settings ? accountKey(settings) : undefined;
    return deps.withDb((db) =>
      // One read transaction: a consistent picture, and far cheaper than one per figure.
      db.transaction('r', [db.meta, db.drafts, db.outbox, db.problems, db.accounts], async () => {
        const snapshotIsMine = account !== undefined && (await getMeta(db, 'account')) === account;
        const problem = await getMeta(db, 'problem');
        return {
          connected: settings !== null,
          user: settings ? { id: settings.user.id, name: settings.user.name, role: settings.user.role } : null,
          paused: settings !== null && (await getMeta(db, 'paused')) === true,
          syncing,
          waiting: snapshotIsMine ? await countWaiting(db) : 0,
          unsynced: await countUnsynced(db, account),
          lastSyncAt: snapshotIsMine ? ((await getMeta(db, 'lastSyncAt')) ?? null) : null,
          nextRetryAt: (await getMeta(db, 'nextRetryAt')) ?? null,
          problem: settings
            ? (problem ?? null)
            : {
                code: 'not_connected' as const,
                message: 'Not connected: open the options page and connect to your server.',
              },
          attention: snapshotIsMine ? await listAttention(db, account) : [],
          elsewhere: (await unsentElsewhere(db, account)).map(({ serverUrl, userId, userName, count }) => ({
            serverUrl,
            userId,
            userName,
            count,
          })),
        };
      }),
    );
  }

  async function settingsChanged(next: Settings | null): Promise<void> {
    await deps.withDb(async (db) => {
      await deleteMeta(db, 'paused', 'problem', 'failures', 'nextRetryAt');
      if (!next) {
        // Disconnect: the queue snapshot is this person's data; do not leave it behind. The outbox
        // stays (tagged with its account) so undelivered decisions go out on the next connect.
        await db.transaction('rw', db.drafts, db.problems, db.meta, async () => {
          await db.drafts.clear();
          await db.problems.clear();
          await deleteMeta(db, 'account', 'cursor', 'lastSyncAt');
        });
      }
    });
    emit();
    if (next) await sync('settings');
  }

  let soon: ReturnType<typeof setTimeout> | undefined;
  function syncSoon(reason: SyncReason) {
    if (URGENT.has(reason)) urgent = true;
    if (soon) return;
    soon = setTimeout(() => {
      soon = undefined;
      sync(reason).catch(() => {});
    }, WRITE_COALESCE_MS);
  }

  return { sync, syncSoon, status, settingsChanged };
}
