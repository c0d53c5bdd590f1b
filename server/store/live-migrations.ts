import { type Kysely, sql } from 'kysely';
import type { Dialect } from './migrations';

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle (tables may not exist yet)
type AnyDb = Kysely<any>;

/**
 * Live team review (issue 15), versions 40–49, 51 and 52: claims on drafts, SLA policies and their per-draft
 * state, notification preferences and their outbox, the shared rate limit, rotation caps.
 * Appended to MIGRATIONS (store/migrations.ts). Append only.
 */
export const LIVE_MIGRATIONS: { version: number; name: string; up(db: AnyDb, dialect: Dialect): Promise<void> }[] = [
  {
    version: 40,
    name: 'claims on drafts',
    async up(db) {
      await db.schema.alterTable('drafts').addColumn('claimed_by', 'text').execute();
      await db.schema.alterTable('drafts').addColumn('claimed_by_name', 'text').execute();
      await db.schema.alterTable('drafts').addColumn('claimed_until', 'text').execute();
      await db.schema.alterTable('drafts').addColumn('claimed_at', 'text').execute();
      // Expiry looks for open drafts whose trigger passed.
      await db.schema.createIndex('drafts_expires_at').ifNotExists().on('drafts').column('expires_at').execute();
    },
  },
  {
    version: 41,
    name: 'sla policies and state',
    async up(db) {
      await db.schema
        .createTable('sla_policies')
        .ifNotExists()
        .addColumn('workflow', 'text', (c) => c.notNull())
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('minutes', 'integer', (c) => c.notNull())
        .addColumn('backup', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sla_policies_pk', ['workflow', 'queue'])
        .execute();
      await db.schema
        .createTable('draft_sla')
        .ifNotExists()
        .addColumn('draft_id', 'text', (c) => c.primaryKey())
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('reminded_at', 'text')
        .addColumn('breached_at', 'text')
        .execute();
    },
  },
  {
    version: 42,
    name: 'notification preferences and outbox',
    async up(db, dialect) {
      const serialId = dialect === 'postgres' ? 'bigserial' : 'integer';
      await db.schema
        .createTable('notification_prefs')
        .ifNotExists()
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('workflow', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('digest', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('events_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notification_prefs_pk', ['user_id', 'channel', 'workflow'])
        .execute();
      await db.schema
        .createTable('notifications')
        .ifNotExists()
        .addColumn('id', serialId, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('draft_id', 'text')
        .addColumn('workflow', 'text')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('link', 'text')
        .addColumn('digest', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('notifications_unsent')
        .ifNotExists()
        .on('notifications')
        .columns(['sent_at', 'next_at'])
        .execute();
      // How far the notification scan has read the drafts' versions (its own table: `counters` holds
      // only the version counter, whose updates notify).
      await db.schema
        .createTable('notify_marks')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('notify_marks').values({ name: 'scanned', value: 0 }).execute();
    },
  },
  {
    version: 43,
    name: 'shared rate limit',
    async up(db) {
      await db.schema
        .createTable('rate_limits')
        .ifNotExists()
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  {
    version: 44,
    name: 'rotation caps',
    async up(db) {
      await db.schema
        .createTable('rotation_caps')
        .ifNotExists()
        .addColumn('workflow', 'text', (c) => c.primaryKey())
        .addColumn('max_share', 'double precision', (c) => c.notNull())
        .addColumn('min_drafts', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    version: 45,
    name: 'deadline warnings; notifications looked up by draft',
    async up(db) {
      // A draft close to its trigger's expiresAt is announced once (service/expiry.ts warnDeadlines).
      await db.schema
        .createTable('deadline_warnings')
        .ifNotExists()
        .addColumn('draft_id', 'text', (c) => c.primaryKey())
        .addColumn('warned_at', 'text', (c) => c.notNull())
        .execute();
      // queueNotifications asks "was this person already told of this draft?" for every event.
      await db.schema
        .createIndex('notifications_draft')
        .ifNotExists()
        .on('notifications')
        .columns(['draft_id', 'user_id'])
        .execute();
    },
  },
  {
    version: 46,
    name: 'decisions by time received',
    async up(db) {
      // Fair dealing (service/queue.ts activeReviewers) asks who decided in the last 15 minutes.
      await db.schema.createIndex('decisions_received').ifNotExists().on('decisions').column('received_at').execute();
    },
  },
  {
    version: 47,
    name: 'workflow team channels',
    async up(db) {
      // A workflow's team channels (routes/live-admin.ts, admin): told of the workflow's drafts
      // beside the people's own preferences (service/notify/events.ts).
      await db.schema
        .createTable('workflow_channels')
        .ifNotExists()
        .addColumn('workflow', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('digest', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('events_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('workflow_channels_pk', ['workflow', 'kind', 'target'])
        .execute();
    },
  },
  {
    version: 48,
    name: 'escalation notifications batched beyond a rate',
    async up(db) {
      // `batch_key`: the escalation kind of a notification (event|kind|queue), counted per recipient
      // against the rate; `folded_into`: the batch row (same table, draft_id null) a notification
      // beyond the rate was folded into — it is sent as part of that one message, never alone.
      await db.schema.alterTable('notifications').addColumn('batch_key', 'text').execute();
      await db.schema.alterTable('notifications').addColumn('folded_into', 'bigint').execute();
      await db.schema
        .createIndex('notifications_batch')
        .ifNotExists()
        .on('notifications')
        .columns(['user_id', 'batch_key', 'created_at'])
        .execute();
      await db.schema
        .createIndex('notifications_folded')
        .ifNotExists()
        .on('notifications')
        .column('folded_into')
        .execute();
    },
  },
  {
    version: 49,
    name: 'open drafts by status and deadline, for the timers (issue 15)',
    async up(db) {
      // The expiry and deadline jobs run every second and ask for open drafts by deadline. With only
      // `drafts_open` (status) and `drafts_expires_at`, SQLite (no statistics) read every open
      // draft's row to check its deadline: 230 ms a tick each at 1,000,000 drafts with 50,000 open,
      // the event loop held for ~0.4 s of every second. An index on (status, expires_at) seeks each
      // open status's deadline range directly, whether few drafts have deadlines or all do.
      await db.schema
        .createIndex('drafts_status_expires')
        .ifNotExists()
        .on('drafts')
        .columns(['status', 'expires_at'])
        .execute();
    },
  },
  {
    version: 51,
    name: 'drafts and outcomes by creation time, for the alert checks (issue 16)',
    async up(db) {
      // The alert checks ask for the last hour's, week's or month's drafts and outcomes. Without
      // these, SQLite scanned a million drafts or every outcome for each (the check took 10 s at
      // 1,000,000 drafts, every minute, holding the server).
      await db.schema.createIndex('drafts_created').ifNotExists().on('drafts').column('created_at').execute();
      await db.schema.createIndex('outcomes_created').ifNotExists().on('outcomes').column('created_at').execute();
    },
  },
  {
    version: 52,
    name: 'waiting drafts by time in their queue, for the SLA check (issue 15)',
    async up(db) {
      // With an SLA policy, the deadline job read every open draft each second to find those that had
      // waited long enough (service/expiry.ts readOpenDrafts); it now asks for a range of this index.
      // Partial: only waiting drafts are in it, so it costs the writers little and stays small. The
      // condition is the query's written out (SQLite matches a partial index's condition as text):
      // OPEN_STATUSES as they are now; tests/api/deadline-read.test.ts fails if the two part. Status
      // leads (without statistics SQLite otherwise prefers another index on status alone), then the
      // queues the policies name, each a range of waiting times. With the creation time and the canary
      // flag, the backlog alert (service/alerts.ts) reads each queue's oldest waiting draft and count
      // from the index alone (SQLite at 1,000,000 drafts, 50,000 waiting: 200 ms from the table).
      await sql`create index if not exists drafts_waiting_since on drafts (status, queue, updated_at, created_at, canary)
        where status in ('pending', 'awaiting_second', 'escalated')`.execute(db);
    },
  },
  {
    version: 53,
    name: "a week's drafts by creation time with what the alert checks read of them (issue 16)",
    async up(db, dialect) {
      // Two alert checks read the last week's drafts every minute (service/alerts.ts): a segment's
      // latest drafts below the review threshold, and the audited auto-approvals. By drafts_created
      // (migration 51) each read the rows themselves, ~80,000 of them at 1,000,000 drafts (SQLite
      // ~550 ms each, the server held for it). This index has the columns both read, so they come
      // from it alone; it replaces drafts_created, whose only column leads it (one index for one).
      const rest = [
        'canary',
        'route',
        'workflow',
        'segment',
        'created_version',
        'confidence',
        'review_threshold',
        'id',
      ];
      await sql
        .raw(
          dialect === 'postgres'
            ? `create index if not exists drafts_created_cover on drafts (created_at) include (${rest.join(', ')})`
            : `create index if not exists drafts_created_cover on drafts (created_at, ${rest.join(', ')})`,
        )
        .execute(db);
      await db.schema.dropIndex('drafts_created').ifExists().execute();
    },
  },
];
