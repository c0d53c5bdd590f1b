import { type Generated, type Kysely, sql } from 'kysely';
import type { Dialect } from './migrations';
import type { Database } from './schema';

/**
 * The webhook tables (migration 30): subscriptions, the outbox of events (written in the same
 * transaction as the change they report) and one delivery per event and subscription.
 */
export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  events_json: string;
  /** JSON array of workflow names; null = every workflow. */
  workflows_json: string | null;
  description: string | null;
  /** The signing secret, sealed with the server key when one is configured (service/webhooks/secrets.ts). */
  secret: string;
  created_by: string;
  created_at: string;
}

export interface WebhookEventsTable {
  /** `msg_…`: the `webhook-id` of every delivery of this event. */
  id: string;
  type: string;
  draft_id: string;
  workflow: string;
  /** The body as sent (JSON text), fixed when the event is written. */
  payload: string;
  created_at: string;
}

export interface WebhookDeliveriesTable {
  /** Increasing in commit order for the deliveries of one draft: the order they are sent in. */
  seq: Generated<number>;
  subscription_id: string;
  event_id: string;
  draft_id: string;
  type: string;
  state: string;
  attempts: number;
  next_attempt_at: string;
  /** After this time a failure settles the delivery as `failed` instead of scheduling another attempt. */
  give_up_at: string;
  /** The claim of the worker sending it now (id and until when); null when nobody is. */
  lease_id: string | null;
  locked_until: string | null;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

export type WebhookTables = {
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
};

export type WebhookDb = Kysely<Database & WebhookTables>;

/** The store's handle (or a transaction's) with the webhook tables typed. */
export function webhookDb(db: Kysely<Database>): WebhookDb {
  return db.withTables<WebhookTables>();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle
export async function createWebhookTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events_json', 'text', (c) => c.notNull())
    .addColumn('workflows_json', 'text')
    .addColumn('description', 'text')
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('draft_id', 'text', (c) => c.notNull())
    .addColumn('workflow', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
      dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('draft_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('give_up_at', 'text', (c) => c.notNull())
    .addColumn('lease_id', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The worker's two questions: which pending deliveries are due, and is an earlier one of the same
  // draft (for the same subscription) still pending. Partial: settled deliveries cost nothing.
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at, seq) where state = 'pending'`.execute(
    db,
  );
  await sql`create index webhook_deliveries_draft on webhook_deliveries (subscription_id, draft_id, seq) where state = 'pending'`.execute(
    db,
  );
  // The admin's list of a subscription's recent deliveries.
  await sql`create index webhook_deliveries_subscription on webhook_deliveries (subscription_id, seq)`.execute(db);
}
