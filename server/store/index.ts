import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import { type ChangeFeed, type LocalChangeFeed, localChangeFeed, pgChangeFeed } from './changes';
import { BACKSTOP_PAGES, type Checkpointer, type CheckpointerOptions, startCheckpointer } from './checkpointer';
import { preparedName } from './fast';
import { type Dialect, migrate } from './migrations';
import { type PgGuard, pgGuard } from './pg-guard';
import { gate, type PgOptions, pgOptions } from './pg-options';
import { BOOLEAN_COLUMNS, type Database } from './schema';

export type { ChangeFeed } from './changes';
export type { Dialect } from './migrations';
export type { PgOptions } from './pg-options';
export type { Database } from './schema';

export const DEFAULT_SQLITE_PATH = './data/countersign.db';

/** SQLite: how long a statement waits for a lock another connection holds before failing (SQLITE_BUSY). */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** Takes the version counter's row lock and reads its value (see `Store.write`). */
const LOCK = "update counters set value = value where name = 'version' returning value";
/**
 * PostgreSQL: BEGIN and LOCK sent as one simple-protocol query (one round trip instead of two).
 * pg answers a multi-statement query with one result per statement; the pool's clients hand back
 * the second (the lock's rows) for this text (see `openStore`).
 */
const BEGIN_AND_LOCK = `begin; ${LOCK}`;
const SET_VERSION = (dialect: Dialect) =>
  `update counters set value = ${dialect === 'postgres' ? '$1' : '?'} where name = 'version'`;

/** Hands out the versions of one write transaction (see `Store.write`). */
export interface Versions {
  /** The next version number; every changed draft row gets its own. */
  next(): number;
  /** The last version handed out (the value the counter row gets at the end). */
  current(): number;
  /**
   * The caller wrote `current()` into the counter row in one of its own statements (saves the
   * transaction's closing UPDATE); a later `next()` makes the transaction write it again.
   */
  stored(): void;
}

export interface Store {
  readonly dialect: Dialect;
  /** Typed Kysely handle; reads may use it directly. Writes that change drafts go through `write`. */
  readonly db: Kysely<Database>;
  /**
   * Runs `fn` in a write transaction that holds the version counter's row lock from its first
   * statement, so writers are serialised and versions commit in increasing order on both databases
   * (a reader pulling `version > cursor` can never skip a row that commits later with a smaller
   * version). Use `versions.next()` for each draft row the transaction inserts or updates.
   */
  write<T>(fn: (trx: Kysely<Database>, versions: Versions) => Promise<T>): Promise<T>;
  /**
   * SQLite only: the connection's cached prepared statements, run synchronously (no promise per
   * statement). Only inside `write`, which holds the connection: a call elsewhere would land in
   * whatever transaction is open.
   */
  readonly sqlite?: SqliteDirect;
  /**
   * Committed changes as they happen, from this and every other process on the same database
   * (store/changes.ts). Opened on first use: a store that never asks holds no extra connection.
   */
  readonly changes: ChangeFeed;
  /**
   * PostgreSQL: the connection string the store was opened with, for the few things that need a
   * session of their own (the timers' advisory lock, service/timers.ts). Undefined on SQLite.
   */
  readonly connectionString?: string;
  close(): Promise<void>;
}

export interface SqliteDirect {
  /**
   * BEGIN IMMEDIATE without waiting: false when another connection holds the write lock (the
   * caller waits off the event loop and tries again; see `Store.write`).
   */
  tryBegin(): boolean;
  /** Runs `sql` once for each parameter list. */
  runEach(sql: string, rows: readonly (readonly unknown[])[]): void;
  /** Runs `sql` once; its first row, if it returns rows. */
  get<R>(sql: string, params?: readonly unknown[]): R | undefined;
  all<R>(sql: string, params: readonly unknown[]): R[];
}

/** A Kysely type-safe bundle of what callers hold while writing. */
export type Trx = Kysely<Database>;

