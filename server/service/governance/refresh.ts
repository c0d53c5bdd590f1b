import { sql } from 'kysely';
import type { GovItem } from '../../../lib/shared/schema/governance';
import type { Dialect, Store, Trx } from '../../store';
import {
  awaitedLater,
  type Column,
  dispatched,
  insertRows,
  memo,
  pairIn,
  pgArrayRows,
  pgArrays,
  run,
  tupleIn,
} from '../../store/fast';
import { govDb, REFRESH_LOCK_KEY, ROLL_VALUES } from '../../store/rollups';
import {
  addContributions,
  type DecisionFact,
  decodeHist,
  encodeHist,
  type Fact,
  factsOf,
  HIST_BUCKET_KEY,
  isHist,
  type RollRow,
  rollKey,
  streakOf,
} from './facts';
import { loadChangedItems } from './load';

// Keeps governance's facts and rollups up to date, incrementally from two watermarks: the drafts'
// version (bumped in the same transaction as every change to a draft: ingest, decision, audit,
// canary) and the outcomes' id. Writers are serialised by the version counter's lock (store.write),
// so both commit in increasing order and nothing below a watermark can appear later: whatever a
// statement sees is every version up to some value and every outcome up to some id. Each batch runs
// in one transaction: facts, rollups and watermarks move together or not at all. Any number of server
// instances may run it; the second finds nothing left to do.
//
// On PostgreSQL a batch does not take the writers' lock: it writes only governance's own tables, and
// refreshes are serialised among themselves by an advisory lock (`govTransaction`), so reviewers'
// decisions and the pipeline's drafts never wait behind a refresh. SQLite has one writer at a time
// whatever the tables: its batches are write transactions like any other.

/**
 * Drafts per batch (one transaction each). SQLite: every commit writes the batch's dirty pages to the
 * WAL and, past 1,000 pages, checkpoints them into the database file; fewer, larger batches write
 * each shared page once: a day of new data at 1,000,000 drafts (11,111 drafts) caught up in
 * 1.3–1.4 s instead of 1.75–1.8 s with 2,000 (before migration 96). Writers wait for a batch (about
 * 0.4 s at 10,000), so it stays there. PostgreSQL: a batch holds no lock a writer waits for (see
 * above), and fewer, larger batches repeat less: the same day took 1.2–1.3 s in one batch against
 * 1.4–2.0 s in batches of 2,000, and in one of 20,000 against 10,000 + 1,111 the pass was faster in 6
 * of 7 neighbouring pairs (passes alternating between the two sizes, ~60–180 ms on average).
 */
const batchSize = (dialect: Dialect) => batches.size ?? (dialect === 'postgres' ? 20_000 : 10_000);
/** Tests set a small batch (`size`) to count across batches' borders; null: `batchSize`'s. */
export const batches: { size: number | null } = { size: null };

/**
 * A transaction for governance's tables. PostgreSQL: its own, serialised with other refreshes (on
 * any instance) by a transaction-level advisory lock, and not with the writers' version lock; it
 * commits without waiting for the WAL flush (what it writes is derived and recounted from the
 * watermarks it moves with: a crash that loses the commit loses nothing). SQLite: a write transaction.
 */
