import type { ColumnType, Generated } from 'kysely';
import { PAGE_BOOLEAN_COLUMNS, type PageTables } from './page';

/** A column with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/**
 * Row types of the review server's tables, shared by both dialects.
 *
 * Conventions (one code path for SQLite and PostgreSQL):
 * - JSON values are stored as TEXT (`*_json` columns) and parsed with the zod schemas on read.
 * - Times are ISO-8601 strings (TEXT), so they sort and compare the same on both databases.
 * - Booleans are real `boolean` columns; on SQLite the store's driver wrapper turns `true/false`
 *   parameters into 1/0 and the columns listed in `BOOLEAN_COLUMNS` back into booleans, so callers
 *   always see `boolean`.
 */
export interface UsersTable {
  id: string;
  name: string;
  role: string;
  specialties_json: string;
  created_at: string;
}

export interface TokensTable {
  id: string;
  user_id: string;
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  hash: string;
  name: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface WorkflowsTable {
  workflow: string;
  policy_json: string;
  updated_at: string;
}

export interface DraftsTable {
  id: string;
  external_id: string;
  workflow: string;
  kind: string;
  /** The DraftIn as posted by the pipeline (JSON). */
  input_json: string;
  confidence: number;
  route: string;
  status: string;
  assignee: string | null;
  queue: string;
  specialty: string | null;
  reasons_json: string;
  second_review: Defaulted<boolean>;
  /** Sampled into the audit queue (an auto-approved draft a person checks afterwards). */
  audit: Defaulted<boolean>;
  /** The audit check is still to be done. */
  audit_pending: Defaulted<boolean>;
  priority_rank: Defaulted<number>;
  priority_reason: Defaulted<string>;
  approved_by_json: Defaulted<string>;
  final_json: string | null;
  decided_by: string | null;
  decided_at: string | null;
  escalation_note: string | null;
  segment: string | null;
  account_tier: string | null;
  owner_id: string | null;
  deal_value: number | null;
  expires_at: string | null;
  model_version: string | null;
  /**
   * The workflow's thresholds the draft was routed with (migration 21): the panel's confidence zones.
   * Null for settled drafts from before migration 21.
   */
  auto_threshold: Defaulted<number | null>;
  review_threshold: Defaulted<number | null>;
  /** Known-bad test draft inserted by governance; never handed back to the pipeline. */
  canary: Defaulted<boolean>;
  canary_of: string | null;
  /** Queue and assignee before the last re-route or decision (pull sends `remove` to whoever saw it there). */
  prev_queue: Defaulted<string | null>;
  prev_assignee: Defaulted<string | null>;
  /** JSON array of every [queue, assignee] the draft has been in (see migration 4). */
  queue_history_json: Defaulted<string>;
  /** Server version (see store.write): bumped in the same transaction as every change. */
  version: number;
  /** The version the draft was created with; never changes (segment history is in this order). */
  created_version: Defaulted<number>;
  created_at: string;
  updated_at: string;
  /** Claim (issue 15, migration 40): who is reviewing it now, until when (a lapsed claim holds nothing). */
  claimed_by: Defaulted<string | null>;
  claimed_by_name: Defaulted<string | null>;
  claimed_until: Defaulted<string | null>;
  claimed_at: Defaulted<string | null>;
  /**
   * What governance reads of the input, derived at ingest (migration 98; service/governance/load.ts
   * `inputFacts`): words a reviewer reads, the account named in the input, an escalating flag or an
   * inbound reply. Null for drafts stored before, which governance reads from input_json instead.
   */
  words: Defaulted<number | null>;
  input_named: Defaulted<boolean | null>;
  input_escalates: Defaulted<boolean | null>;
}

export interface DecisionsTable {
  id: string;
  draft_id: string;
  user_id: string;
  action: string;
  status: string;
  error: string | null;
  content_json: string | null;
  reasons_json: string;
  note: string | null;
  dwell_ms: number | null;
  decided_at: string;
  received_at: string;
  diff: string | null;
  /**
   * An edit: whether its content differs from the draft's (migration 101; null for decisions stored
   * before it and for other actions).
   */
  edit_changed: boolean | null;
}

export interface OutcomesTable {
  id: Generated<number>;
  draft_id: string;
  correct: boolean;
  source: string;
  note: string | null;
  recorded_by: string;
  created_at: string;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  draft_id: string | null;
  workflow: string | null;
  original_json: string | null;
  final_json: string | null;
  reasons_json: string;
  detail_json: string | null;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface SlaPoliciesTable {
  /** A workflow, or '*' for every workflow. */
  workflow: string;
  /** A queue name (`owner`, `review`, `specialist:pricing`, …) or `specialist:*`. */
  queue: string;
  minutes: number;
  /** The user the draft is offered to when the SLA is breached (default: by queue, see service/expiry.ts). */
  backup: string | null;
  updated_at: string;
}

export interface DraftSlaTable {
  draft_id: string;
  queue: string;
  reminded_at: string | null;
  breached_at: string | null;
}

export interface NotificationPrefsTable {
  user_id: string;
  /** `email` | `slack` */
  channel: string;
  /** A workflow, or '*' */
  workflow: string;
  /** The email address or the incoming-webhook URL. */
  target: string;
  digest: Defaulted<boolean>;
  /** Events wanted (empty = all). */
  events_json: Defaulted<string>;
  updated_at: string;
}

export interface NotificationsTable {
  id: Generated<number>;
  user_id: string;
  channel: string;
  target: string;
  event: string;
  draft_id: string | null;
  workflow: string | null;
  subject: string;
  text: string;
  link: string | null;
  digest: Defaulted<boolean>;
  created_at: string;
  sent_at: string | null;
  attempts: Defaulted<number>;
  next_at: string;
  error: string | null;
  /** An escalation's kind (`event|kind|queue`), counted per recipient against the hourly rate. */
  batch_key: string | null;
  /** The batch row this one was folded into (sent within that message, never alone). */
  folded_into: number | null;
}

export interface WorkflowChannelsTable {
  workflow: string;
  /** `email` | `slack` */
  kind: string;
  target: string;
  digest: Defaulted<boolean>;
  /** Events wanted (empty = the team events). */
  events_json: Defaulted<string>;
  updated_at: string;
  updated_by: string;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface DeadlineWarningsTable {
  draft_id: string;
  warned_at: string;
}

export interface RotationCapsTable {
  workflow: string;
  max_share: number;
  min_drafts: number;
  updated_at: string;
}

export interface Database extends PageTables {
  users: UsersTable;
  tokens: TokensTable;
  workflows: WorkflowsTable;
  drafts: DraftsTable;
  decisions: DecisionsTable;
  outcomes: OutcomesTable;
  audit_log: AuditTable;
  counters: CountersTable;
  schema_migrations: MigrationsTable;
  sla_policies: SlaPoliciesTable;
  draft_sla: DraftSlaTable;
  notification_prefs: NotificationPrefsTable;
  notifications: NotificationsTable;
  rate_limits: RateLimitsTable;
  rotation_caps: RotationCapsTable;
  deadline_warnings: DeadlineWarningsTable;
  notify_marks: CountersTable;
  workflow_channels: WorkflowChannelsTable;
}

/** Columns SQLite hands back as 0/1 that the store turns back into booleans. */
export const BOOLEAN_COLUMNS = new Set([
  'second_review',
  'audit',
  'audit_pending',
  'canary',
  'input_named',
  'input_escalates',
  'edit_changed',
  'correct',
  'digest',
  ...PAGE_BOOLEAN_COLUMNS,
]);
