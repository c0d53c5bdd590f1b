/**
 * Keeping the demo workspace fresh (issue 17). The demo's drafts carry triggers with deadlines
 * ("expires in 5 h") and 30 days of reviewed history, all relative to the moment they were made. A
 * workspace reused a week later would show every trigger expired and the history ending a week ago;
 * so at each `npm start` the demo's timestamps move forward by the time since the last start.
 *
 * The anchor (when the demo's times were last "now") is the counter row `demo:anchor` (milliseconds since
 * the epoch). Only the demo's own rows move: drafts whose external id starts with `demo-` (the
 * workspace and the sandbox drafts) or `hist-` (the history), with their decisions and outcomes (the
 * audit log is append-only: the database refuses updates, it keeps when things happened). Drafts posted by a person (`npm run cli -- drafts simulate`) keep their times.
 *
 * `npm start -- --reset` starts the demo over instead: the embedded SQLite database file is deleted
 * (on PostgreSQL every table of the workspace is truncated, the schema stays), and the demo tokens
 * file is removed; the seed then creates everything again. A connected extension has to be connected
 * again with a new token.
 */
import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { DEFAULT_SQLITE_PATH, type Store } from '../store';

const ANCHOR = 'demo:anchor';
const MINUTE = 60_000;

function shiftIso(v: string | null | undefined, ms: number): string | null | undefined {
  if (!v) return v;
  const t = Date.parse(v);
  return Number.isNaN(t) ? v : new Date(t + ms).toISOString();
}

/** The demo drafts' input JSON with trigger and evidence times moved by `ms`. */
function shiftInput(json: string, ms: number): string {
  const input = JSON.parse(json) as {
    trigger?: { occurredAt?: string; expiresAt?: string };
    evidence?: { retrievedAt?: string }[];
  };
  if (input.trigger) {
    if (input.trigger.occurredAt) input.trigger.occurredAt = shiftIso(input.trigger.occurredAt, ms)!;
    if (input.trigger.expiresAt) input.trigger.expiresAt = shiftIso(input.trigger.expiresAt, ms)!;
  }
  for (const e of input.evidence ?? []) if (e.retrievedAt) e.retrievedAt = shiftIso(e.retrievedAt, ms)!;
  return JSON.stringify(input);
}

async function readAnchor(store: Store): Promise<number | null> {
  const row = await store.db.selectFrom('counters').select('value').where('name', '=', ANCHOR).executeTakeFirst();
  return row ? Number(row.value) : null;
}

async function writeAnchor(store: Store, at: number): Promise<void> {
  const value = Math.floor(at);
  const done = await store.db.updateTable('counters').set({ value }).where('name', '=', ANCHOR).executeTakeFirst();
  if (Number(done.numUpdatedRows) === 0)
    await store.db.insertInto('counters').values({ name: ANCHOR, value }).execute();
}

export interface RefreshResult {
  /** How far the demo's times moved (ms); 0 on the first start or when nothing needed moving. */
  shiftedBy: number;
  drafts: number;
}

/**
 * Moves the demo's times forward to `now` (see above). On a workspace created at this start it only
 * records the anchor. Pending demo drafts get new versions, so connected extensions pull the new
 * deadlines.
 */
