import { type ColumnType, type Kysely, sql } from 'kysely';
import type { Dialect } from './migrations';
import type { Database } from './schema';

// Governance's own tables (issue 16): per-draft and per-decision facts (the few derived columns the
// figures need, no JSON) and additive daily rollups over them, kept up to date from a watermark on
// the drafts' version and the outcomes' id (server/service/governance/refresh.ts). Every governance
// figure is a SQL sum over these, never a reload of the history.

/**
 * The `zone` rollup's second key for the facts of a step under the step's own grid value (migration
 * 104; service/governance/facts.ts `zonePart`).
 */
export const ZONE_BELOW = 'below';

/**
 * Whether a fact lies under its step's grid value, in SQL (`zonePart`'s comparison; the division is
 * correctly rounded in both databases, as in JS). `alias`: the facts table's name in the statement.
 */
export function zoneBelowSql(alias?: string) {
  const col = (c: string) => sql.ref(alias ? `${alias}.${c}` : c);
  return sql<boolean>`${col('confidence')} < cast(${col('zk')} as double precision) / 100`;
}

/** One draft as governance counts it. Booleans are 0/1 integers (SQLite and PostgreSQL alike). */
export interface GovFactsTable {
  draft_id: string;
  workflow: string;
  /** UTC day of creation (YYYY-MM-DD): the rollups' day. */
  day: string;
  created_at: string;
  confidence: number;
  /** Reliability-diagram bin (0–9) and the highest 0.01 threshold the confidence reaches (0–100). */
  bin10: number;
  zk: number;
  route: string;
  is_open: number;
  /** '' for none (shown as "(none)" / "(unknown)"). */
  segment: string;
  model: string;
  is_canary: number;
  rule_escalated: number;
  escalated: number;
  /** The people's verdict (not for auto-approved drafts): approved | edited | rejected, or null. */
  verdict: string | null;
  /** The latest outcome (1 right, 0 wrong) and correctness by the contract's rule, or null. */
  outcome: number | null;
  is_correct: number | null;
  /** Day of the last decision, for drafts with a verdict (the daily series' review day). */
  review_day: string | null;
  n_decisions: number;
  words: number;
  /** The first verdicts of the first two people (agreement), or null. */
  pair_a: string | null;
  pair_b: string | null;
}

/** One applied decision as governance counts it. */
export interface GovDecisionFactsTable {
  draft_id: string;
  seq: number;
  user_id: string;
  workflow: string;
  day: string;
  created_at: string;
  decided_at: string;
  decided_day: string;
  /** approved | edited | rejected | escalated (an unchanged edit is an approval). */
  label: string;
  is_canary: number;
  dwell_ms: number | null;
  /** Approved faster than the text can be skimmed. */
  fast: number;
}

/**
 * Additive rollups by kind, workflow and day (creation day of the draft) and up to three keys;
 * v0…v14 are sums (see ROLLUP_KINDS in service/governance/facts.ts). `streak` rows are not sums but
 * a per-reviewer, per-decision-day summary that is rewritten whole.
 */
/** A sum column: 0 unless given. */
type Sum = ColumnType<number, number | undefined, number>;

