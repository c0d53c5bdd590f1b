import { type Kysely, sql } from 'kysely';
import type { Dialect } from './migrations';
import type { Database } from './schema';

/** An alert: one episode of a condition (open while `closed_at` is null). */
export interface AlertsTable {
  id: number;
  kind: string;
  scope: string;
  workflow: string | null;
  message: string;
  detail_json: string;
  count: number;
  opened_at: string;
  last_seen_at: string;
  closed_at: string | null;
}

export interface AlertDatabase extends Database {
  alerts: AlertsTable;
}

export const alertDb = (db: Kysely<Database>): Kysely<AlertDatabase> => db as unknown as Kysely<AlertDatabase>;

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle (tables may not exist yet)
type AnyDb = Kysely<any>;

/**
 * Issue 16 (helper i16a), versions 22–29: the audit log looked up by workflow (autonomy changes,
 * the last level change) and governance alerts. Inserted into MIGRATIONS after 21. Append only.
 */
export const ALERT_MIGRATIONS: { version: number; name: string; up(db: AnyDb, dialect: Dialect): Promise<void> }[] = [
  {
    version: 22,
    name: 'audit log by workflow and action (issue 16)',
    async up(db) {
      // GET …/autonomy reads a workflow's latest changes and its last level change from the log.
      await db.schema
        .createIndex('audit_log_workflow_action')
        .ifNotExists()
        .on('audit_log')
        .columns(['workflow', 'action', 'id'])
        .execute();
    },
  },
  {
    version: 23,
    name: 'governance alerts (issue 16)',
    async up(db, dialect) {
      const serialId = dialect === 'postgres' ? 'bigserial' : 'integer';
      await db.schema
        .createTable('alerts')
        .ifNotExists()
        .addColumn('id', serialId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('workflow', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('detail_json', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .execute();
      // One open episode per condition: a second raise of an open alert is refused by the database.
      await sql`create unique index if not exists alerts_open on alerts (kind, scope) where closed_at is null`.execute(
        db,
      );
      await db.schema.createIndex('alerts_opened').ifNotExists().on('alerts').column('opened_at').execute();
    },
  },
];
