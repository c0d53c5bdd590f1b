import pg from 'pg';
import { endClient } from './pg-end';

/**
 * The change feed: "the data changed, up to version N", as soon as a write transaction commits,
 * whichever server instance committed it. Live streams, `?wait=` and the webhook worker listen to
 * it instead of polling.
 *
 * Every write transaction that changes drafts advances the version counter (see `Store.write`), so
 * the counter's value is the feed's message:
 * - PostgreSQL: a trigger on the counter row calls `pg_notify` (migration 8). PostgreSQL delivers
 *   a notification only when its transaction commits, in commit order, to every session that
 *   `LISTEN`s — here one dedicated connection per process. A lost connection is reopened with
 *   backoff and the counter read again, so a change made while it was away is still reported.
 * - SQLite: the store reports its own commits in-process (`committed`); a slow poll of the counter
 *   row, only while someone listens, catches commits of other processes (the CLI).
 *
 * Listeners get a version at least as new as every commit before the call; versions only grow.
 */
export interface ChangeFeed {
  /** The newest committed version this process knows of (0 until the first read). */
  readonly version: number;
  /** Called with the new version after each change (coalesced: one call may cover several commits). */
  subscribe(listener: (version: number) => void): () => void;
  /** Resolves once the feed listens (and has read the current version). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The PostgreSQL channel the counter trigger notifies. */
export const CHANGES_CHANNEL = 'countersign_changes';

type Listener = (version: number) => void;

/** The part both kinds share: the version and its listeners. */
function emitter() {
  const listeners = new Set<Listener>();
  let version = 0;
  return {
    listeners,
    get version() {
      return version;
    },
    /** Raises the version to `v` and tells the listeners (nothing when `v` is not newer). */
    advance(v: number) {
      if (!(v > version)) return;
      version = v;
      for (const l of [...listeners]) {
        try {
          l(v);
        } catch (error) {
          process.stderr.write(
            `${JSON.stringify({ level: 'error', msg: 'change listener failed', error: String(error) })}\n`,
          );
        }
      }
    },
  };
}

export interface LocalChangeFeed extends ChangeFeed {
  /** The store calls this after a commit that advanced the counter to `version`. */
  committed(version: number): void;
}

/**
 * SQLite (one process writes most of the time). `readVersion` is the counter read used at start and
 * by the poll that notices other processes' commits (`pollMs`, only while there are listeners).
 */
export function localChangeFeed(readVersion: () => Promise<number>, pollMs = 1_000): LocalChangeFeed {
  const e = emitter();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const poll = async () => {
    try {
      e.advance(await readVersion());
    } catch {
      // The database is busy or closing; the next poll tries again.
    }
  };
  const initial = poll();
  const schedule = () => {
    if (timer || closed || e.listeners.size === 0) return;
    timer = setInterval(() => void poll(), pollMs);
    timer.unref();
  };
  return {
    get version() {
      return e.version;
    },
    subscribe(listener) {
      e.listeners.add(listener);
      schedule();
      return () => {
        e.listeners.delete(listener);
        if (e.listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    ready: () => initial,
    committed: (version) => e.advance(version),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      e.listeners.clear();
    },
  };
}

export interface PgChangeFeedOptions {
  /** First reconnect delay; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Told when the listening connection is lost or comes back (for logs and tests). */
  onState?: (state: 'listening' | 'lost', error?: unknown) => void;
}

/** PostgreSQL: one dedicated connection that LISTENs (a pooled connection would be handed to others). */
export function pgChangeFeed(connectionString: string, opts: PgChangeFeedOptions = {}): ChangeFeed {
  const e = emitter();
  const backoffMs = opts.backoffMs ?? 100;
  const maxBackoffMs = opts.maxBackoffMs ?? 5_000;
  let client: pg.Client | undefined;
  let closed = false;
  let delay = backoffMs;
  let retry: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((r) => {
    resolveReady = r;
  });

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000, keepAlive: true });
    client = c;
    let lost = false;
    const lose = (error?: unknown) => {
      if (lost) return;
      lost = true;
      c.removeAllListeners('notification');
      c.end().catch(() => {});
      if (client === c) client = undefined;
      if (closed) return;
      opts.onState?.('lost', error);
      retry = setTimeout(() => void connect(), delay);
      retry.unref();
      delay = Math.min(delay * 2, maxBackoffMs);
    };
    c.on('error', lose);
    c.on('end', () => lose());
    c.on('notification', (msg) => {
      if (msg.channel === CHANGES_CHANNEL) e.advance(Number(msg.payload));
    });
    try {
      await c.connect();
      await c.query(`listen ${CHANGES_CHANNEL}`);
      // Read after LISTEN: a commit in between is then both notified and read, never neither.
      const r = await c.query<{ value: string | number }>("select value from counters where name = 'version'");
      if (closed) return;
      delay = backoffMs;
      e.advance(Number(r.rows[0]?.value ?? 0));
      opts.onState?.('listening');
      resolveReady();
    } catch (error) {
      lose(error);
    }
  };
  void connect();

  return {
    get version() {
      return e.version;
    },
    subscribe(listener) {
      e.listeners.add(listener);
      return () => e.listeners.delete(listener);
    },
    ready: () => readyPromise,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      e.listeners.clear();
      resolveReady();
      if (client) await endClient(client);
    },
  };
}

/**
 * Resolves with the feed's version as soon as it is above `after`, or with null after `timeoutMs`
 * or when `signal` aborts. No polling: it waits on the feed.
 */
export function nextChange(
  feed: ChangeFeed,
  after: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number | null> {
  if (feed.version > after) return Promise.resolve(feed.version);
  if (signal?.aborted) return Promise.resolve(null);
  return new Promise((resolve) => {
    const done = (v: number | null) => {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => done(null);
    const timer = setTimeout(() => done(null), timeoutMs);
    const unsubscribe = feed.subscribe((v) => {
      if (v > after) done(v);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
