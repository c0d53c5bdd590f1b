import { CompiledQuery } from 'kysely';
import type { Store, Trx } from './index';
import type { Dialect } from './migrations';

/**
 * Hot-path statements written once as SQL text instead of being built and compiled by Kysely on
 * every request (building + compiling a 100-row insert cost more than SQLite took to run it).
 * The text depends only on the dialect and, on SQLite, the row count, so the SQLite driver's
 * statement cache (store/index.ts) prepares each shape once. On PostgreSQL multi-row statements
 * pass one array per column (`unnest`), so their text is constant whatever the batch size.
 */

/** A column of a fast statement: its name and its PostgreSQL type (for the array parameter). */
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
 * PostgreSQL: a `select` of the rows passed as one array per column, in array order.
 * `$from+1 … $from+n` are the column arrays.
 */
export function pgUnnest(columns: readonly Column[], from = 0): string {
  const names = columns.map(([c]) => c).join(', ');
  const arrays = columns.map(([, t], i) => `$${from + i + 1}::${t}[]`).join(', ');
  return `select ${names} from unnest(${arrays}) with ordinality as t(${names}, ord) order by ord`;
}

/** Column arrays (PostgreSQL parameters) from rows. */
export function columnArrays(width: number, rows: readonly (readonly unknown[])[]): unknown[][] {
  const arrays: unknown[][] = Array.from({ length: width }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < width; c++) arrays[c]![r] = row[c];
  }
  return arrays;
}

/**
 * Inserts `rows` (values in `columns` order). SQLite: one cached prepared single-row INSERT run
 * for each row, synchronously (measured faster than a multi-row VALUES of the same rows);
 * PostgreSQL: one statement for all rows (one round trip).
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
    const text = memo(`pg:insert:${table}:${names}`, () => `insert into ${table} (${names}) ${pgUnnest(columns)}`);
    await run(trx, text, columnArrays(columns.length, rows));
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