export async function refreshDemoTimes(store: Store, now: Date, opts: { created: boolean }): Promise<RefreshResult> {
  const anchor = await readAnchor(store);
  const at = now.getTime();
  if (opts.created || anchor === null) {
    await writeAnchor(store, at);
    return { shiftedBy: 0, drafts: 0 };
  }
  // Under a minute is not worth rewriting anything.
  const ms = at - anchor;
  if (ms < MINUTE) return { shiftedBy: 0, drafts: 0 };
  const count = await store.write(async (trx, versions) => {
    const rows = await trx
      .selectFrom('drafts')
      .select(['id', 'input_json', 'created_at', 'updated_at', 'decided_at', 'expires_at', 'status'])
      .where((eb) => eb.or([eb('external_id', 'like', 'demo-%'), eb('external_id', 'like', 'hist-%')]))
      .execute();
    for (const r of rows) {
      await trx
        .updateTable('drafts')
        .set({
          input_json: shiftInput(r.input_json, ms),
          created_at: shiftIso(r.created_at, ms)!,
          updated_at: shiftIso(r.updated_at, ms)!,
          decided_at: shiftIso(r.decided_at, ms) ?? null,
          expires_at: shiftIso(r.expires_at, ms) ?? null,
          // Still waiting: a new version, so extensions that hold it pull the new deadline.
          ...(r.decided_at ? {} : { version: versions.next() }),
        })
        .where('id', '=', r.id)
        .execute();
    }
    const ids = rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const decisions = await trx
        .selectFrom('decisions')
        .select(['id', 'decided_at', 'received_at'])
        .where('draft_id', 'in', chunk)
        .execute();
      for (const d of decisions)
        await trx
          .updateTable('decisions')
          .set({ decided_at: shiftIso(d.decided_at, ms)!, received_at: shiftIso(d.received_at, ms)! })
          .where('id', '=', d.id)
          .execute();
      const outcomes = await trx
        .selectFrom('outcomes')
        .select(['id', 'created_at'])
        .where('draft_id', 'in', chunk)
        .execute();
      for (const o of outcomes)
        await trx
          .updateTable('outcomes')
          .set({ created_at: shiftIso(o.created_at, ms)! })
          .where('id', '=', o.id)
          .execute();
    }
    return rows.length;
  });
  await writeAnchor(store, anchor + ms);
  return { shiftedBy: ms, drafts: count };
}

/** Every table of the PostgreSQL schema the server uses (whatever migrations other features added). */
async function pgTables(store: Store): Promise<string[]> {
  const r = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'schema_migrations'`.execute(
    store.db,
  );
  return r.rows.map((x) => x.name);
}

/** The SQLite file of a database URL (unset = the default file), or null for PostgreSQL / in-memory. */
export function sqliteFileOf(databaseUrl: string | undefined): string | null {
  const url = databaseUrl?.trim();
  if (!url) return DEFAULT_SQLITE_PATH;
  if (!url.startsWith('sqlite:')) return null;
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  return path && path !== ':memory:' ? path : null;
}

/**
 * Starts the demo over (`--reset`). Only on a database that holds the demo workspace or nothing: on a
 * real review server's database it refuses. PostgreSQL: truncates every table but the migrations
 * record (TRUNCATE, one statement for the whole workspace, with the audit log's TRUNCATE guard off
 * for that transaction only; its row triggers stay in place). SQLite: returns the file for the caller to delete once
 * the database is closed. The demo tokens file goes either way.
 */
export async function resetDemo(
  store: Store,
  opts: { tokenFile: string; databaseUrl: string | undefined },
): Promise<{ deleteFile: string | null }> {
  const users = await store.db.selectFrom('users').select('id').execute();
  if (users.length > 0 && !users.some((u) => u.id === 'demo-admin'))
    throw new Error('--reset: this database holds no demo workspace (no demo-admin user); refusing to delete it');
  rmSync(opts.tokenFile, { force: true });
  if (store.dialect === 'sqlite') return { deleteFile: sqliteFileOf(opts.databaseUrl) };
  const tables = await pgTables(store);
  await store.db.transaction().execute(async (trx) => {
    // The audit log refuses TRUNCATE (migration 10) so that nobody empties it by accident; starting
    // a demo workspace over is the one deliberate exception, done by the owner of the table, with
    // the guard switched off inside this transaction only.
    const guarded = tables.includes('audit_log');
    if (guarded) await sql`alter table audit_log disable trigger audit_log_no_truncate`.execute(trx);
    if (tables.length > 0) await sql`truncate ${sql.join(tables.map((t) => sql.table(t)))}`.execute(trx);
    if (guarded) await sql`alter table audit_log enable trigger audit_log_no_truncate`.execute(trx);
    // The version counter starts again too; re-create its row as the migration did.
    await trx.insertInto('counters').values({ name: 'version', value: 0 }).execute();
  });
  return { deleteFile: null };
}