export interface GovRollTable {
  kind: string;
  workflow: string;
  day: string;
  k1: string;
  k2: string;
  k3: string;
  v0: Sum;
  v1: Sum;
  v2: Sum;
  v3: Sum;
  v4: Sum;
  v5: Sum;
  v6: Sum;
  v7: Sum;
  v8: Sum;
  v9: Sum;
  v10: Sum;
  v11: Sum;
  v12: Sum;
  v13: Sum;
  v14: Sum;
  /** Histogram kinds (dwell, rdwell): `bucket:count` pairs, comma-separated. */
  hist: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface GovStateTable {
  name: string;
  value: number;
}

export interface GovDatabase extends Database {
  gov_facts: GovFactsTable;
  gov_decision_facts: GovDecisionFactsTable;
  gov_roll: GovRollTable;
  gov_state: GovStateTable;
}

export const ROLL_VALUES = [
  'v0',
  'v1',
  'v2',
  'v3',
  'v4',
  'v5',
  'v6',
  'v7',
  'v8',
  'v9',
  'v10',
  'v11',
  'v12',
  'v13',
  'v14',
] as const;

/** The store's handle with governance's tables typed. */
export const govDb = (db: Kysely<Database>): Kysely<GovDatabase> => db as unknown as Kysely<GovDatabase>;

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle
type AnyDb = Kysely<any>;

/** Arbitrary constant key of the advisory lock that serialises governance's refreshes on PostgreSQL. */
export const REFRESH_LOCK_KEY = 727_016;

/**
 * `gov_facts` under `name`, with `primaryKey`: migration 20 keyed it by draft id, migration 96 by
 * (created_at, draft_id) — see `rekeyFacts`.
 */
export function factsTable(db: AnyDb, name: string, primaryKey: (keyof GovFactsTable)[]) {
  const real = 'double precision';
  return db.schema
    .createTable(name)
    .ifNotExists()
    .addColumn('draft_id', 'text', (c) => c.notNull())
    .addColumn('workflow', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confidence', real, (c) => c.notNull())
    .addColumn('bin10', 'integer', (c) => c.notNull())
    .addColumn('zk', 'integer', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('is_open', 'integer', (c) => c.notNull())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('is_canary', 'integer', (c) => c.notNull())
    .addColumn('rule_escalated', 'integer', (c) => c.notNull())
    .addColumn('escalated', 'integer', (c) => c.notNull())
    .addColumn('verdict', 'text')
    .addColumn('outcome', 'integer')
    .addColumn('is_correct', 'integer')
    .addColumn('review_day', 'text')
    .addColumn('n_decisions', 'integer', (c) => c.notNull())
    .addColumn('words', 'integer', (c) => c.notNull())
    .addColumn('pair_a', 'text')
    .addColumn('pair_b', 'text')
    .addPrimaryKeyConstraint(`${name}_pkey`, primaryKey);
}

/** `gov_decision_facts` under `name`, with `primaryKey` (as `factsTable`). */
export function decisionFactsTable(db: AnyDb, name: string, primaryKey: (keyof GovDecisionFactsTable)[]) {
  return db.schema
    .createTable(name)
    .ifNotExists()
    .addColumn('draft_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('workflow', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .addColumn('decided_day', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('is_canary', 'integer', (c) => c.notNull())
    .addColumn('dwell_ms', 'bigint')
    .addColumn('fast', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pkey`, primaryKey);
}

/** gov_decision_facts' secondary indexes of migration 20 (97 replaces the first, 99 drops the second). */
export async function decisionFactsIndexes(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('gov_decision_facts_user_day')
    .ifNotExists()
    .on('gov_decision_facts')
    .columns(['user_id', 'decided_day', 'decided_at'])
    .execute();
  await db.schema
    .createIndex('gov_decision_facts_day')
    .ifNotExists()
    .on('gov_decision_facts')
    .columns(['day', 'workflow'])
    .execute();
}

/** Migration 20: the tables above and their indexes. */
export async function createGovernanceTables(db: AnyDb, _dialect: Dialect): Promise<void> {
  const real = 'double precision';
  await factsTable(db, 'gov_facts', ['draft_id']).execute();
  await db.schema
    .createIndex('gov_facts_workflow_created')
    .ifNotExists()
    .on('gov_facts')
    .columns(['workflow', 'created_at'])
    .execute();
  await db.schema.createIndex('gov_facts_created').ifNotExists().on('gov_facts').column('created_at').execute();
  await db.schema
    .createIndex('gov_facts_open')
    .ifNotExists()
    .on('gov_facts')
    .columns(['is_open', 'workflow', 'created_at'])
    .execute();
  await decisionFactsTable(db, 'gov_decision_facts', ['draft_id', 'seq']).execute();
  await decisionFactsIndexes(db);
  let roll = db.schema
    .createTable('gov_roll')
    .ifNotExists()
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('workflow', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('k1', 'text', (c) => c.notNull())
    .addColumn('k2', 'text', (c) => c.notNull())
    .addColumn('k3', 'text', (c) => c.notNull());
  for (const v of ROLL_VALUES) roll = roll.addColumn(v, real, (c) => c.notNull().defaultTo(0));
  roll = roll.addColumn('hist', 'text');
  await roll.addPrimaryKeyConstraint('gov_roll_pkey', ['kind', 'workflow', 'day', 'k1', 'k2', 'k3']).execute();
  await db.schema.createIndex('gov_roll_kind_day').ifNotExists().on('gov_roll').columns(['kind', 'day']).execute();
  // The feedback export's keyset cursor (received_at, id): issue 13's server receive time.
  await db.schema
    .createIndex('decisions_received')
    .ifNotExists()
    .on('decisions')
    .columns(['received_at', 'id'])
    .execute();
  await db.schema
    .createTable('gov_state')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
}

/**
 * Migration 90: the `zone` rollup (service/governance/facts.ts `contributions`) from the facts
 * already counted, in one INSERT … SELECT … GROUP BY (the refresh adds it for every draft counted
 * from then on), and the index the simulator reads the two threshold steps' facts by.
 */
export async function addZoneRollup(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('gov_facts_workflow_zk')
    .ifNotExists()
    .on('gov_facts')
    .columns(['workflow', 'zk', 'created_at'])
    .execute();
  await insertZoneRollup(db);
}

/**
 * Migration 103: the `zone` rows counted again from the facts, with the auto-adjustment's sums
 * (with an outcome, with a wrong outcome, review-routed and decided) beside the simulator's. On
 * PostgreSQL it first takes the refresh's lock (`REFRESH_LOCK_KEY`): a refresh of another instance
 * does not take the migrations' one, and rows it added between the delete and the insert would be
 * counted twice.
 */
export async function recountZoneRollup(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${REFRESH_LOCK_KEY})`.execute(db);
  await db.deleteFrom('gov_roll').where('kind', '=', 'zone').execute();
  await insertZoneRollup(db);
  // The new rows went to the table's end and the old versions stay dead where they were: written
  // again in key order (migration 102), as readers of a workflow's days expect.
  if (dialect === 'postgres') await sql`cluster gov_roll using gov_roll_pkey`.execute(db);
}

/**
 * Every `zone` row from the facts, as `contributions` adds them draft by draft: by step and by
 * `zonePart` (facts.ts; the same comparison: `ZONE_BELOW` under the step's grid value).
 */
async function insertZoneRollup(db: AnyDb): Promise<void> {
  const below = zoneBelowSql();
  await sql`insert into gov_roll (kind, workflow, day, k1, k2, k3, v0, v1, v2, v3, v4, v5, v6, v7, v8)
    select 'zone', workflow, day, cast(zk as text),
      case when ${below} then ${sql.lit(ZONE_BELOW)} else '' end, '',
      count(*),
      sum(1 - rule_escalated),
      sum(case when is_correct is not null then 1 else 0 end),
      sum(case when is_correct = 0 then 1 else 0 end),
      sum(case when verdict is not null then 1 else 0 end),
      sum(case when verdict = 'approved' then 1 else 0 end),
      sum(case when outcome is not null then 1 else 0 end),
      sum(case when outcome = 0 then 1 else 0 end),
      sum(case when route = 'review' and n_decisions > 0 then 1 else 0 end)
    from gov_facts where is_canary = 0
    group by workflow, day, zk, ${below}
    order by workflow, day, zk`.execute(db);
}
