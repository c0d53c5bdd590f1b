import type { Kysely } from 'kysely';
import type { Dialect } from './migrations';

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
];
