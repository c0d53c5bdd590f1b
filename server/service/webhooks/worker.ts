import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../../log';
import type { Store } from '../../store';
import { nextChange } from '../../store/changes';
import { webhookDb } from '../../store/webhooks';
import { openSecret } from './secrets';

/**
 * The webhook delivery worker (one per server process). It sends the outbox's deliveries
 * (outbox.ts): at least once, one draft's events in order (for each subscription, a delivery is
 * sent only when no earlier one of the same draft is still pending), with the contract's retry
 * schedule, across restarts (everything it needs is in the database).
 *
 * Several instances on one database: a worker claims deliveries with a lease (`lease_id`,
 * `locked_until`) in one UPDATE; on PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so
 * two workers never claim the same row, and the lease keeps it theirs while the HTTP request runs
 * outside any transaction. A worker that dies mid-delivery leaves a lease that runs out; then
 * another sends the delivery again (same `webhook-id`: at least once).
 *
 * It wakes on the change feed (a commit anywhere wrote to the outbox), when one of its deliveries
 * finishes, on `wake()` (a manual retry), and on a slow timer (a retry falling due, or a lease
 * running out). A slow receiver holds one of `concurrency` slots for at most `timeoutMs`; requests
 * to the server never wait for deliveries.
 */
export interface WebhookWorkerOptions {
  /** No answer within this long = a failed attempt (contract: 10 s). Env COUNTERSIGN_WEBHOOK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Deliveries in flight at once (default 16). */
  concurrency?: number;
  /**
   * Delays before the attempts after a failure, the last one repeating (contract: about 5 s, 30 s,
   * 2 min, 10 min, 30 min, then hourly). Tests shorten it.
   */
  retryDelaysMs?: readonly number[];
  /** The longest idle sleep between looks at the outbox (default 2 s). */
  idlePollMs?: number;
  logger?: Logger;
  /** Told after each attempt (tests, benchmarks). */
  onAttempt?: (attempt: AttemptReport) => void;
}

export interface AttemptReport {
  seq: number;
  eventId: string;
  subscriptionId: string;
  attempt: number;
  ok: boolean;
  status: number | null;
  error: string | null;
  ms: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

/** The options with their defaults filled in (env vars before defaults). */
export function resolveWorkerOptions(o: WebhookWorkerOptions = {}) {
  const envTimeout = Number(process.env.COUNTERSIGN_WEBHOOK_TIMEOUT_MS);
  const timeoutMs = o.timeoutMs ?? (envTimeout > 0 ? envTimeout : DEFAULT_TIMEOUT_MS);
  return {
    timeoutMs,
    concurrency: Math.max(1, o.concurrency ?? 16),
    retryDelaysMs: o.retryDelaysMs?.length ? o.retryDelaysMs : DEFAULT_RETRY_DELAYS_MS,
    idlePollMs: o.idlePollMs ?? 2_000,
    // A claim outlives the longest attempt by a margin, so a live worker never loses one.
    leaseMs: timeoutMs + 30_000,
  };
}

/** The delay before the attempt after failed attempt number `attempts` (1-based). */
export function retryDelay(attempts: number, delays: readonly number[] = DEFAULT_RETRY_DELAYS_MS): number {
  return delays[Math.min(Math.max(attempts, 1), delays.length) - 1]!;
}

export interface WebhookWorker {
  readonly options: ReturnType<typeof resolveWorkerOptions>;
  /** Look at the outbox now (a delivery was made due by hand). */
  wake(): void;
  /** How many times it has looked at the outbox so far (tests: it must not spin). */
  readonly looks: number;
  /** Stops claiming, waits for the deliveries in flight (each at most `timeoutMs`). */
  stop(): Promise<void>;
}

const workers = new WeakMap<Store, Set<WebhookWorker>>();

/** Wakes the workers running on `store` in this process (the retry route). */
export function wakeWorkers(store: Store): void {
  for (const w of workers.get(store) ?? []) w.wake();
}

interface Claimed {
  seq: number;
  subscription_id: string;
  event_id: string;
  attempts: number;
  give_up_at: string;
  /** This worker's claim on it. */
  lease: string;
}

const USER_AGENT = 'Countersign-Webhooks/1.0';
/** The shortest sleep between two looks at an outbox with nothing to claim. */
const MIN_SLEEP_MS = 25;

export function startWebhookWorker(store: Store, opts: WebhookWorkerOptions = {}): WebhookWorker {
  const options = resolveWorkerOptions(opts);
  const db = webhookDb(store.db);
  const logger = opts.logger;
  const inFlight = new Set<Promise<void>>();
  const stopController = new AbortController();
  // One listener per attempt in flight (up to `concurrency`), removed when it settles.
  setMaxListeners(0, stopController.signal);
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };

