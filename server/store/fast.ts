import { CompiledQuery, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Store, Trx } from './index';
import type { Dialect } from './migrations';

/**
 * Hot-path statements written once as SQL text instead of being built and compiled by Kysely on
 * every request (building + compiling a 100-row insert cost more than SQLite took to run it).
 * The text depends only on the dialect and, on SQLite, the row count, so the SQLite driver's
 * statement cache (store/index.ts) prepares each shape once. On PostgreSQL multi-row statements
 * pass their rows as one array parameter per column (`pgArrayRows`) or, in the decisions' combined
 * statement, as one jsonb parameter per table (`pgJsonRows`), so their text is constant whatever the
 * batch size.
 */

/** A column of a fast statement: its name and its PostgreSQL type (the cast of its parameter: jsonb value or array). */
export type Column = readonly [name: string, pgType: 'text' | 'boolean' | 'bigint' | 'double precision'];

/**
 * Runs precompiled SQL in the transaction (no query building, no compiling). On PostgreSQL the
 * text is sent as a named prepared statement (see `preparedName`), so the server parses and plans
 * it once per connection instead of on every batch.
 */
export async function run<R = Record<string, unknown>>(trx: Trx, sqlText: string, params: readonly unknown[]) {
  if (!PREPARED.has(sqlText)) PREPARED.set(sqlText, `cs_${PREPARED.size + 1}`);
  return (await trx.executeQuery<R>(CompiledQuery.raw(sqlText, params as unknown[]))).rows;
}

/** Statement name of every text `run` has executed (a bounded set: constants and `memo` shapes). */
const PREPARED = new Map<string, string>();

/** The prepared-statement name for a SQL text that went through `run`, if any (used by the PostgreSQL pool). */
export function preparedName(sqlText: string): string | undefined {
  return PREPARED.get(sqlText);
}

/**
 * Resolves once the statements asked for so far have gone to the database: Kysely hands a statement
 * to the driver a few promise steps after it is asked for, so work done right after asking, with no
 * await in it, would run before the statement is even sent, not while the database answers it.
 */
export const dispatched = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A statement's promise to be awaited later, after other work (and `dispatched`): its failure
 * meanwhile is not an unhandled rejection (which ends the process); the await still throws it.
 */
export function awaitedLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

