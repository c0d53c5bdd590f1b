import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect, type SqliteStatement, sql } from 'kysely';
import pg from 'pg';
import { type Dialect, migrate } from './migrations';
import { BOOLEAN_COLUMNS, type Database } from './schema';

export type { Dialect } from './migrations';
export type { Database } from './schema';

export const DEFAULT_SQLITE_PATH = './data/countersign.db';

/** Hands out the versions of one write transaction (see `Store.write`). */
export interface Versions {
  /** The next version number; every changed draft row gets its own. */
  next(): number;
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
  close(): Promise<void>;
}

/** A Kysely type-safe bundle of what callers hold while writing. */
export type Trx = Kysely<Database>;

// better-sqlite3 refuses to bind booleans and returns 0/1 for boolean columns; this wrapper makes
// SQLite behave like PostgreSQL for both, so the rest of the code has one path.
function wrapSqlite(raw: BetterSqlite3.Database): SqliteDatabase {
  const toParams = (params: ReadonlyArray<unknown>) =>
    params.map((p) => (p === true ? 1 : p === false ? 0 : p)) as unknown[];
  const fixRow = (row: unknown) => {
    if (row && typeof row === 'object') {
      const r = row as Record<string, unknown>;
      for (const k of Object.keys(r)) if (BOOLEAN_COLUMNS.has(k) && typeof r[k] === 'number') r[k] = r[k] === 1;
    }
    return row;
  };
  // Kysely prepares every query anew; preparing is a large share of a small query's cost, so
  // statements are cached by their SQL text (bounded: `in (?, ?, …)` lists make many variants).
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepared = (query: string) => {
    let stmt = cache.get(query);
    if (stmt) return stmt;
    stmt = raw.prepare(query);
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    cache.set(query, stmt);
    return stmt;
  };
  return {
    close: () => raw.close(),
    prepare(query: string): SqliteStatement {
      const stmt = prepared(query);
      return {
        reader: stmt.reader,
        all: (params) => stmt.all(...toParams(params)).map(fixRow),
        run: (params) => stmt.run(...toParams(params)),
        *iterate(params) {
          for (const row of stmt.iterate(...toParams(params))) yield fixRow(row);
        },
      };
    },
  };
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

/**
 * Opens the database named by `databaseUrl` (unset = SQLite `./data/countersign.db`,
 * `sqlite:<path>`, `postgres://…`) and brings its schema up to date.
 */
export async function openStore(databaseUrl?: string): Promise<Store> {
  const { dialect, target } = parseUrl(databaseUrl);
  let db: Kysely<Database>;
  if (dialect === 'sqlite') {
    if (target !== ':memory:') mkdirSync(dirname(resolve(target)), { recursive: true });
    const raw = new BetterSqlite3(target);
    raw.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    raw.pragma('synchronous = NORMAL');
    raw.pragma('busy_timeout = 5000');
    // Decisions read and rewrite drafts at random (uuid keys): a 64 MB page cache instead of 2 MB.
    raw.pragma('cache_size = -65536');
    raw.pragma('foreign_keys = ON');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: wrapSqlite(raw) }) });
  } else {
    const pool = new pg.Pool({
      connectionString: target,
      max: 10,
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
      process.stderr.write(
        `${JSON.stringify({ level: 'warn', msg: 'idle database connection closed', code: (err as { code?: string }).code ?? null })}\n`,
      );
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  try {
    await migrate(db, dialect);
  } catch (e) {
    await db.destroy();
    throw e;
  }

  const write = async <T>(fn: (trx: Kysely<Database>, versions: Versions) => Promise<T>): Promise<T> => {
    const body = async (trx: Kysely<Database>) => {
      // `value = value` takes the row lock (PostgreSQL) and reads the current value in one statement.
      const row = await trx
        .updateTable('counters')
        .set({ value: sql<number>`value` })
        .where('name', '=', 'version')
        .returning('value')
        .executeTakeFirstOrThrow();
      const start = Number(row.value);
      let current = start;
      const result = await fn(trx, { next: () => ++current });
      if (current !== start) {
        await trx.updateTable('counters').set({ value: current }).where('name', '=', 'version').execute();
      }
      return result;
    };
    if (dialect === 'postgres') return db.transaction().execute(body);
    // SQLite: one connection behind Kysely's mutex; BEGIN IMMEDIATE also guards against other processes.
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const r = await body(conn);
        await sql`commit`.execute(conn);
        return r;
      } catch (e) {
        await sql`rollback`.execute(conn);
        throw e;
      }
    });
  };

  let closed = false;
  return {
    dialect,
    db,
    write,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
