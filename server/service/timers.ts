import pg from 'pg';
import type { Logger } from '../log';
import type { Store } from '../store';
import { endClient } from '../store/pg-end';

/** Arbitrary constant key of the session-level advisory lock held by the instance that runs the timers. */
export const TIMERS_LOCK_KEY = 727_015;

export interface TimerOptions {
  /** How often the leader runs its jobs (ms). */
  tickMs?: number;
  /** How often an instance without the lock asks for it again (ms). */
  retryMs?: number;
  /**
   * How often governance's evaluation (step back on a quality dip, opted-in threshold adjustment)
   * runs on the instance that runs the timers (ms; 0 = never). Default: COUNTERSIGN_GOVERNANCE_INTERVAL_MS
   * or 10 minutes (service/governance/evaluate.ts).
   */
  governanceEveryMs?: number;
  /**
   * Start without running the jobs until `resume()` (the lock is still taken): e.g. the demo moves its
   * drafts' deadlines forward first, so a workspace reused days later is not expired on the way up.
   */
  paused?: boolean;
  /** Told when this instance becomes or stops being the one that runs the timers (logs, tests). */
  onLeader?: (leader: boolean) => void;
}

export interface Timers {
  readonly leader: boolean;
  /** Runs the jobs once now (on the leader; tests). */
  tick(): Promise<void>;
  /** Lets the jobs run (after `paused: true`). */
  resume(): void;
  stop(): Promise<void>;
}

export type Job = (now: Date) => Promise<void>;

/**
 * `job` at most once per `everyMs` (checked on each tick). An instance that takes the timers over
 * runs it at its first tick, then every `everyMs`. `everyMs` <= 0: never.
 */
export function every(everyMs: number, job: Job): Job {
  let last = Number.NEGATIVE_INFINITY;
  return async (now) => {
    if (!(everyMs > 0) || now.getTime() - last < everyMs) return;
    last = now.getTime();
    await job(now);
  };
}

/**
 * Runs `jobs` (expiry, SLAs, notifications, governance's evaluation) on ONE server instance at a time.
 *
 * PostgreSQL: the instance holds a session-level advisory lock (`pg_try_advisory_lock`) on a
 * connection of its own, kept open for as long as it leads. The lock belongs to that session, so
 * when the instance stops — cleanly, by a crash, or by losing its connection — PostgreSQL releases
 * it, and the next instance asking (every `retryMs`) takes over. An instance that loses the
 * connection stops running the jobs at once (it can no longer know it holds the lock).
 * SQLite (one instance): it always leads.
 *
 * The jobs are idempotent and each runs in its own transactions, so a hand-over in the middle of a
 * tick leaves nothing half done and nothing done twice.
 */
export function startTimers(
  store: Store,
  databaseUrl: string | undefined,
  jobs: Job[],
  logger: Logger,
  opts: TimerOptions = {},
): Timers {
  const tickMs = opts.tickMs ?? 1_000;
  const retryMs = opts.retryMs ?? 2_000;
  let leader = false;
  let stopped = false;
  let paused = opts.paused ?? false;
  let client: pg.Client | undefined;
  let tickTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const setLeader = (on: boolean) => {
    if (leader === on) return;
    leader = on;
    logger.info(on ? 'timers: this instance runs them' : 'timers: handed over', {});
    opts.onLeader?.(on);
    if (on) {
      tickTimer = setInterval(() => void tick(), tickMs);
      tickTimer.unref();
      void tick();
    } else if (tickTimer) {
      clearInterval(tickTimer);
      tickTimer = undefined;
    }
  };

  async function tick() {
    if (!leader || stopped || paused) return;
    if (running) return running;
    running = (async () => {
      const now = new Date();
      for (const job of jobs) {
        if (!leader || stopped) break;
        try {
          await job(now);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (!/destroyed|closed|terminat|Cannot use a pool after/i.test(message))
            logger.error('timer job failed', { error: message });
        }
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const url = databaseUrl ?? store.connectionString;
  if (store.dialect === 'postgres' && !url)
    throw new Error('timers on PostgreSQL need the database URL (a session of their own)');

  const campaign = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      c.end().catch(() => {});
      setLeader(false);
      if (!stopped) {
        retryTimer = setTimeout(() => void campaign(), retryMs);
        retryTimer.unref();
      }
    };
    c.on('error', lose);
    c.on('end', lose);
    try {
      await c.connect();
      client = c;
      for (;;) {
        if (stopped || lost) return;
        const r = await c.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [TIMERS_LOCK_KEY]);
        if (r.rows[0]?.ok) {
          setLeader(true);
          return; // Held until this session ends.
        }
        await new Promise<void>((resolve) => {
          retryTimer = setTimeout(resolve, retryMs);
          retryTimer.unref();
        });
      }
    } catch {
      lose();
    }
  };

  if (store.dialect === 'postgres') void campaign();
  else setLeader(true);

  return {
    get leader() {
      return leader;
    },
    tick,
    resume() {
      if (!paused) return;
      paused = false;
      void tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      setLeader(false);
      await running?.catch(() => {});
      // Ending the session releases the lock: another instance takes over within `retryMs`.
      if (client) await endClient(client);
    },
  };
}
