/**
 * PostgreSQL operations (issue 13): the pool's size and timeouts and the in-process writer queue,
 * from environment variables with defaults (documented in server/README.md, "PostgreSQL settings").
 * With the database away, every route that needs it answers 503 within about a second
 * (server/errors.ts `isDatabaseUnavailable`) instead of hanging, and the pool reconnects by itself.
 */
export interface PgOptions {
  /** Connections in the pool (COUNTERSIGN_PG_POOL_MAX, default 10). */
  poolMax: number;
  /** Waiting for a connection (a new one or a free pooled one) before giving up (COUNTERSIGN_PG_CONNECT_TIMEOUT_MS, 1000). */
  connectTimeoutMs: number;
  /** The server cancels a statement running longer (COUNTERSIGN_PG_STATEMENT_TIMEOUT_MS, 10000). */
  statementTimeoutMs: number;
  /** The server ends a session idle inside a transaction this long (COUNTERSIGN_PG_IDLE_TX_TIMEOUT_MS, 30000). */
  idleInTransactionTimeoutMs: number;
  /**
   * The client gives up on an answer after this long, for a database that stopped answering
   * without closing the connection (COUNTERSIGN_PG_QUERY_TIMEOUT_MS, statement timeout + 2000).
   */
  queryTimeoutMs: number;
  /**
   * Write transactions holding a connection at once (COUNTERSIGN_PG_WRITERS, 2). Writers are
   * serialised by the version counter's row lock anyway; the rest wait in the process, not on a
   * pooled connection, so a burst of writes cannot take every connection from token look-ups and
   * reads.
   */
  writers: number;
  /** A writer waiting in that queue longer than this is refused with 503 (COUNTERSIGN_PG_WRITE_WAIT_MS, 10000). */
  writeWaitMs: number;
  /**
   * A query waiting this long while nothing at all is answered makes the server ask the database
   * directly whether it is alive; if it does not answer within the connect timeout, requests get
   * 503 at once until it does (store/pg-guard.ts; COUNTERSIGN_PG_STALL_MS, 300; 0 = off).
   */
  stallMs: number;
}

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
};

/** The options from the environment (and `over`, which wins), with their defaults. */
export function pgOptions(over: Partial<PgOptions> = {}, env: NodeJS.ProcessEnv = process.env): PgOptions {
  const statementTimeoutMs = over.statementTimeoutMs ?? int(env, 'COUNTERSIGN_PG_STATEMENT_TIMEOUT_MS', 10_000);
  return {
    poolMax: over.poolMax ?? int(env, 'COUNTERSIGN_PG_POOL_MAX', 10, 1),
    connectTimeoutMs: over.connectTimeoutMs ?? int(env, 'COUNTERSIGN_PG_CONNECT_TIMEOUT_MS', 1_000, 1),
    statementTimeoutMs,
    idleInTransactionTimeoutMs:
      over.idleInTransactionTimeoutMs ?? int(env, 'COUNTERSIGN_PG_IDLE_TX_TIMEOUT_MS', 30_000),
    queryTimeoutMs:
      over.queryTimeoutMs ??
      int(env, 'COUNTERSIGN_PG_QUERY_TIMEOUT_MS', statementTimeoutMs > 0 ? statementTimeoutMs + 2_000 : 0),
    writers: over.writers ?? int(env, 'COUNTERSIGN_PG_WRITERS', 2, 1),
    writeWaitMs: over.writeWaitMs ?? int(env, 'COUNTERSIGN_PG_WRITE_WAIT_MS', 10_000, 1),
    stallMs: over.stallMs ?? int(env, 'COUNTERSIGN_PG_STALL_MS', 300),
  };
}

/**
 * A first-come-first-served gate for at most `limit` holders at once. `run` waits for a place
 * (failing with `onTimeout()` after `waitMs`), runs `fn`, and hands the place to the next waiter.
 */
export function gate(limit: number, waitMs: number, onTimeout: () => Error) {
  let active = 0;
  const waiting: Array<{ go: () => void; timer: NodeJS.Timeout }> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) {
      clearTimeout(next.timer);
      next.go();
    } else active--;
  };
  return {
    get waiting() {
      return waiting.length;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active < limit) active++;
      else
        await new Promise<void>((resolve, reject) => {
          const entry = {
            go: resolve,
            timer: setTimeout(() => {
              const i = waiting.indexOf(entry);
              if (i >= 0) waiting.splice(i, 1);
              reject(onTimeout());
            }, waitMs),
          };
          waiting.push(entry);
        });
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