  let looks = 0;
  const claim = async (n: number): Promise<Claimed[]> => {
    looks++;
    const now = new Date();
    const nowIso = now.toISOString();
    const lease = randomUUID();
    const until = new Date(now.getTime() + options.leaseMs).toISOString();
    const lock = store.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const r = await sql<Omit<Claimed, 'lease'>>`
      update webhook_deliveries
         set lease_id = ${lease}, locked_until = ${until}, attempts = attempts + 1, last_attempt_at = ${nowIso}
       where seq in (
         select d.seq from webhook_deliveries d
          where d.state = 'pending' and d.next_attempt_at <= ${nowIso}
            and (d.locked_until is null or d.locked_until < ${nowIso})
            and not exists (
              select 1 from webhook_deliveries e
               where e.subscription_id = d.subscription_id and e.draft_id = d.draft_id
                 and e.state = 'pending' and e.seq < d.seq)
          order by d.next_attempt_at, d.seq
          limit ${n}
          ${lock})
      returning seq, subscription_id, event_id, attempts, give_up_at`.execute(store.db);
    return r.rows.map((row) => ({ ...row, seq: Number(row.seq), attempts: Number(row.attempts), lease }));
  };

  /**
   * How long to sleep when nothing could be claimed: until the next retry falls due or another
   * worker's lease runs out, capped at idlePollMs (the backstop). Only times still ahead count: a
   * delivery already due but not claimable waits behind an earlier one of its draft that is in
   * flight, and the settling of that one wakes the loop (in this process: `launch`; elsewhere: the
   * backstop). Counting it would make the sleep 0 and the loop spin while that request runs.
   */
  const untilNextDue = async (): Promise<number> => {
    const nowIso = new Date().toISOString();
    const [next, lock] = await Promise.all([
      db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.min('next_attempt_at').as('t'))
        .where('state', '=', 'pending')
        .where('next_attempt_at', '>', nowIso)
        .executeTakeFirst(),
      db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.min('locked_until').as('t'))
        .where('state', '=', 'pending')
        .where('locked_until', '>', nowIso)
        .executeTakeFirst(),
    ]);
    const times = [next?.t, lock?.t].filter((t): t is string => typeof t === 'string').map((t) => Date.parse(t));
    const soonest = times.length ? Math.min(...times) - Date.now() : options.idlePollMs;
    return Math.max(MIN_SLEEP_MS, Math.min(options.idlePollMs, soonest));
  };

  const settle = async (c: Claimed, ok: boolean, status: number | null, error: string | null) => {
    const now = new Date();
    const base = db
      .updateTable('webhook_deliveries')
      .where('seq', '=', c.seq)
      .where('lease_id', '=', c.lease)
      .where('state', '=', 'pending');
    if (stopController.signal.aborted && !ok) {
      // Cut short by the server stopping: not the receiver's failure. Hand it back, due now, for
      // the next worker (this process after a restart, or another instance).
      await base
        .set((eb) => ({
          attempts: eb('attempts', '-', 1),
          next_attempt_at: now.toISOString(),
          lease_id: null,
          locked_until: null,
        }))
        .execute();
      return;
    }
    if (ok) {
      await base
        .set({
          state: 'delivered',
          delivered_at: now.toISOString(),
          last_status: status,
          // last_error stays: the latest failure before it went through (the dashboard shows it).
          lease_id: null,
          locked_until: null,
        })
        .execute();
      return;
    }
    const next = new Date(now.getTime() + retryDelay(c.attempts, options.retryDelaysMs));
    const giveUp = next.toISOString() > c.give_up_at;
    await base
      .set({
        state: giveUp ? 'failed' : 'pending',
        next_attempt_at: next.toISOString(),
        last_status: status,
        last_error: error,
        lease_id: null,
        locked_until: null,
      })
      .execute();
  };

  const deliver = async (c: Claimed) => {
    const started = performance.now();
    let ok = false;
    let status: number | null = null;
    let error: string | null = null;
    // One controller and one timer per attempt, cleared in `finally`. Not
    // `AbortSignal.any([AbortSignal.timeout(ms), stop])`: Node holds a timeout signal only weakly
    // (its timer keeps a WeakRef, and a signal made by `any` keeps its sources weakly too), so
    // after a garbage collection nothing aborts the request and a receiver that never answers
    // keeps the attempt open until the lease runs out (the flake of "a receiver that never
    // answers" on a loaded PostgreSQL run; tests/api/webhooks.test.ts forces GC to pin it).
    const attempt = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort();
    }, options.timeoutMs);
    const onStop = () => attempt.abort();
    stopController.signal.addEventListener('abort', onStop, { once: true });
    try {
      const row = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
        .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
        .select(['s.url', 's.secret', 'e.payload'])
        .where('d.seq', '=', c.seq)
        .executeTakeFirst();
      if (!row) return; // the subscription was deleted meanwhile: its deliveries went with it
      let secret: string;
      try {
        secret = openSecret(row.secret);
      } catch (e) {
        throw new Error(`cannot open the signing secret: ${(e as Error).message}`);
      }
      // One timestamp for the header and the signature (two clock reads could straddle a second).
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      const signature = new Webhook(secret).sign(c.event_id, at, row.payload);
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'webhook-id': c.event_id,
          'webhook-timestamp': String(at.getTime() / 1000),
          'webhook-signature': signature,
        },
        body: row.payload,
        // A redirect is not a delivery; the receiver's URL is the one the admin registered.
        redirect: 'manual',
        signal: attempt.signal,
      });
      status = res.status;
      ok = res.status >= 200 && res.status < 300;
      if (!ok) error = `HTTP ${res.status}`;
      // Read (and drop) the answer so the connection can be reused; the timeout covers it too.
      await res.arrayBuffer().catch(() => {});
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      error = timedOut
        ? `no answer within ${options.timeoutMs / 1000} s`
        : attempt.signal.aborted
          ? 'server stopping'
          : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`;
    } finally {
      clearTimeout(timer);
      stopController.signal.removeEventListener('abort', onStop);
    }
    // Timestamps in the signature are per attempt; the signed content (id, body) never changes.
    try {
      await settle(c, ok, status, error);
    } catch (e) {
      logger?.error('webhook delivery result not saved', { seq: c.seq, error: String(e) });
    }
    const ms = performance.now() - started;
    opts.onAttempt?.({
      seq: c.seq,
      eventId: c.event_id,
      subscriptionId: c.subscription_id,
      attempt: c.attempts,
      ok,
      status,
      error,
      ms,
    });
    if (!ok)
      logger?.warn('webhook delivery failed', {
        seq: c.seq,
        eventId: c.event_id,
        subscriptionId: c.subscription_id,
        attempt: c.attempts,
        error,
      });
  };

  const launch = (c: Claimed) => {
    const p = deliver(c).finally(() => {
      inFlight.delete(p);
      wake();
    });
    inFlight.add(p);
  };

  const feed = store.changes;
  const loop = async () => {
    // Until the feed listens (PostgreSQL: its connection is up). `stop` wakes this wait too: a
    // database refusing connections at start must not hold the server's shutdown until it is back.
    await Promise.race([
      feed.ready().catch(() => {}),
      new Promise<void>((resolve) => {
        wakeUp = resolve;
      }),
    ]);
    wakeUp = undefined;
    let failures = 0;
    while (!stopped) {
      woken = false;
      const seen = feed.version;
      let waitMs = options.idlePollMs;
      try {
        const free = options.concurrency - inFlight.size;
        if (free > 0) {
          const claimed = await claim(free);
          for (const c of claimed) launch(c);
          // All slots filled: more may be due; the next finished delivery wakes the loop.
          if (claimed.length === free) waitMs = options.idlePollMs;
          else if (claimed.length > 0) continue;
          else waitMs = await untilNextDue();
        }
        failures = 0;
      } catch (e) {
        if (stopped) break;
        // The database is away or the store closing: try again with backoff, never spin.
        failures++;
        waitMs = Math.min(options.idlePollMs, 50 * 2 ** Math.min(failures, 6));
        logger?.warn('webhook worker: outbox not readable', { error: String((e as Error)?.message ?? e) });
      }
      if (stopped || woken) continue;
      // Sleep until a commit (the change feed), an in-process wake (a delivery settled, a manual
      // retry, stop) or the backstop timer, whichever comes first. `wake` aborts `ac`; `stop`
      // goes through `wake`, so no signal needs combining.
      const ac = new AbortController();
      wakeUp = () => ac.abort();
      await nextChange(feed, seen, waitMs, ac.signal);
      wakeUp = undefined;
    }
  };

  const running = loop();
  const worker: WebhookWorker = {
    options,
    wake,
    get looks() {
      return looks;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      workers.get(store)?.delete(worker);
      // No new claims; requests in flight are cut short and handed back (see `settle`).
      wake();
      await running;
      stopController.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
  const set = workers.get(store) ?? new Set<WebhookWorker>();
  workers.set(store, set);
  set.add(worker);
  return worker;
}
