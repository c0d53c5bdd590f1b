import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { ALERT_MIGRATIONS } from './alerts';
import { createCalibrationTables } from './calibration';
import { GOVPERF_MIGRATIONS } from './govperf-migrations';
import { LIVE_MIGRATIONS } from './live-migrations';
import { addZoneRollup, createGovernanceTables } from './rollups';
import type { Database } from './schema';
import { createWebhookTables } from './webhooks';

export type Dialect = 'sqlite' | 'postgres';

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle (tables may not exist yet)
type AnyDb = Kysely<any>;

interface Migration {
  version: number;
  name: string;
  up(db: AnyDb, dialect: Dialect): Promise<void>;
}

/** Append only: never edit a migration that has shipped, add a new one. */
const LISTED: Migration[] = [
  {
    version: 1,
    name: 'initial',
    async up(db, dialect) {
      const serialId = dialect === 'postgres' ? 'bigserial' : 'integer';
      await db.schema
        .createTable('users')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('specialties_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tokens')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('workflows')
        .ifNotExists()
        .addColumn('workflow', 'text', (c) => c.primaryKey())
        .addColumn('policy_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('drafts')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('external_id', 'text', (c) => c.notNull().unique())
        .addColumn('workflow', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('input_json', 'text', (c) => c.notNull())
        .addColumn('confidence', 'double precision', (c) => c.notNull())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('assignee', 'text')
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('specialty', 'text')
        .addColumn('reasons_json', 'text', (c) => c.notNull())
        .addColumn('second_review', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('audit', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('audit_pending', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('priority_rank', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('priority_reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('approved_by_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('final_json', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('escalation_note', 'text')
        .addColumn('segment', 'text')
        .addColumn('account_tier', 'text')
        .addColumn('owner_id', 'text')
        .addColumn('deal_value', 'double precision')
        .addColumn('expires_at', 'text')
        .addColumn('model_version', 'text')
        .addColumn('canary', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('canary_of', 'text')
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('drafts_version').ifNotExists().on('drafts').column('version').execute();
      await db.schema
        .createIndex('drafts_open')
        .ifNotExists()
        .on('drafts')
        .columns(['status', 'queue', 'assignee'])
        .execute();
      await db.schema
        .createIndex('drafts_segment')
        .ifNotExists()
        .on('drafts')
        .columns(['workflow', 'segment', 'created_at'])
        .execute();
      await db.schema
        .createIndex('drafts_workflow_created')
        .ifNotExists()
        .on('drafts')
        .columns(['workflow', 'created_at'])
        .execute();
      await db.schema
        .createTable('decisions')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('draft_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('content_json', 'text')
        .addColumn('reasons_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('note', 'text')
        .addColumn('dwell_ms', 'bigint')
        .addColumn('decided_at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('diff', 'text')
        .execute();
      await db.schema.createIndex('decisions_draft').ifNotExists().on('decisions').column('draft_id').execute();
      await db.schema
        .createTable('outcomes')
        .ifNotExists()
        .addColumn('id', serialId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('draft_id', 'text', (c) => c.notNull())
        .addColumn('correct', 'boolean', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('outcomes_draft').ifNotExists().on('outcomes').column('draft_id').execute();
      await db.schema
        .createTable('audit_log')
        .ifNotExists()
        .addColumn('id', serialId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('draft_id', 'text')
        .addColumn('workflow', 'text')
        .addColumn('original_json', 'text')
        .addColumn('final_json', 'text')
        .addColumn('reasons_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('detail_json', 'text')
        .execute();
      await db.schema
        .createTable('counters')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('counters').values({ name: 'version', value: 0 }).execute();
    },
  },
  {
    version: 2,
    name: 'drafts previous queue',
    // Where a draft sat before its last change, so pull can tell a reviewer it left their queue
    // without telling everyone about every draft.
    async up(db) {
      await db.schema.alterTable('drafts').addColumn('prev_queue', 'text').execute();
      await db.schema.alterTable('drafts').addColumn('prev_assignee', 'text').execute();
    },
  },
  {
    version: 3,
    name: 'segment history by version',
    // Routing reads a segment's latest drafts by version; the old index (by created_at) made that a sort.
    async up(db) {
      await db.schema.dropIndex('drafts_segment').ifExists().execute();
      await db.schema
        .createIndex('drafts_segment_version')
        .ifNotExists()
        .on('drafts')
        .columns(['workflow', 'segment', 'version'])
        .execute();
    },
  },
  {
    version: 4,
    name: 'drafts queue history',
    // Every [queue, assignee] a draft has been in: a reader who missed intermediate versions still
    // learns that a draft it once could see has left its queue (pull sends only the latest state).
    async up(db) {
      await db.schema
        .alterTable('drafts')
        .addColumn('queue_history_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  },
  {
    version: 5,
    name: 'audit log append-only in the database',
    // The code has no update/delete path for the audit log; the database refuses them as well.
    async up(db, dialect) {
      if (dialect === 'postgres') {
        await sql`create or replace function audit_log_append_only() returns trigger language plpgsql as $$
          begin raise exception 'audit_log is append-only'; end $$`.execute(db);
        await sql`create trigger audit_log_append_only before update or delete on audit_log
          for each row execute function audit_log_append_only()`.execute(db);
      } else {
        await sql`create trigger if not exists audit_log_no_update before update on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
        await sql`create trigger if not exists audit_log_no_delete before delete on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
      }
    },
  },
  {
    version: 6,
    name: 'segment history by creation',
    // Routing's "last 5 drafts of the segment" are the latest created, in the order they were
    // stored: the version a draft was created with, which never changes. The index by current
    // version moved on every decision (half of the pages a batch of decisions wrote).
    async up(db) {
      await db.schema
        .alterTable('drafts')
        .addColumn('created_version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.updateTable('drafts').set({ created_version: sql`version` }).execute();
      await db.schema.dropIndex('drafts_segment_version').ifExists().execute();
      await db.schema
        .createIndex('drafts_segment_created')
        .ifNotExists()
        .on('drafts')
        .columns(['workflow', 'segment', 'created_version'])
        .execute();
    },
  },
  {
    version: 7,
    name: 'no deduplication in the drafts indexes by workflow',
    // PostgreSQL: a decision's UPDATE of a draft is not HOT (version and status are indexed), so
    // every index gets an entry for the new row version, with the same key as the old one in these
    // two. Deduplication then kept merging those duplicates into posting lists: 0.45 ms of the
    // 3.2 ms UPDATE of 50 drafts, measured alternating. Applies to entries from now on (no
    // REINDEX, which would block writes on a large table). SQLite has no such option.
    async up(db, dialect) {
      if (dialect !== 'postgres') return;
      for (const index of ['drafts_workflow_created', 'drafts_segment_created'])
        await sql`alter index ${sql.ref(index)} set (deduplicate_items = off)`.execute(db);
    },
  },
  {
    version: 8,
    name: 'change notifications',
    // PostgreSQL: every commit that advances the version counter notifies the change feed's
    // channel (store/changes.ts), from any writer (server instances, the CLI). NOTIFY is delivered
    // at commit, in commit order; a rolled-back transaction notifies nobody. SQLite has no NOTIFY:
    // the store reports its own commits.
    async up(db, dialect) {
      if (dialect !== 'postgres') return;
      await sql`
        create function countersign_notify_change() returns trigger language plpgsql as $$
        begin
          perform pg_notify('countersign_changes', new.value::text);
          return null;
        end $$`.execute(db);
      await sql`
        create trigger counters_notify_change after update on counters
        for each row when (new.name = 'version' and new.value <> old.value)
        execute function countersign_notify_change()`.execute(db);
    },
  },
  {
    version: 10,
    name: 'audit log refuses TRUNCATE',
    // PostgreSQL: TRUNCATE fires no row triggers, so version 5's trigger let it empty the log; a
    // statement-level trigger refuses it too. (SQLite has no TRUNCATE; its DELETE without WHERE
    // is refused by the delete trigger.)
    async up(db, dialect) {
      if (dialect !== 'postgres') return;
      await sql`create trigger audit_log_no_truncate before truncate on audit_log
        for each statement execute function audit_log_append_only()`.execute(db);
    },
  },
  {
    version: 20,
    name: 'governance facts and daily rollups (issue 16)',
    up: (db, dialect) => createGovernanceTables(db, dialect),
  },
  {
    version: 21,
    name: 'thresholds a draft was routed with (issue 16)',
    // The panel labels confidence by the draft's own workflow thresholds (high: at or above the auto
    // threshold; low: below the review threshold). Drafts waiting for a person get their workflow's
    // current thresholds; settled ones keep null (nobody labels them any more).
    async up(db) {
      await db.schema.alterTable('drafts').addColumn('auto_threshold', 'double precision').execute();
      await db.schema.alterTable('drafts').addColumn('review_threshold', 'double precision').execute();
      const thresholds = (json: string) => {
        let p: { autoThreshold?: unknown; reviewThreshold?: unknown } = {};
        try {
          p = JSON.parse(json) ?? {};
        } catch {}
        const rate = (x: unknown, d: number) => (typeof x === 'number' && x >= 0 && x <= 1 ? x : d);
        // The defaults of the time (contract: 0.98 and 0.70).
        return { auto: rate(p.autoThreshold, 0.98), review: rate(p.reviewThreshold, 0.7) };
      };
      // biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle
      const waiting = (eb: ExpressionBuilder<any, any>) =>
        eb.or([
          eb('status', 'in', ['pending', 'escalated', 'awaiting_second']),
          eb.and([eb('queue', '=', 'audit'), eb('audit_pending', '=', true)]),
        ]);
      const rows = (await db.selectFrom('workflows').select(['workflow', 'policy_json']).execute()) as {
        workflow: string;
        policy_json: string;
      }[];
      for (const r of rows) {
        const t = thresholds(r.policy_json);
        await db
          .updateTable('drafts')
          .set({ auto_threshold: t.auto, review_threshold: t.review })
          .where('workflow', '=', r.workflow)
          .where(waiting)
          .execute();
      }
      await db
        .updateTable('drafts')
        .set({ auto_threshold: 0.98, review_threshold: 0.7 })
        .where('auto_threshold', 'is', null)
        .where(waiting)
        .execute();
    },
  },
  ...ALERT_MIGRATIONS,
  {
    version: 30,
    name: 'webhooks',
    // Subscriptions, the event outbox and deliveries (store/webhooks.ts, service/webhooks/).
    up: (db, dialect) => createWebhookTables(db, dialect),
  },
  ...LIVE_MIGRATIONS,
  {
    version: 50,
    name: 'page reports, sent, site health (issue 18)',
    async up(db) {
      await db.schema
        .createTable('page_reports')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('draft_id', 'text', (c) => c.notNull())
        .addColumn('decision_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('reached', 'boolean')
        .addColumn('reason', 'text')
        .addColumn('end_kind', 'text')
        .addColumn('content_json', 'text')
        .addColumn('edited_in_page', 'boolean')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('page_reports_draft').ifNotExists().on('page_reports').column('draft_id').execute();
      await db.schema
        .createIndex('page_reports_decision')
        .ifNotExists()
        .on('page_reports')
        .column('decision_id')
        .execute();
      await db.schema
        .createTable('draft_sent')
        .ifNotExists()
        .addColumn('draft_id', 'text', (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('how', 'text', (c) => c.notNull())
        .addColumn('content_json', 'text', (c) => c.notNull())
        .addColumn('edited_in_page', 'boolean', (c) => c.notNull())
        .addColumn('diff', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('site_health')
        .ifNotExists()
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('selector_version', 'text', (c) => c.notNull())
        .addColumn('part', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('first_at', 'text', (c) => c.notNull())
        .addColumn('last_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('site_health_pk', ['site', 'selector_version', 'part', 'day'])
        .execute();
    },
  },
  {
    version: 80,
    name: 'calibration sessions (issue 16)',
    up: (db) => createCalibrationTables(db),
  },
  {
    version: 81,
    name: 'accountability indexes (issue 16)',
    // GET /v1/accountability (server/service/accountability.ts): approved drafts by decision time,
    // and negative outcomes by time (partial: the few wrong ones, not every outcome). The queries
    // repeat these predicates word for word, which is what SQLite needs to use a partial index.
    async up(db) {
      await sql`create index if not exists drafts_approved_decided on drafts (decided_at) where status = 'approved'`.execute(
        db,
      );
      await sql`create index if not exists outcomes_wrong_created on outcomes (created_at) where not correct`.execute(
        db,
      );
    },
  },
  {
    version: 90,
    name: 'governance zone rollup and facts index for the simulator (issue 16)',
    up: (db) => addZoneRollup(db),
  },
  ...GOVPERF_MIGRATIONS,
];

/** Every migration in version order (the lists from other files add numbers between these). */
export const MIGRATIONS: Migration[] = [...LISTED].sort((a, b) => a.version - b.version);

/** Arbitrary constant key for pg_advisory_xact_lock: serialises migrations across server instances. */
const MIGRATION_LOCK_KEY = 727_001;

/**
 * Brings the schema up to date. On PostgreSQL the whole run is one transaction holding an advisory
 * lock, so several instances starting at once apply each migration exactly once (the others wait,
 * then see it applied). On SQLite an immediate transaction does the same job.
 */
export async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const run = async (trx: AnyDb) => {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await trx.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
    const applied = new Set(
      (await trx.selectFrom('schema_migrations').select('version').execute()).map((r: { version: number }) =>
        Number(r.version),
      ),
    );
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await m.up(trx, dialect);
      await trx
        .insertInto('schema_migrations')
        .values({ version: m.version, name: m.name, applied_at: new Date().toISOString() })
        .execute();
    }
  };
  if (dialect === 'postgres') {
    await db.transaction().execute((trx) => run(trx));
  } else {
    await db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        await run(conn);
        await sql`commit`.execute(conn);
      } catch (e) {
        await sql`rollback`.execute(conn);
        throw e;
      }
    });
  }
}
