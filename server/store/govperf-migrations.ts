import { type Kysely, sql } from 'kysely';
import type { Dialect } from './migrations';
import { decisionFactsTable, factsTable, recountZoneRollup } from './rollups';

/** Room left on each page of gov_roll (PostgreSQL) for its rows' updates (migration 102). */
const ROLL_FILLFACTOR = 50;

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle
type AnyDb = Kysely<any>;

/** Open drafts by creation time and by workflow, partial and covering (migration 93; 96 on SQLite). */
async function openFactsIndexes(db: AnyDb): Promise<void> {
  await sql`create index if not exists gov_facts_open_by_created
    on gov_facts (created_at, workflow, segment, model, is_open, is_canary)
    where is_open = 1 and is_canary = 0`.execute(db);
  await sql`create index if not exists gov_facts_open_by_workflow
    on gov_facts (workflow, created_at, segment, model, is_open, is_canary)
    where is_open = 1 and is_canary = 0`.execute(db);
}

/** The simulator's facts by threshold step, covering (migration 94; 96 on SQLite). */
async function zkCoverIndex(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('gov_facts_zk_cover')
    .ifNotExists()
    .on('gov_facts')
    .columns(['workflow', 'zk', 'created_at', 'is_canary', 'confidence', 'rule_escalated', 'is_correct', 'verdict'])
    .execute();
}

/** Facts by workflow and creation time, covering the auto-adjustment (migration 95). */
async function workflowCreatedCoverIndex(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('gov_facts_workflow_created_cover')
    .ifNotExists()
    .on('gov_facts')
    .columns(['workflow', 'created_at', 'is_canary', 'confidence', 'outcome', 'route', 'n_decisions'])
    .execute();
}

/**
 * Facts by workflow and creation time, covering the auto-adjustment and the rule sums of a window's
 * first day (migration 100; it replaces gov_facts_workflow_created_cover, whose columns lead it).
 */
async function workflowCreatedSumsIndex(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('gov_facts_workflow_created_sums')
    .ifNotExists()
    .on('gov_facts')
    .columns([
      'workflow',
      'created_at',
      'is_canary',
      'confidence',
      'outcome',
      'route',
      'n_decisions',
      'verdict',
      'escalated',
      'zk',
      'bin10',
      'rule_escalated',
      'is_correct',
    ])
    .execute();
}

/**
 * Migration 96: governance's facts keyed by (created_at, draft_id) instead of the random draft id.
 * The refresh adds a day's new drafts at the end of the creation order: under a random key each
 * insert landed on a different page of a 1,000,000-entry index (a day of new data dirtied most of
 * both primary keys: 140 MB of WAL on SQLite, the evaluator pass 1.9 s); in creation order they
 * share the last few pages. The refresh looks facts up by the draft's own creation time, which it
 * reads first. The old created_at index is the new key's prefix and goes.
 *
 * PostgreSQL swaps the constraints in place. SQLite cannot change a primary key: both tables are
 * copied in key order into new ones (16–23 s at 1,000,000 drafts, once) and their indexes made
 * again.
 */