function govTransaction<T>(store: Store, fn: (trx: Trx) => Promise<T>): Promise<T> {
  if (store.dialect !== 'postgres') return store.write(fn);
  return store.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${REFRESH_LOCK_KEY}), set_config('synchronous_commit', 'off', true)`.execute(
      trx,
    );
    return fn(trx);
  });
}
const DRAFT_MARK = 'draft_version';
const OUTCOME_MARK = 'outcome_id';

type G = ReturnType<typeof govDb>;

async function marks(g: G): Promise<{ draft: number; outcome: number }> {
  const rows = await g.selectFrom('gov_state').select(['name', 'value']).execute();
  const get = (n: string) => Number(rows.find((r) => r.name === n)?.value ?? 0);
  return { draft: get(DRAFT_MARK), outcome: get(OUTCOME_MARK) };
}

async function setMark(g: G, name: string, value: number): Promise<void> {
  await g
    .insertInto('gov_state')
    .values({ name, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}

/** Whether anything was written since the rollups were last brought up to date (two indexed reads). */
export async function behind(store: Store): Promise<boolean> {
  const g = govDb(store.db);
  const m = await marks(g);
  const v = await g.selectFrom('counters').select('value').where('name', '=', 'version').executeTakeFirst();
  if (Number(v?.value ?? 0) > m.draft) return true;
  const o = await g
    .selectFrom('outcomes')
    .select('id')
    .where('id', '>', m.outcome)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return !!o;
}

/** A run of the refresh: `counted` when the facts and sums are current, `done` when everything is. */
interface Run {
  counted: Promise<number>;
  done: Promise<number>;
}
const inFlight = new WeakMap<Store, Run>();

/** Drafts (re)counted in one run above which PostgreSQL's statistics of the tables are refreshed. */
const TIDY_AFTER = 10_000;

/**
 * After a large catch-up (the first backfill, a rebuild, a bulk import) on PostgreSQL: the rollups
 * rewritten in key order, then VACUUM ANALYZE of governance's tables. The rollups are upserted once a
 * batch, so a backfill leaves most of `gov_roll`'s row versions dead (60,000 dead beside 32,000 live
 * at 100,000 drafts) and the live ones spread over the table (a workflow's 90 days of one kind read
 * from ~3,000 pages instead of ~110 at 1,000,000 drafts: migration 102); freshly filled tables have
 * no statistics: until autovacuum gets there (never, where it is off) every figure reads the dead
 * versions and is planned for empty tables (GET /v1/metrics p95 0.85 s at 100,000 drafts). CLUSTER
 * holds `gov_roll` for readers while it writes it (0.7 s at 1,000,000 drafts, 47,700 rows). Outside
 * any transaction (VACUUM cannot run in one); a failure of either (no rights) does not stop the
 * other, and leaves its work to autovacuum.
 */
async function tidy(store: Store): Promise<void> {
  if (store.dialect !== 'postgres') return;
  try {
    await sql`cluster gov_roll using gov_roll_pkey`.execute(store.db);
  } catch {
    // Left as it is: the vacuum below still clears the dead versions.
  }
  try {
    await sql`vacuum (analyze) gov_facts, gov_decision_facts, gov_roll, gov_state`.execute(store.db);
  } catch {
    // Left to autovacuum.
  }
}

/** PostgreSQL: about how many drafts the facts hold (the planner's estimate, no count); 0 on SQLite. */
async function countedBefore(store: Store): Promise<number> {
  if (store.dialect !== 'postgres') return 0;
  const r = await sql<{ n: number | string }>`select reltuples as n from pg_class where relname = 'gov_facts'`.execute(
    store.db,
  );
  return Math.max(0, Number(r.rows[0]?.n ?? 0));
}

/**
 * During a large catch-up on PostgreSQL (see `large`), at its start size and each doubling after: ANALYZE
 * governance's tables. Without it their statistics stay those of the empty tables they were at the
 * start (autovacuum may be off or behind) and each batch's deletes and reads by draft id are planned
 * for tables that no longer exist: the 1,000,000-draft backfill slowed to ~100 drafts/s with the
 * server busy in those deletes, ~350/s after an ANALYZE. A failure (no rights) only leaves it to
 * autovacuum.
 */
async function analyze(store: Store): Promise<void> {
  if (store.dialect !== 'postgres') return;
  try {
    await sql`analyze gov_facts, gov_decision_facts, gov_roll`.execute(store.db);
  } catch {
    // Left to autovacuum.
  }
}

/**
 * Brings the facts and rollups up to date; returns how many drafts were (re)counted. Concurrent
 * callers in one process share one run. Cheap when nothing changed (see `behind`).
 */
export function refreshGovernance(store: Store): Promise<number> {
  return refreshRun(store).done;
}

/**
 * Like `refreshGovernance`, but resolves as soon as the facts and every additive rollup are current,
 * while the reviewers' approval runs (`streak` rows, recomputed after) may still be on their way: for
 * readers of neither, the evaluator's, which then reads side by side with that last part.
 */
export function refreshCounts(store: Store): Promise<number> {
  return refreshRun(store).counted;
}

function refreshRun(store: Store): Run {
  const running = inFlight.get(store);
  if (running) return running;
  let large = Number.POSITIVE_INFINITY;
  let ran = false;
  const counted = (async () => {
    let total = 0;
    if (!(await behind(store))) return 0;
    ran = true;
    // Large relative to what is already counted, as autovacuum's scale factors judge (a day of
    // new data at 1,000,000 drafts is not: a VACUUM of every governance table took 27 s of the
    // evaluator's pass).
    large = Math.max(TIDY_AFTER, 0.2 * (await countedBefore(store)));
    let analyzeAt = large;
    for (;;) {
      const r = await govTransaction(store, (trx) => refreshBatch(store, trx));
      total += r.drafts;
      if (r.done) break;
      if (total >= analyzeAt) {
        await analyze(store);
        analyzeAt *= 2;
      }
    }
    return total;
  })();
  const done = (async () => {
    try {
      const total = await counted;
      if (ran) await refreshStreaks(store);
      if (total >= large) await tidy(store);
      return total;
    } finally {
      inFlight.delete(store);
    }
  })();
  // A caller of `refreshCounts` alone does not see a failure of the approval runs: it is not an
  // unhandled rejection (the next run retries them: their marks stay), and `refreshGovernance`'s
  // callers get it.
  const run = { counted, done: awaitedLater(done) };
  inFlight.set(store, run);
  return run;
}

/** One batch: the drafts changed and the drafts with new outcomes since the watermarks. */
async function refreshBatch(store: Store, trx: Trx): Promise<{ done: boolean; drafts: number }> {
  const batch = batchSize(store.dialect);
  const g = govDb(trx);
  const m = await marks(g);
  // Read before the drafts: every version up to it is committed, so in the drafts read after it.
  const counter = await g.selectFrom('counters').select('value').where('name', '=', 'version').executeTakeFirst();
  const outcomes = await g
    .selectFrom('outcomes')
    .select(['id', 'draft_id'])
    .where('id', '>', m.outcome)
    .orderBy('id')
    .limit(batch)
    .execute();
  const upTo = outcomes.length ? Number(outcomes[outcomes.length - 1]!.id) : m.outcome;
  // Facts are keyed by (created_at, draft_id) (migration 96): the drafts' current facts are looked
  // up by the drafts' own creation times, all as one parameter (store/fast.ts pairIn), asked for as
  // soon as the drafts are read (load.ts: what they tell of the drafts' outcomes).
  const read = await loadChangedItems(
    trx,
    store.dialect,
    m.draft,
    batch,
    outcomes.map((o) => o.draft_id),
    (keys): Promise<Fact[]> =>
      g
        .selectFrom('gov_facts')
        .selectAll()
        .where(pairIn(store.dialect, 'created_at', 'draft_id', keys))
        .execute(),
    { after: m.outcome, upTo },
  );
  if (read.facts) await recount(store, g, trx, read.items, read.facts);
  const done = read.changed < batch && outcomes.length < batch;
  let draftMark = read.lastVersion ?? m.draft;
  // Every draft up to the counter's value is in this batch.
  if (read.changed < batch) draftMark = Math.max(draftMark, Number(counter?.value ?? 0));
  if (draftMark !== m.draft) await setMark(g, DRAFT_MARK, draftMark);
  if (upTo !== m.outcome) await setMark(g, OUTCOME_MARK, upTo);
  return { done, drafts: read.items.length };
}

/**
 * Replaces the facts of these drafts (`oldFactsRead`: their current ones, asked for already) and
 * moves the rollups by the difference. Statements are sent before this process works on what they
 * do not need, so the database and this process work side by side (one connection runs them in the
 * order sent): the new facts are derived while the old ones arrive, and inserted while the rollup
 * deltas are added up.
 */
async function recount(
  store: Store,
  g: G,
  trx: Trx,
  items: readonly GovItem[],
  oldFactsRead: Promise<Fact[]>,
): Promise<void> {
  const derived = items.map((it) => factsOf(it));
  const oldFacts = await oldFactsRead;
  // Only drafts counted before have facts to replace (few of a catch-up: the day's new drafts have
  // none): the rest of the work on old facts is done for those keys alone.
  const counted = oldFacts.length
    ? pairIn(
        store.dialect,
        'created_at',
        'draft_id',
        oldFacts.map((f) => [f.created_at, f.draft_id] as const),
      )
    : null;
  const oldDecisions: DecisionFact[] = counted
    ? await g.selectFrom('gov_decision_facts').selectAll().where(counted).execute()
    : [];
  if (counted) {
    await g.deleteFrom('gov_facts').where(counted).execute();
    await g.deleteFrom('gov_decision_facts').where(counted).execute();
  }
  // Cached statements (store/fast.ts): one per table on PostgreSQL, a prepared single-row insert
  // per row on SQLite; Kysely building and compiling thousands of rows cost more than the inserts.
  // Each sent before the next one's rows are written out: the database starts on the facts at once.
  const insert = (table: string, columns: readonly Column[], rows: () => unknown[][]) =>
    awaitedLater(insertRows(store, trx, table, columns, rows()));
  const factsInserted = insert('gov_facts', FACT_COLUMNS, () =>
    derived.map(({ fact }) => FACT_COLUMNS.map(([c]) => fact[c as keyof Fact])),
  );
  await dispatched();
  const decisionsInserted = insert('gov_decision_facts', DECISION_COLUMNS, () =>
    derived.flatMap(({ decisions }) => decisions.map((d) => DECISION_COLUMNS.map(([c]) => d[c as keyof DecisionFact]))),
  );
  const deltas = new Map<string, RollRow>();
  const decsOf = new Map<string, DecisionFact[]>();
  for (const d of oldDecisions) {
    d.dwell_ms = d.dwell_ms === null ? null : Number(d.dwell_ms);
    const list = decsOf.get(d.draft_id) ?? [];
    list.push(d);
    decsOf.set(d.draft_id, list);
  }
  for (const f of oldFacts) addContributions(deltas, f, decsOf.get(f.draft_id) ?? [], -1);
  // Approval streaks are not sums: the reviewer-days whose decisions changed are marked and
  // recomputed after (not those of a draft recounted for a new outcome: its decisions are the same).
  const touched = new Set<string>();
  for (const { fact, decisions } of derived) {
    addContributions(deltas, fact, decisions, 1);
    const before = decsOf.get(fact.draft_id) ?? [];
    if (sameStreakInputs(before, decisions)) continue;
    for (const d of [...before, ...decisions]) touched.add(`${d.user_id}\u0000${d.decided_day}`);
  }
  await factsInserted;
  await decisionsInserted;
  await applyDeltas(
    store,
    g,
    trx,
    [...deltas.values()].filter((r) => r.v.some((x) => x !== 0)),
  );
  const dirty = [...touched].map((t) => {
    const [user, day] = t.split('\u0000') as [string, string];
    return { kind: 'streak_dirty', workflow: '', day, k1: user, k2: '', k3: '' };
  });
  for (let i = 0; i < dirty.length; i += 300)
    await g
      .insertInto('gov_roll')
      .values(dirty.slice(i, i + 300))
      .onConflict((oc) => oc.columns(['kind', 'workflow', 'day', 'k1', 'k2', 'k3']).doNothing())
      .execute();
}

/** Whether two lists of a draft's decision facts give every reviewer-day the same approval runs. */
function sameStreakInputs(a: readonly DecisionFact[], b: readonly DecisionFact[]): boolean {
  if (a.length !== b.length) return false;
  const key = (d: DecisionFact) => `${d.seq}\u0000${d.user_id}\u0000${d.decided_at}\u0000${d.label}\u0000${d.workflow}`;
  const have = new Set(a.map(key));
  return b.every((d) => have.has(key(d)));
}

const FACT_COLUMNS: readonly Column[] = [
  ['draft_id', 'text'],
  ['workflow', 'text'],
  ['day', 'text'],
  ['created_at', 'text'],
  ['confidence', 'double precision'],
  ['bin10', 'bigint'],
  ['zk', 'bigint'],
  ['route', 'text'],
  ['is_open', 'bigint'],
  ['segment', 'text'],
  ['model', 'text'],
  ['is_canary', 'bigint'],
  ['rule_escalated', 'bigint'],
  ['escalated', 'bigint'],
  ['verdict', 'text'],
  ['outcome', 'bigint'],
  ['is_correct', 'bigint'],
  ['review_day', 'text'],
  ['n_decisions', 'bigint'],
  ['words', 'bigint'],
  ['pair_a', 'text'],
  ['pair_b', 'text'],
];

const DECISION_COLUMNS: readonly Column[] = [
  ['draft_id', 'text'],
  ['seq', 'bigint'],
  ['user_id', 'text'],
  ['workflow', 'text'],
  ['day', 'text'],
  ['created_at', 'text'],
  ['decided_at', 'text'],
  ['decided_day', 'text'],
  ['label', 'text'],
  ['is_canary', 'bigint'],
  ['dwell_ms', 'bigint'],
  ['fast', 'bigint'],
];

const ROLL_KEYS = ['kind', 'workflow', 'day', 'k1', 'k2', 'k3'] as const;
const ROLL_COLUMNS: readonly Column[] = [
  ...ROLL_KEYS.map((k): Column => [k, 'text']),
  ...ROLL_VALUES.map((v): Column => [v, 'double precision']),
];

/** Insert a rollup row or add its sums to the existing one (upsert; one statement, cached). */
function upsertRollText(store: Store): string {
  const names = ROLL_COLUMNS.map(([c]) => c).join(', ');
  const add = ROLL_VALUES.map((v) => `${v} = gov_roll.${v} + excluded.${v}`).join(', ');
  const conflict = `on conflict (${ROLL_KEYS.join(', ')}) do update set ${add}`;
  return store.dialect === 'postgres'
    ? memo('pg:gov_roll:add', () => `insert into gov_roll (${names}) ${pgArrayRows(ROLL_COLUMNS, 1)} ${conflict}`)
    : memo(
        'sqlite:gov_roll:add',
        () => `insert into gov_roll (${names}) values (${ROLL_COLUMNS.map(() => '?').join(', ')}) ${conflict}`,
      );
}

/** Adds the deltas to the rollup rows (insert or add; histograms read, merged and written back). */
async function applyDeltas(store: Store, g: G, trx: Trx, all: readonly RollRow[]): Promise<void> {
  const rows = all.filter((r) => !isHist(r.kind));
  const hists = new Map<string, { key: RollRow; h: Map<number, number> }>();
  for (const r of all) {
    if (!isHist(r.kind)) continue;
    const bucketKey = HIST_BUCKET_KEY[r.kind];
    const key = { ...r, [bucketKey]: '' };
    const k = rollKey(key);
    const entry = hists.get(k) ?? { key, h: new Map<number, number>() };
    const b = Number(r[bucketKey]);
    entry.h.set(b, (entry.h.get(b) ?? 0) + r.v[0]!);
    hists.set(k, entry);
  }
  await applyHistograms(store.dialect, g, [...hists.values()]);
  const values = rows.map((r) => [
    r.kind,
    r.workflow,
    r.day,
    r.k1,
    r.k2,
    r.k3,
    ...ROLL_VALUES.map((_, j) => r.v[j] ?? 0),
  ]);
  if (!values.length) return;
  const text = upsertRollText(store);
  if (store.dialect === 'postgres') {
    for (let i = 0; i < values.length; i += 2_000)
      await run(trx, text, pgArrays(ROLL_COLUMNS, values.slice(i, i + 2_000)));
  } else if (store.sqlite) store.sqlite.runEach(text, values);
  else for (const v of values) await run(trx, text, v);
}

async function applyHistograms(
  dialect: Dialect,
  g: G,
  entries: readonly { key: RollRow; h: Map<number, number> }[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 1_000) {
    const chunk = entries.slice(i, i + 1_000);
    const existing = await g
      .selectFrom('gov_roll')
      .select(['kind', 'workflow', 'day', 'k1', 'k2', 'k3', 'hist'])
      .where(
        tupleIn(
          dialect,
          ROLL_KEYS,
          chunk.map(({ key }) => ROLL_KEYS.map((k) => key[k])),
        ),
      )
      .execute();
    const have = new Map(existing.map((r) => [rollKey(r), r.hist]));
    const values = chunk.map(({ key, h }) => {
      const merged = decodeHist(have.get(rollKey(key)) ?? null);
      for (const [b, c] of h) merged.set(b, (merged.get(b) ?? 0) + c);
      return {
        kind: key.kind,
        workflow: key.workflow,
        day: key.day,
        k1: key.k1,
        k2: key.k2,
        k3: key.k3,
        hist: encodeHist(merged),
      };
    });
    await g
      .insertInto('gov_roll')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['kind', 'workflow', 'day', 'k1', 'k2', 'k3']).doUpdateSet({ hist: sql`excluded.hist` }),
      )
      .execute();
  }
}

/**
 * Recomputes the approval-run summary (`streak` rows, per reviewer and decision day, overall ('*')
 * and per workflow) of every reviewer-day marked dirty, a few hundred per transaction, each in four
 * statements whatever the number of reviewers (one round trip per reviewer cost 0.4 s of a day's
 * refresh with 50 reviewers on PostgreSQL).
 */
async function refreshStreaks(store: Store): Promise<void> {
  for (;;) {
    const done = await govTransaction(store, async (trx) => {
      const g = govDb(trx);
      const dirty = await g
        .selectFrom('gov_roll')
        .select(['day', 'k1'])
        .where('kind', '=', 'streak_dirty')
        .limit(STREAK_BATCH)
        .execute();
      if (dirty.length === 0) return true;
      const pairs = dirty.map((d) => [d.k1, d.day] as const);
      const rows = await streakInputs(store.dialect, trx, pairs);
      const groups = new Map<string, string[]>();
      for (const r of rows)
        for (const scope of ['*', r.workflow]) {
          const k = `${r.user_id}\u0000${scope}\u0000${r.decided_day}`;
          const list = groups.get(k);
          if (list) list.push(r.label);
          else groups.set(k, [r.label]);
        }
      const these = pairIn(store.dialect, 'k1', 'day', pairs);
      await g.deleteFrom('gov_roll').where('kind', '=', 'streak').where(these).execute();
      const values = [...groups].map(([k, labels]) => {
        const [user, scope, day] = k.split('\u0000') as [string, string, string];
        const s = streakOf(labels);
        return ['streak', scope, day, user, '', '', s.n, s.prefix, s.suffix, s.longest, s.all ? 1 : 0];
      });
      await insertRows(store, trx, 'gov_roll', STREAK_COLUMNS, values);
      await g.deleteFrom('gov_roll').where('kind', '=', 'streak_dirty').where(these).execute();
      return dirty.length < STREAK_BATCH;
    });
    if (done) return;
  }
}

interface StreakInput {
  user_id: string;
  decided_day: string;
  workflow: string;
  label: string;
  decided_at: string;
  created_at: string;
  draft_id: string;
  seq: number;
}

/**
 * The decision facts of these reviewer-days, in decision order within each (by receive time, then
 * the draft's creation, id and the decision's place: the order the in-memory figures use, compared
 * as JavaScript compares strings). Each reviewer-day is one range of gov_decision_facts_streak
 * (migration 97): PostgreSQL is made to read it so (a lateral join per pair); asked for the pairs
 * in index order, it merged them against the whole index instead (800,000 entries, 300 ms at
 * 1,000,000 drafts).
 */
async function streakInputs(
  dialect: Dialect,
  trx: Trx,
  pairs: readonly (readonly [string, string])[],
): Promise<StreakInput[]> {
  const columns = sql.raw('workflow, label, decided_at, created_at, draft_id, seq');
  const rows =
    dialect === 'postgres'
      ? (
          await sql<StreakInput>`select p.u as user_id, p.d as decided_day, x.*
            from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as p(u, d)
            cross join lateral (select ${columns} from gov_decision_facts
              where user_id = p.u and decided_day = p.d) x`.execute(trx)
        ).rows
      : (
          await sql<StreakInput>`select user_id, decided_day, ${columns} from gov_decision_facts
            where ${pairIn(dialect, 'user_id', 'decided_day', pairs)}`.execute(trx)
        ).rows;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort(
    (a, b) =>
      cmp(a.user_id, b.user_id) ||
      cmp(a.decided_day, b.decided_day) ||
      cmp(a.decided_at, b.decided_at) ||
      cmp(a.created_at, b.created_at) ||
      cmp(a.draft_id, b.draft_id) ||
      Number(a.seq) - Number(b.seq),
  );
}

/** Reviewer-days whose streaks are recomputed per transaction. */
const STREAK_BATCH = 300;
const STREAK_COLUMNS: readonly Column[] = [
  ...ROLL_KEYS.map((k): Column => [k, 'text']),
  ...ROLL_VALUES.slice(0, 5).map((v): Column => [v, 'double precision']),
];

/** Deletes the facts of all drafts and rebuilds them (repair, or after changing how a fact is derived). */
export async function rebuildGovernance(store: Store): Promise<number> {
  await govTransaction(store, async (trx) => {
    const g = govDb(trx);
    await g.deleteFrom('gov_facts').execute();
    await g.deleteFrom('gov_decision_facts').execute();
    await g.deleteFrom('gov_roll').execute();
    await g.deleteFrom('gov_state').execute();
  });
  return refreshGovernance(store);
}

export { rollKey };