/** `make(key)`, remembered for the last 500 keys (the oldest is dropped first). */
function boundedCache<V>(make: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    let value = cache.get(key);
    if (value !== undefined) return value;
    value = make(key);
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
    return value;
  };
}

// better-sqlite3 refuses to bind booleans and returns 0/1 for boolean columns; this wrapper makes
// SQLite behave like PostgreSQL for both, so the rest of the code has one path.
function wrapSqlite(
  raw: BetterSqlite3.Database,
  busyTimeoutMs: number,
): { database: SqliteDatabase; direct: SqliteDirect } {
  const toParams = (params: ReadonlyArray<unknown>) =>
    params.map((p) => (p === true ? 1 : p === false ? 0 : p)) as unknown[];
  /** Turns the statement's boolean columns (`booleans`: their names, usually none) from 0/1 into booleans. */
  const fixRow = (row: unknown, booleans: readonly string[]) => {
    if (booleans.length && row && typeof row === 'object') {
      const r = row as Record<string, unknown>;
      for (const k of booleans) if (typeof r[k] === 'number') r[k] = r[k] === 1;
    }
    return row;
  };
  // Kysely prepares every query anew; preparing is a large share of a small query's cost, so
  // statements are cached by their SQL text (bounded: `in (?, ?, …)` lists make many variants),
  // with the names of their boolean columns (looked up once, not for every key of every row).
  const prepared = boundedCache((query) => {
    const stmt = raw.prepare(query);
    const booleans = stmt.reader
      ? stmt
          .columns()
          .map((c) => c.name)
          .filter((n) => BOOLEAN_COLUMNS.has(n))
      : [];
    return Object.assign(stmt, { booleans });
  });
  // The hot reads (`direct.all`): better-sqlite3 hands back rows as arrays and the objects are
  // built here, always with the same keys in the same order. Measured 28% faster for 50 drafts
  // than its own row objects, which it builds property by property from C++.
  const rawPrepared = boundedCache((query) => {
    const stmt = raw.prepare(query).raw(true);
    const names = stmt.columns().map((c) => c.name);
    return { stmt, names, booleans: names.map((n) => BOOLEAN_COLUMNS.has(n)) };
  });
  const database: SqliteDatabase = {
    close: () => raw.close(),
    prepare(query: string): SqliteStatement {
      const stmt = prepared(query);
      return {
        reader: stmt.reader,
        all: (params) => {
          const rows = stmt.all(...toParams(params));
          if (stmt.booleans.length) for (const row of rows) fixRow(row, stmt.booleans);
          return rows;
        },
        run: (params) => stmt.run(...toParams(params)),
        *iterate(params) {
          for (const row of stmt.iterate(...toParams(params))) yield fixRow(row, stmt.booleans);
        },
      };
    },
  };
  // SQLite's own wait for a lock (busy_timeout) sleeps the thread: the event loop stops, and it
  // polls in steps of 1, 2, 5, 10… ms. tryBegin() asks without waiting; `write` waits off the loop.
  const noWait = raw.prepare('pragma busy_timeout = 0');
  const wait = raw.prepare(`pragma busy_timeout = ${busyTimeoutMs}`);
  const begin = raw.prepare('begin immediate');
  const direct: SqliteDirect = {
    tryBegin() {
      noWait.run();
      try {
        begin.run();
        return true;
      } catch (e) {
        // SQLITE_BUSY, or SQLITE_BUSY_RECOVERY while another process recovers the WAL: try again.
        if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
        throw e;
      } finally {
        wait.run();
      }
    },
    runEach(query, rows) {
      const stmt = prepared(query);
      for (const row of rows) stmt.run(...toParams(row));
    },
    get<R>(query: string, params: readonly unknown[] = []) {
      const stmt = prepared(query);
      if (!stmt.reader) {
        stmt.run(...toParams(params));
        return undefined;
      }
      return fixRow(stmt.get(...toParams(params)), stmt.booleans) as R | undefined;
    },
    all<R>(query: string, params: readonly unknown[]) {
      const { stmt, names, booleans } = rawPrepared(query);
      const rows = stmt.all(...toParams(params)) as unknown[][];
      const out = new Array<R>(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const values = rows[r]!;
        const row: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) {
          const v = values[i];
          row[names[i]!] = booleans[i] && typeof v === 'number' ? v === 1 : v;
        }
        out[r] = row as R;
      }
      return out;
    },
  };
  return { database, direct };
}