async function rekeyFacts(db: AnyDb, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table gov_facts drop constraint gov_facts_pkey`.execute(db);
    await sql`alter table gov_facts add constraint gov_facts_pkey primary key (created_at, draft_id)`.execute(db);
    await sql`alter table gov_decision_facts drop constraint gov_decision_facts_pkey`.execute(db);
    await sql`alter table gov_decision_facts
      add constraint gov_decision_facts_pkey primary key (created_at, draft_id, seq)`.execute(db);
    await db.schema.dropIndex('gov_facts_created').ifExists().execute();
    return;
  }
  // Each table copied in key order into a new one keyed so, which then takes its name; its indexes
  // go with the old one.
  const rebuild = async <K extends string>(
    table: string,
    key: K[],
    create: (name: string, key: K[]) => { execute(): Promise<unknown> },
  ) => {
    const next = `${table}_rekeyed`;
    await create(next, key).execute();
    const order = sql.join(key.map((k) => sql.ref(k)));
    await sql`insert into ${sql.table(next)} select * from ${sql.table(table)} order by ${order}`.execute(db);
    await db.schema.dropTable(table).execute();
    await sql`alter table ${sql.table(next)} rename to ${sql.table(table)}`.execute(db);
  };
  await rebuild('gov_facts', ['created_at', 'draft_id'], (name, key) => factsTable(db, name, key));
  await openFactsIndexes(db);
  // gov_facts_zk_cover and gov_facts_workflow_created_cover are not made again: migrations 104 and
  // 100, always run after this one, drop one and replace the other. Nor are gov_decision_facts'
  // secondary indexes: migrations 97 and 99 replace one (by gov_decision_facts_streak) and drop the
  // other; building them here was wasted.
  await rebuild('gov_decision_facts', ['created_at', 'draft_id', 'seq'], (name, key) =>
    decisionFactsTable(db, name, key),
  );
}

/**
 * Issue 16's performance targets (helper govperf), versions 91–104: indexes that let the governance
 * figures and alerts read what they count from an index alone. Inserted into MIGRATIONS after 90.
 */
export const GOVPERF_MIGRATIONS: { version: number; name: string; up(db: AnyDb, dialect: Dialect): Promise<void> }[] = [
  {
    version: 91,
    name: 'open drafts by creation time, partial and covering (issue 16)',
    // GET /v1/metrics counts the window's open drafts by workflow, segment and model in SQL and reads
    // each group's median queue age by offset (service/governance/figures.ts `Window.openMedians`):
    // newest first over every open draft, or over one workflow's. Partial: only the open, non-canary
    // facts (5% of 1,000,000 in bench:governance), with the predicate the queries repeat word for word
    // (what SQLite needs to use a partial index). They replace gov_facts_open, which read the rows.
    async up(db) {
      await sql`create index if not exists gov_facts_open_created
          on gov_facts (created_at, workflow, segment, model) where is_open = 1 and is_canary = 0`.execute(db);
      await sql`create index if not exists gov_facts_open_workflow
          on gov_facts (workflow, created_at, segment, model) where is_open = 1 and is_canary = 0`.execute(db);
      await db.schema.dropIndex('gov_facts_open').ifExists().execute();
    },
  },
  {
    version: 92,
    name: 'applied decisions by receive time, covering (issue 16)',
    // The rubber-stamping alert (service/alerts.ts) sums each reviewer's last 7 days of applied
    // decisions: a range of this index with every column it reads, instead of a row lookup per decision.
    async up(db) {
      await db.schema
        .createIndex('decisions_received_reviewer')
        .ifNotExists()
        .on('decisions')
        .columns(['received_at', 'status', 'action', 'user_id', 'dwell_ms'])
        .execute();
    },
  },
  {
    version: 93,
    name: 'open drafts indexes covering on SQLite (issue 16)',
    // SQLite reads the table for a column the query names that the index lacks, even when a partial
    // index's predicate fixes it: with is_open and is_canary in the index (always 1 and 0, a few
    // bytes) the queries of migration 91 are answered from the index alone on SQLite too
    // (EXPLAIN QUERY PLAN: "USING COVERING INDEX"; PostgreSQL already did index-only scans).
    async up(db) {
      await openFactsIndexes(db);
      await db.schema.dropIndex('gov_facts_open_created').ifExists().execute();
      await db.schema.dropIndex('gov_facts_open_workflow').ifExists().execute();
    },
  },
  {
    version: 94,
    name: 'simulator facts index covering (issue 16)',
    // GET …/simulate reads the facts of the (at most two) 0.01 confidence steps its thresholds fall
    // in (service/governance/figures.ts `simulationFigures`): with every column it sums in the index,
    // from the index alone instead of a row lookup per fact (the request took ~150 ms of server CPU
    // at 1,000,000 drafts on SQLite). Replaces migration 90's gov_facts_workflow_zk (same leading columns).
    async up(db) {
      await zkCoverIndex(db);
      await db.schema.dropIndex('gov_facts_workflow_zk').ifExists().execute();
    },
  },
  {
    version: 95,
    name: 'facts by workflow and creation time, covering the auto-adjustment (issue 16)',
    // The evaluator's auto-adjustment sums a workflow's last 7 days of facts (confidence, outcome,
    // route, decisions: service/governance/figures.ts `evaluationFigures`), ~26,000 per workflow at
    // 1,000,000 drafts, each a row lookup in the table before. With those columns in the index it is
    // read from the index alone. Replaces gov_facts_workflow_created (same leading columns, which
    // the other readers by workflow and creation time use as before).
    async up(db) {
      await workflowCreatedCoverIndex(db);
      await db.schema.dropIndex('gov_facts_workflow_created').ifExists().execute();
    },
  },
  {
    version: 96,
    name: 'governance facts keyed by creation time, not by random draft id (issue 16)',
    async up(db, dialect) {
      await rekeyFacts(db, dialect);
    },
  },
  {
    version: 97,
    name: "a reviewer-day's decision facts in approval-run order, covering (issue 16)",
    // The refresh recomputes the approval runs of every reviewer-day a batch touched (refresh.ts
    // `refreshStreaks`): all that day's decision facts of the reviewer, in decision order. A day's
    // facts of one reviewer lie among everyone's (the table is in creation order), so each was a row
    // lookup of its own: 20,000 rows and as many table pages after a day of new data at 1,000,000
    // drafts (240 ms on PostgreSQL). With the order's columns and the two it reads in the index, one
    // range of it per reviewer-day. Replaces gov_decision_facts_user_day (the same leading columns).
    async up(db, dialect) {
      await sql`create index if not exists gov_decision_facts_streak on gov_decision_facts
          (user_id, decided_day, decided_at, created_at, draft_id, seq${sql.raw(dialect === 'postgres' ? ') include (workflow, label)' : ', workflow, label)')}`.execute(
        db,
      );
      await db.schema.dropIndex('gov_decision_facts_user_day').ifExists().execute();
    },
  },
  {
    version: 98,
    name: 'what governance reads of a draft input, stored at ingest (issue 16)',
    // The refresh read every changed draft's input JSON (6 MB a day at 1,000,000 drafts) to count its
    // words and find its escalations; new drafts carry them as columns. Older drafts keep null and
    // are read as before (no backfill: they are read only when they change).
    async up(db) {
      await db.schema.alterTable('drafts').addColumn('words', 'integer').execute();
      await db.schema.alterTable('drafts').addColumn('input_named', 'boolean').execute();
      await db.schema.alterTable('drafts').addColumn('input_escalates', 'boolean').execute();
    },
  },
  {
    version: 99,
    name: 'decision facts: the unused index by day goes (issue 16)',
    // gov_decision_facts_day (day, workflow), from migration 20, serves no query: a window's first
    // day reads its decision facts through the facts (service/governance/figures.ts, by primary key),
    // and the refresh by primary key and gov_decision_facts_streak. Each insert kept it up to date.
    async up(db) {
      await db.schema.dropIndex('gov_decision_facts_day').ifExists().execute();
    },
  },
  {
    version: 100,
    name: "facts by workflow and creation time, covering a window's first day's rule sums (issue 16)",
    // Every evaluation sums two windows' first (partial) days from the facts: the step-back rates'
    // (7 days) and the threshold recommendation's (90 days), ~1,900 facts each per workflow at
    // 1,000,000 drafts, each on a table page of its own (a day's facts are rewritten as decisions and
    // outcomes arrive): ~20 ms a read on PostgreSQL. With the columns those sums read (verdict,
    // escalated, the confidence steps, rule escalation, correctness) in the index they come from the
    // index alone (service/governance/figures.ts `Window.partial`). Its leading columns are 95's,
    // which every other reader by workflow and creation time uses as before; inserts cost the same
    // (one index for one).
    async up(db) {
      await workflowCreatedSumsIndex(db);
      await db.schema.dropIndex('gov_facts_workflow_created_cover').ifExists().execute();
    },
  },
  {
    version: 101,
    name: "whether an edit changed the draft's content, stored when it is applied (issue 16)",
    // Governance counts an edit that left the content as it was as an approval. The refresh compared
    // each edit's content with its draft's, read with it (the draft's whole input, a row and its
    // out-of-line storage per edit: ~50 ms of a day's read at 1,000,000 drafts on PostgreSQL). The
    // server knows it when it applies the edit (service/decide.ts). Decisions stored before this
    // migration keep null and are compared as before.
    async up(db) {
      await db.schema.alterTable('decisions').addColumn('edit_changed', 'boolean').execute();
    },
  },
  {
    version: 102,
    name: 'rollup rows kept in key order on PostgreSQL (issue 16)',
    // Every refresh adds to the rollup rows of the days it counted (an upsert per row). PostgreSQL
    // writes an updated row's new version wherever there is room: on a full page, another page. A
    // backfill updates each row once a batch, so at 1,000,000 drafts the 47,700 rows (14 MB packed)
    // lay on 10,577 pages of a 143 MB table, and a workflow's 90 days of one kind (4,543 rows) were
    // read from 3,058 pages, one page per row or so. With half of every page left free (fillfactor
    // 50: a refresh may update every row of a page in one transaction, whose old versions cannot be
    // pruned before it ends) an update stays on its row's page (a HOT update, the old version pruned
    // there later), so rows stay where they were written (at 70, 40 of 91 rows in
    // tests/api/governance-roll-layout.test.ts moved); CLUSTER writes the existing ones in key order,
    // as service/governance/refresh.ts `tidy` does after every large catch-up. SQLite updates a row in
    // place: nothing to do there.
    async up(db, dialect) {
      if (dialect !== 'postgres') return;
      await sql`alter table gov_roll set (fillfactor = ${sql.raw(String(ROLL_FILLFACTOR))})`.execute(db);
      await sql`cluster gov_roll using gov_roll_pkey`.execute(db);
    },
  },
  {
    version: 103,
    name: "the auto-adjustment's sums in the zone rollup (issue 16)",
    // Every evaluation of a workflow that opted into auto-adjustment counted its last 7 days' facts
    // at or above the auto threshold with an outcome, the wrong ones and the decided review-routed
    // ones (~26,000 facts per workflow at 1,000,000 drafts, the most recent not yet marked visible
    // to all: a heap page each). The `zone` rollup now carries those sums per 0.01 step (facts.ts
    // `contributions`), so the evaluation reads whole days from it and facts only for the window's
    // first day and the threshold's own step, as the simulator does (850–2,100 facts). Evaluator pass at
    // 1,000,000 drafts, the two reads alternating pass by pass: PostgreSQL's CPU 748 against 843 ms,
    // the pass 910 against 961 ms (means of 6 pairs). The rows counted so far are counted again.
    async up(db, dialect) {
      await recountZoneRollup(db, dialect);
    },
  },
  {
    version: 104,
    name: "a zone step's facts under its grid value apart; the simulator's facts index goes (issue 16)",
    // The simulator and the auto-adjustment read the facts of the 0.01 step a threshold falls in
    // (by gov_facts_zk_cover, migration 94), to compare them with it exactly. A threshold on the grid
    // (t = k/100: 0.9, 0.95; every default and every recommendation) splits its step only between
    // the facts under k/100 (within 1e-12 of it, which `zoneIndex` counts in the step) and the rest:
    // the `zone` rows now keep those apart (facts.ts `zonePart`), so such a threshold needs no fact
    // at all, and one off the grid reads its step through the workflow's range of
    // gov_facts_workflow_created_sums. gov_facts_zk_cover, keyed by step, took every new fact at one
    // of ~100 places per workflow, a scattered page each (~75 ms of a day's insert at 1,000,000
    // drafts on PostgreSQL); it goes. The zone rows counted so far are counted again.
    async up(db, dialect) {
      await recountZoneRollup(db, dialect);
      await db.schema.dropIndex('gov_facts_zk_cover').ifExists().execute();
    },
  },
];
