import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { writeHistory } from '../../server/service/governance';
import { refreshGovernance } from '../../server/service/governance/refresh';
import type { Store } from '../../server/store';
import { migrate } from '../../server/store/migrations';
import { decisionFactsTable, factsTable } from '../../server/store/rollups';
import { expectCountedAsFromScratch, governanceTables, seededHistory } from '../helpers/governance-data';
import { startTestApp, TEST_DBS } from '../helpers/server';

// Issue 16, migration 96: governance's facts keyed by (created_at, draft_id) instead of the random
// draft id, so a day of new drafts lands at the end of both primary keys. A database counted under
// the old key comes through the migration with every fact and figure unchanged, and counting goes on
// from its watermark as if it had always been keyed so (equal to a rebuild from scratch).

const NOW = Date.parse('2026-11-20T15:30:00.000Z');

/** The primary key's columns, in key order. */
async function primaryKey(store: Store, table: string): Promise<string[]> {
  if (store.dialect === 'postgres') {
    const r = await sql<{ name: string }>`select a.attname as name from pg_index i
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ${table}::regclass and i.indisprimary
      order by array_position(i.indkey::int2[], a.attnum)`.execute(store.db);
    return r.rows.map((x) => x.name);
  }
  const r = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table}) where pk > 0
    order by pk`.execute(store.db);
  return r.rows.map((x) => x.name);
}

async function indexes(store: Store, table: string): Promise<string[]> {
  const r =
    store.dialect === 'postgres'
      ? await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${table}`.execute(
          store.db,
        )
      : await sql<{ name: string }>`select name from pragma_index_list(${table})`.execute(store.db);
  return r.rows.map((x) => x.name).sort();
}

/** The facts tables as they were before migration 96 (keyed by draft id), empty. */
async function keyedByDraftId(store: Store): Promise<void> {
  const db = store.db;
  if (store.dialect === 'postgres') {
    await sql`alter table gov_facts drop constraint gov_facts_pkey`.execute(db);
    await sql`alter table gov_facts add constraint gov_facts_pkey primary key (draft_id)`.execute(db);
    await sql`alter table gov_decision_facts drop constraint gov_decision_facts_pkey`.execute(db);
    await sql`alter table gov_decision_facts add constraint gov_decision_facts_pkey primary key (draft_id, seq)`.execute(
      db,
    );
    await sql`create index gov_facts_created on gov_facts (created_at)`.execute(db);
    return;
  }
  await db.schema.dropTable('gov_facts').execute();
  await db.schema.dropTable('gov_decision_facts').execute();
  // biome-ignore lint/suspicious/noExplicitAny: the migrations' untyped handle
  const any = db as any;
  await factsTable(any, 'gov_facts', ['draft_id']).execute();
  await decisionFactsTable(any, 'gov_decision_facts', ['draft_id', 'seq']).execute();
  await sql`create index gov_facts_created on gov_facts (created_at)`.execute(db);
}

describe.each(TEST_DBS)('facts keyed by creation time (migration 96) on %s', (dbName) => {
  it('an upgraded database keeps every fact and figure; counting goes on equal to a rebuild', async () => {
    const s = await startTestApp(dbName, { now: () => new Date(NOW) });
    try {
      const admin = await s.token('admin', { user: 'root' });
      const pipe = await s.token('pipeline');
      const snapshot = () => governanceTables(s.store);
      const figures = async () => {
        const out: unknown[] = [];
        for (const path of ['/v1/metrics', '/v1/metrics?workflow=outbound-email&days=30', '/v1/reviewers'])
          out.push(await (await s.api(path, { token: admin })).json());
        return out;
      };

      await keyedByDraftId(s.store);
      expect(await primaryKey(s.store, 'gov_facts')).toEqual(['draft_id']);
      const history = seededHistory({ seed: 96, n: 700, now: NOW });
      await writeHistory(s.store, history);
      expect(await refreshGovernance(s.store)).toBeGreaterThanOrEqual(700);
      const before = await snapshot();
      const figuresBefore = await figures();
      expect(before.facts.length).toBeGreaterThanOrEqual(700);
      expect(before.decisions.length).toBeGreaterThan(300);

      // Upgraded from before migration 96 (and 97, 99 and 100, which came after it and change its indexes).
      await s.store.db.deleteFrom('schema_migrations').where('version', 'in', [96, 97, 99, 100]).execute();
      await migrate(s.store.db, s.store.dialect);
      expect(await primaryKey(s.store, 'gov_facts')).toEqual(['created_at', 'draft_id']);
      expect(await primaryKey(s.store, 'gov_decision_facts')).toEqual(['created_at', 'draft_id', 'seq']);
      const factIndexes = await indexes(s.store, 'gov_facts');
      for (const name of ['gov_facts_open_by_created', 'gov_facts_open_by_workflow', 'gov_facts_workflow_created_sums'])
        expect(factIndexes).toContain(name);
      // Dropped by migration 104, which stays applied: the rekey does not make it again.
      expect(factIndexes).not.toContain('gov_facts_zk_cover');
      expect(factIndexes).not.toContain('gov_facts_created');
      expect(factIndexes).not.toContain('gov_facts_workflow_created_cover');
      const decisionIndexes = await indexes(s.store, 'gov_decision_facts');
      expect(decisionIndexes).toContain('gov_decision_facts_streak');
      expect(decisionIndexes).not.toContain('gov_decision_facts_user_day');
      expect(decisionIndexes).not.toContain('gov_decision_facts_day');
      expect(await snapshot()).toEqual(before);
      expect(await figures()).toEqual(figuresBefore);

      // Counting goes on: new drafts, and outcomes that change drafts already counted (their facts
      // are found by creation time and replaced).
      await writeHistory(s.store, seededHistory({ seed: 97, n: 300, now: NOW }));
      const earlier = history.filter((it) => it.route !== 'auto' && it.decisions.length > 0).slice(0, 40);
      const r = await s.api('/v1/outcomes', {
        token: pipe,
        body: { outcomes: earlier.map((it, i) => ({ draftId: it.id, correct: i % 3 !== 0, source: 'customer' })) },
      });
      expect(r.status).toBe(200);
      expect(await refreshGovernance(s.store)).toBeGreaterThanOrEqual(340);
      const incremental = await expectCountedAsFromScratch(s.store);
      expect(incremental.facts.length).toBeGreaterThanOrEqual(before.facts.length + 300);
    } finally {
      await s.close();
    }
  }, 120_000);
});