function parseUrl(databaseUrl: string | undefined): { dialect: Dialect; target: string } {
  const url = databaseUrl?.trim();
  if (!url) return { dialect: 'sqlite', target: DEFAULT_SQLITE_PATH };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', target: url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new Error('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/countersign.db');
    return { dialect: 'sqlite', target: path };
  }
  throw new Error(`DATABASE_URL must be unset, sqlite:<path> or postgres://…; got "${url.split(':')[0]}:…"`);
}

export interface StoreOptions {
  /**
   * SQLite: run WAL checkpoints on a worker thread (store/checkpointer.ts) instead of inside the
   * request connection's commits. For a long-running server; a one-shot command leaves it off.
   */
  backgroundCheckpoints?: boolean | CheckpointerOptions;
  /** SQLite: how long a statement or a write transaction waits for another connection's lock (default 5 s). */
  busyTimeoutMs?: number;
  /** PostgreSQL: pool size, timeouts, writer queue (default: environment variables, see store/pg-options.ts). */
  pg?: Partial<PgOptions>;
}

/** Thrown when a writer waited too long for its turn (PostgreSQL writer queue); answered 503. */
export class WriteQueueTimeout extends Error {
  readonly code = 'COUNTERSIGN_WRITE_QUEUE_TIMEOUT';
  constructor(waitMs: number) {
    super(`waited ${waitMs} ms for a turn to write`);
  }
}

const warn = (msg: string, fields: Record<string, unknown>) =>
  process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...fields })}\n`);

/**
 * Opens the database named by `databaseUrl` (unset = SQLite `./data/countersign.db`,
 * `sqlite:<path>`, `postgres://…`) and brings its schema up to date.
 */