const texts = new Map<string, string>();
/** Memoised SQL text. */
export function memo(key: string, make: () => string): string {
  let t = texts.get(key);
  if (t === undefined) {
    t = make();
    texts.set(key, t);
  }
  return t;
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * PostgreSQL: a `select` of the rows passed as one jsonb parameter `$param` (an array of rows, each
 * an array of values in `columns` order; see `pgRows`), in order: three tables' rows in one
 * statement (service/decide.ts). Measured against one array parameter per column escaped by pg:
 * 1.1 ms instead of 1.8 for 50 decision rows; `pgArrayRows` writes its arrays itself.
 */
export function pgJsonRows(columns: readonly Column[], param: number): string {
  const values = columns.map(([c, t], i) => `(r.v->>${i})::${t} as ${c}`).join(', ');
  return `select ${values} from jsonb_array_elements($${param}::jsonb) with ordinality as r(v, ord) order by ord`;
}

/** `\udxxx` (d800–dfff) preceded by an even number of backslashes, so the escape is real. */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g;

/**
 * The jsonb parameter of `pgJsonRows`. A lone UTF-16 surrogate (JSON.stringify writes it as a
 * `\udxxx` escape, which jsonb refuses) becomes U+FFFD, as pg's UTF-8 encoding does with text
 * parameters. NUL characters never get here (refused with the request, server/middleware/body.ts).
 */
export function pgRows(rows: readonly (readonly unknown[])[]): string {
  const json = JSON.stringify(rows);
  // The scan only where an escape could be (JSON.stringify writes lone surrogates in lowercase):
  // 7 ms per 2 MB of rows.
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd') : json;
}

/**
 * PostgreSQL: a `select` of rows passed as one array parameter per column (`$from`, `$from + 1`, …;
 * see `pgArrays`), unnested side by side, in order. For bulk inserts: 11,000 governance facts went
 * in ~60 ms instead of ~90–140 ms from a jsonb parameter (the database reads an array literal far
 * faster than it takes 22 values apart from each jsonb row).
 */
export function pgArrayRows(columns: readonly Column[], from: number): string {
  const arrays = columns.map(([, t], i) => `$${from + i}::${t}[]`).join(', ');
  const names = columns.map(([c]) => c).join(', ');
  return `select ${names} from unnest(${arrays}) with ordinality as r(${names}, ord) order by ord`;
}

/** Characters that end an array element inside double quotes: escaped with a backslash. */
const ARRAY_SPECIAL = /["\\]/;
const ARRAY_ESCAPE = /["\\]/g;

/**
 * The parameters of `pgArrayRows`: one array literal per column, written here (pg escaping each
 * element of each array in JavaScript cost more than the whole jsonb). Text is always quoted (so
 * the text NULL stays text), escaped only where it has a quote or backslash (the regular expression
 * on every element took 50–80 ms for a batch of 10,000 facts, 13–30 ms without); null and undefined
 * are NULL. A lone UTF-16 surrogate becomes U+FFFD in pg's UTF-8 encoding of the parameter, as for
 * any text parameter.
 */
export function pgArrays(columns: readonly Column[], rows: readonly (readonly unknown[])[]): string[] {
  return columns.map(([, type], j) => {
    const parts = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![j];
      if (v === null || v === undefined) parts[i] = 'NULL';
      else if (type === 'text') {
        const t = typeof v === 'string' ? v : String(v);
        parts[i] = ARRAY_SPECIAL.test(t) ? `"${t.replace(ARRAY_ESCAPE, '\\$&')}"` : `"${t}"`;
      } else if (type === 'boolean') parts[i] = v === true || v === 1 ? 't' : 'f';
      else parts[i] = String(v);
    }
    return `{${parts.join(',')}}`;
  });
}

/**
 * Inserts `rows` (values in `columns` order). SQLite: one cached prepared single-row INSERT run
 * for each row, synchronously (measured faster than a multi-row VALUES of the same rows);
 * PostgreSQL: one statement for all rows (one round trip, an array parameter per column).
 */
export async function insertRows(
  store: Pick<Store, 'dialect' | 'sqlite'>,
  trx: Trx,
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (!rows.length) return;
  const names = columns.map(([c]) => c).join(', ');
  if (store.dialect === 'postgres') {
    const text = memo(
      `pg:insert:${table}:${names}`,
      () => `insert into ${table} (${names}) ${pgArrayRows(columns, 1)}`,
    );
    await run(trx, text, pgArrays(columns, rows));
    return;
  }
  const text = memo(
    `sqlite:insert:${table}:${names}`,
    () => `insert into ${table} (${names}) values (${placeholders(columns.length)})`,
  );
  if (store.sqlite) store.sqlite.runEach(text, rows);
  else for (const row of rows) await run(trx, text, row);
}

/** `?, ?, …` (SQLite) or `$1, $2, …` (PostgreSQL) for `n` parameters starting after `from`. */
export function params(dialect: Dialect, n: number, from = 0): string {
  return dialect === 'postgres' ? Array.from({ length: n }, (_, i) => `$${from + i + 1}`).join(', ') : placeholders(n);
}

/**
 * `(a, b, …) in (tuples)` with the tuples as one parameter per column on PostgreSQL (text[] unnested
 * side by side) and ONE parameter on SQLite (a JSON array of tuples), as `idIn`: for tables keyed by
 * several text columns.
 */
export function tupleIn(
  dialect: Dialect,
  columns: readonly string[],
  tuples: readonly (readonly string[])[],
): RawBuilder<SqlBool> {
  const refs = sql.join(columns.map((c) => sql.ref(c)));
  if (dialect === 'postgres') {
    const arrays = sql.join(columns.map((_, i) => sql`${tuples.map((t) => t[i])}::text[]`));
    return sql<SqlBool>`(${refs}) in (select * from unnest(${arrays}))`;
  }
  const fields = sql.join(columns.map((_, i) => sql.raw(`value ->> ${i}`)));
  return sql<SqlBool>`(${refs}) in (select ${fields} from json_each(${JSON.stringify(tuples)}))`;
}

/** `(a, b) in (pairs)`: `tupleIn` for tables keyed by two text columns. */
export const pairIn = (dialect: Dialect, a: string, b: string, pairs: readonly (readonly [string, string])[]) =>
  tupleIn(dialect, [a, b], pairs);

/**
 * `column in (ids)` with the ids as ONE parameter (SQLite: a JSON array read by `json_each`;
 * PostgreSQL: a text[] unnested), so the statement text is the same for any number of ids: prepared
 * once, nothing built per id, and no 500-id chunks (SQLite's parameter limit). PostgreSQL joins the
 * unnested ids to the column's index one by one; with `= any(array)` it read the index for all of
 * them in one scan 7 times slower (2,000 draft ids against decisions at 1,000,000 drafts: 68 ms
 * against 9) or, for a smaller table, scanned the table (outcomes: 73 ms against 40).
 */
export function idIn(dialect: Dialect, column: string, ids: readonly string[]): RawBuilder<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`${sql.ref(column)} in (select unnest(${[...ids]}::text[]))`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(ids)}))`;
}
