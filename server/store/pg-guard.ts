import pg from 'pg';
import { endClient } from './pg-end';

/**
 * A database that stops answering without closing its connections (frozen, a network black hole,
 * a host that hangs) would hold every request until the query timeout, which has to stay longer
 * than the statement timeout. The guard notices it sooner (issue 13):
 *
 * - it tracks the pool's queries: when one has been waiting longer than `stallMs` and nothing at
 *   all has been answered for that long, it asks the database directly, on a connection of its own
 *   (`select 1` within `probeMs`). A slow query on a database that answers is left alone.
 * - if that probe gets no answer, the database is *stalled*: the connections with a query waiting
 *   are destroyed (their requests fail now and are answered 503; the pool does not hand them out
 *   again), and taking a connection from the pool fails at once, so every route that needs the
 *   database answers 503 with Retry-After right away instead of queueing behind stuck ones.
 * - while stalled it probes again every `stallMs`; the first answer ends it.
 *
 * It reads only the pool's public counters and what passes through the query wrapper in
 * store/index.ts.
 */
export class DatabaseStalled extends Error {
  readonly code = 'COUNTERSIGN_DB_STALLED';
  constructor() {
    super('the database is not answering');
  }
}

/** An error the database sent (an SQLSTATE), as opposed to one raised in the client. */
const isAnswer = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08');
};

export interface PgGuardOptions {
  /** No answer for this long with a query waiting: probe (COUNTERSIGN_PG_STALL_MS, 300; 0 = off). */
  stallMs: number;
  /** The probe's connect + `select 1` must finish within this (the connect timeout). */
  probeMs: number;
  connectionString: string;
  onChange?: (stalled: boolean) => void;
}

export interface PgGuard {
  /** Wraps a query sent on pooled `client`: tracked while it waits, counted as an answer when it settles. */
  track<T>(client: pg.PoolClient, run: () => Promise<T>): Promise<T>;
  /** Throws `DatabaseStalled` while the database is known not to answer. */
  check(): void;
  readonly stalled: boolean;
  stop(): Promise<void>;
}

export function pgGuard(opts: PgGuardOptions): PgGuard {
  const inflight = new Map<pg.PoolClient, number[]>();
  let lastAnswer = performance.now();
  let stalled = false;
  let probing: Promise<void> | undefined;
  let stopped = false;

  const probe = async (): Promise<boolean> => {
    const client = new pg.Client({
      connectionString: opts.connectionString,
      connectionTimeoutMillis: opts.probeMs,
      query_timeout: opts.probeMs,
    });
    // A connection that breaks after the answer must not end the process.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (e) {
      // The database answered, with an error (too many connections, starting up): it is not frozen.
      return isAnswer(e);
    } finally {
      await endClient(client, opts.probeMs);
    }
  };

  const setStalled = (value: boolean) => {
    if (stalled === value) return;
    stalled = value;
    opts.onChange?.(value);
  };

  const runProbe = () => {
    probing ??= probe()
      .then((alive) => {
        if (stopped) return;
        if (alive) {
          lastAnswer = performance.now();
          setStalled(false);
          return;
        }
        setStalled(true);
        // Their queries will not be answered: end them now (pg destroys the socket of a client
        // with a query waiting; the request fails with "Connection terminated" and the pool drops
        // the client when it is released).
        for (const client of inflight.keys()) void (client as unknown as pg.Client).end().catch(() => {});
      })
      .finally(() => {
        probing = undefined;
      });
  };

  const tick = () => {
    if (stopped || probing) return;
    const now = performance.now();
    if (stalled) return runProbe();
    if (now - lastAnswer < opts.stallMs) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const starts of inflight.values()) for (const t of starts) oldest = Math.min(oldest, t);
    if (now - oldest >= opts.stallMs) runProbe();
  };
  const timer = opts.stallMs > 0 ? setInterval(tick, Math.max(10, Math.round(opts.stallMs / 3))) : undefined;
  timer?.unref();

  return {
    track<T>(client: pg.PoolClient, run: () => Promise<T>): Promise<T> {
      if (!timer) return run();
      const t = performance.now();
      const starts = inflight.get(client) ?? [];
      starts.push(t);
      inflight.set(client, starts);
      // Settled with an answer from the database (rows or an SQL error), or without one (a
      // client-side timeout, a broken connection): only an answer shows that it is alive.
      const done = (answered: boolean) => {
        if (answered) lastAnswer = performance.now();
        const i = starts.indexOf(t);
        if (i >= 0) starts.splice(i, 1);
        if (starts.length === 0 && inflight.get(client) === starts) inflight.delete(client);
      };
      let p: Promise<T>;
      try {
        p = run();
      } catch (e) {
        done(false);
        throw e;
      }
      // A callback-style query or a cursor: not followed.
      if (typeof (p as { then?: unknown } | undefined)?.then !== 'function') {
        done(false);
        return p;
      }
      return p.then(
        (v) => {
          done(true);
          return v;
        },
        (e) => {
          done(isAnswer(e));
          throw e;
        },
      );
    },
    check() {
      if (stalled) throw new DatabaseStalled();
    },
    get stalled() {
      return stalled;
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await probing?.catch(() => {});
    },
  };
}