export async function openStore(databaseUrl?: string, opts: StoreOptions = {}): Promise<Store> {
  const { dialect, target } = parseUrl(databaseUrl);
  const busyTimeoutMs = Math.max(0, Math.trunc(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
  let db: Kysely<Database>;
  let direct: SqliteDirect | undefined;
  let checkpointer: Checkpointer | undefined;
  let writers: ReturnType<typeof gate> | undefined;
  let guard: PgGuard | undefined;
  if (dialect === 'sqlite') {
    if (target !== ':memory:') mkdirSync(dirname(resolve(target)), { recursive: true });
    const raw = new BetterSqlite3(target);
    raw.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    raw.pragma('synchronous = NORMAL');
    raw.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Decisions read and rewrite drafts at random (uuid keys): a 64 MB page cache instead of 2 MB.
    raw.pragma('cache_size = -65536');
    raw.pragma('foreign_keys = ON');
    if (opts.backgroundCheckpoints && target !== ':memory:') {
      raw.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      checkpointer = startCheckpointer(target, {
        ...(typeof opts.backgroundCheckpoints === 'object' ? opts.backgroundCheckpoints : {}),
        onError: (error) => {
          // Back to checkpoints in the request connection; nothing is lost either way.
          if (raw.open) raw.pragma('wal_autocheckpoint = 1000');
          warn('background checkpoint failed; checkpointing in commits again', { error });
        },
      });
    }
    const wrapped = wrapSqlite(raw, busyTimeoutMs);
    direct = wrapped.direct;
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: wrapped.database }) });
  } else {
    const o = pgOptions(opts.pg);
    writers = gate(o.writers, o.writeWaitMs, () => new WriteQueueTimeout(o.writeWaitMs));
    // Migrations first, on a connection of their own without the request timeouts (building an
    // index on a large table may take longer than any request should).
    const migrator = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target, max: 1 }) }),
    });
    try {
      await migrate(migrator, dialect);
    } finally {
      await migrator.destroy();
    }
    const pool = new pg.Pool({
      connectionString: target,
      max: o.poolMax,
      // With the database away, a request fails within this instead of waiting (answered 503).
      connectionTimeoutMillis: o.connectTimeoutMs,
      ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs } : {}),
      ...(o.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs } : {}),
      ...(o.queryTimeoutMs ? { query_timeout: o.queryTimeoutMs } : {}),
      // Dead peers are noticed on idle connections too.
      keepAlive: true,
      // bigint (int8) and numeric come back as strings by default; our values fit in a double.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (oid === 20 || oid === 1700) return (v: string) => Number(v);
          return pg.types.getTypeParser(oid, format);
        }) as typeof pg.types.getTypeParser,
      },
    });
    // An idle pooled connection that the database ends (a restart, an administrator, a dropped test
    // database) is reported as an 'error' event on the pool; without a listener Node ends the whole
    // process. pg has already discarded that client, and the next query opens a fresh one.
    pool.on('error', (err) => {
      warn('idle database connection closed', { code: (err as { code?: string }).code ?? null });
    });
    // A database that stops answering without closing connections: 503 at once instead of a wait
    // for the query timeout (store/pg-guard.ts). Taking a connection fails while it is stalled.
    const g = pgGuard({
      stallMs: o.stallMs,
      probeMs: o.connectTimeoutMs,
      connectionString: target,
      onChange: (stalled) =>
        warn(stalled ? 'database not answering; refusing requests until it does' : 'database answering again', {}),
    });
    guard = g;
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    pool.connect = (() => {
      try {
        g.check();
      } catch (e) {
        return Promise.reject(e);
      }
      return connect();
    }) as typeof pool.connect;
    // Two adjustments to how Kysely's queries reach pg, per pooled client:
    // - BEGIN_AND_LOCK is two statements (simple query protocol, no parameters): pg resolves it
    //   with an array of results, Kysely expects one; hand it the lock's.
    // - hot-path statements (store/fast.ts `run`) go as named prepared statements: parsed and
    //   planned once per connection.
    pool.on('connect', (client) => {
      // A connection that dies while a request holds it (the database stopped between two of the
      // transaction's statements) is reported as an 'error' event on the client; without a
      // listener Node ends the process. The request's next statement fails (answered 503), and pg
      // discards the client when it is released.
      client.on('error', (err) => {
        warn('database connection lost', { code: (err as { code?: string }).code ?? null });
      });
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      const send = (...args: unknown[]): Promise<unknown> => {
        const [text, values] = args;
        if (text === BEGIN_AND_LOCK && args.length <= 2)
          return (query(BEGIN_AND_LOCK) as Promise<pg.QueryResult[]>).then((results) => results[1]);
        const name =
          args.length === 2 && typeof text === 'string' && Array.isArray(values) ? preparedName(text) : undefined;
        return (name ? query({ name, text, values }) : query(...args)) as Promise<unknown>;
      };
      client.query = ((...args: unknown[]) => {
        const result = g.track(client as pg.PoolClient, () => send(...args));
        if (typeof (result as { then?: unknown } | undefined)?.then !== 'function') return result;
        return result.catch((e: unknown) => {
          // pg's query timeout answers the caller but leaves the query on the connection, which
          // would go back to the pool and hold every later query behind it: end the connection
          // (pg destroys the socket) so the pool drops it on release.
          if (e instanceof Error && e.message === 'Query read timeout')
            void (client as unknown as pg.Client).end().catch(() => {});
          throw e;
        });
      }) as typeof client.query;
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  try {
    if (dialect === 'sqlite') await migrate(db, dialect);
  } catch (e) {
    await checkpointer?.stop();
    await db.destroy();
    throw e;
  }

  // The change feed, opened on first use (see `Store.changes`). PostgreSQL's comes from NOTIFY; on
  // SQLite the transactions below report their commits to it.
  let feed: ChangeFeed | undefined;
  let localFeed: LocalChangeFeed | undefined;
  const readVersion = async () =>
    Number(
      (await db.selectFrom('counters').select('value').where('name', '=', 'version').executeTakeFirst())?.value ?? 0,
    );
  const changes = (): ChangeFeed => {
    if (feed) return feed;
    if (dialect === 'postgres') feed = pgChangeFeed(target);
    else feed = localFeed = localChangeFeed(readVersion);
    return feed;
  };

  // SQLite: the transaction's own statements run directly on the connection (a prepared statement
  // each, no query building, no promise per statement); Kysely's connection() still hands out the
  // connection one transaction at a time.
  const tx = (conn: Kysely<Database>, query: string, params: readonly unknown[] = []) =>
    direct
      ? Promise.resolve(direct.get<{ value: number }>(query, params))
      : conn.executeQuery<{ value: number }>(CompiledQuery.raw(query, params as unknown[])).then((r) => r.rows[0]);
  // One transaction on `conn`: the version counter's lock first, then `fn`, then COMMIT (SQLite:
  // BEGIN IMMEDIATE has already run).
  const transaction = async <T>(
    conn: Kysely<Database>,
    fn: (trx: Kysely<Database>, versions: Versions) => Promise<T>,
  ): Promise<T> => {
    try {
      // `value = value` takes the row lock (PostgreSQL) and reads the current value in one statement;
      // on PostgreSQL together with BEGIN, in one round trip (see BEGIN_AND_LOCK).
      const row = await tx(conn, dialect === 'postgres' ? BEGIN_AND_LOCK : LOCK);
      if (!row) throw new Error('the version counter row is missing');
      let stored = Number(row.value);
      let current = stored;
      const result = await fn(conn, {
        next: () => ++current,
        current: () => current,
        stored: () => {
          stored = current;
        },
      });
      if (current !== stored) await tx(conn, SET_VERSION(dialect), [current]);
      await tx(conn, 'commit');
      if (current !== Number(row.value)) localFeed?.committed(current);
      return result;
    } catch (e) {
      // The error that matters is `e`; a failed rollback (no transaction open) must not hide it.
      await Promise.resolve()
        .then(() => tx(conn, 'rollback'))
        .catch(() => {});
      throw e;
    }
  };
  // SQLite: writes run one after another in the order they were asked for (they share one
  // connection anyway); the one at the head waits for the database's write lock, which another
  // connection may hold for a moment (the checkpointer restarting the WAL, the CLI creating a
  // token). It hands the connection back while it waits, so reads go on, and tries again a
  // millisecond later, for up to `busyTimeoutMs` like any other statement.
  let queue: Promise<unknown> = Promise.resolve();
  const sqliteWrite = async <T>(
    sqlite: SqliteDirect,
    fn: (trx: Kysely<Database>, versions: Versions) => Promise<T>,
  ): Promise<T> => {
    const deadline = performance.now() + busyTimeoutMs;
    for (;;) {
      const outcome = await db
        .connection()
        .execute(async (conn) => (sqlite.tryBegin() ? { result: await transaction(conn, fn) } : null));
      if (outcome) return outcome.result;
      if (performance.now() > deadline) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const write = <T>(fn: (trx: Kysely<Database>, versions: Versions) => Promise<T>): Promise<T> => {
    // PostgreSQL: a pooled client for the whole transaction; the counter's row lock serialises
    // writers. They wait for their turn in the process first (`writers`), so a burst of writes
    // holds at most a few connections and token look-ups and reads keep theirs.
    if (!direct) return writers!.run(() => db.connection().execute((conn) => transaction(conn, fn)));
    const sqlite = direct;
    const result = queue.then(() => sqliteWrite(sqlite, fn));
    queue = result.catch(() => {});
    return result;
  };

  let closed = false;
  return {
    dialect,
    db,
    write,
    ...(direct ? { sqlite: direct } : {}),
    ...(dialect === 'postgres' ? { connectionString: target } : {}),
    get changes() {
      return changes();
    },
    async close() {
      if (closed) return;
      closed = true;
      await feed?.close();
      await guard?.stop();
      // The checkpointer's connection first: the last connection to close checkpoints what is
      // left and removes the WAL.
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
