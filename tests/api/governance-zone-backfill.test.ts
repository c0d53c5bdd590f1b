import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory } from '../../server/service/governance';
import { refreshGovernance } from '../../server/service/governance/refresh';
import { GOVPERF_MIGRATIONS } from '../../server/store/govperf-migrations';
import { addZoneRollup, govDb, recountZoneRollup, ZONE_BELOW } from '../../server/store/rollups';
import { seededHistory } from '../helpers/governance-data';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';

// Issue 16, migration 90: databases whose facts were counted before the `zone` rollup existed get
// it from one INSERT … SELECT … GROUP BY over the facts. It must hold exactly what the refresh adds
// draft by draft (facts.ts `contributions`), or the simulator's figures would drift on upgrade.

const NOW = Date.parse('2026-11-20T15:30:00.000Z');

describe.each(TEST_DBS)('zone rollup backfill on %s', (db) => {
  let server: TestApi;
  beforeAll(async () => {
    server = await startTestApp(db, { now: () => new Date(NOW) });
    await writeHistory(server.store, seededHistory({ seed: 90, n: 800, now: NOW, belowGrid: 5 }));
    expect(await refreshGovernance(server.store)).toBeGreaterThanOrEqual(800);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  const zoneRows = async () =>
    (
      await govDb(server.store.db)
        .selectFrom('gov_roll')
        .select(['workflow', 'day', 'k1', 'k2', 'k3', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9'])
        .where('kind', '=', 'zone')
        .orderBy('workflow')
        .orderBy('day')
        .orderBy('k1')
        .orderBy('k2')
        .execute()
    ).map((r) => ({ ...r, v: [r.v0, r.v1, r.v2, r.v3, r.v4, r.v5, r.v6, r.v7, r.v8, r.v9].map(Number) }));
  const keyed = (rows: Awaited<ReturnType<typeof zoneRows>>) =>
    rows.map(({ workflow, day, k1, k2, k3, v }) => ({ workflow, day, k1, k2, k3, v }));

  it('equals what the refresh counted, row for row', async () => {
    const counted = await zoneRows();
    expect(counted.length).toBeGreaterThan(100);
    // Steps with facts just under their grid value have those apart (migration 104).
    expect(counted.filter((r) => r.k2 === ZONE_BELOW).length).toBeGreaterThan(10);
    expect(counted.reduce((n, r) => n + r.v[0]!, 0)).toBe(
      Number(
        (
          await govDb(server.store.db)
            .selectFrom('gov_facts')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('is_canary', '=', 0)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );
    await govDb(server.store.db).deleteFrom('gov_roll').where('kind', '=', 'zone').execute();
    expect(await zoneRows()).toEqual([]);
    await addZoneRollup(server.store.db);
    const backfilled = await zoneRows();
    expect(keyed(backfilled)).toEqual(keyed(counted));
  });

  // Migration 103: rows counted before it lack the auto-adjustment's sums (v6–v8); they are counted
  // again from the facts, whatever they held.
  it('migration 103 counts the rows again with the auto-adjustment sums', async () => {
    const counted = await zoneRows();
    const sums = (i: number) => counted.reduce((n, r) => n + r.v[i]!, 0);
    // The seeded history has outcomes, wrong ones and decided review-routed drafts: each sum is tried.
    expect(sums(6)).toBeGreaterThan(50);
    expect(sums(7)).toBeGreaterThan(5);
    expect(sums(8)).toBeGreaterThan(50);
    await govDb(server.store.db)
      .updateTable('gov_roll')
      .set({ v6: 0, v7: 0, v8: 0, v0: 1_000 })
      .where('kind', '=', 'zone')
      .execute();
    await server.store.write((trx) => recountZoneRollup(trx, db));
    expect(keyed(await zoneRows())).toEqual(keyed(counted));
  });

  // Migration 104: rows counted before it hold a step's facts under its grid value with the rest;
  // they are counted again apart, and the simulator's facts index goes.
  it('migration 104 counts the steps again with their part under the grid value apart', async () => {
    const counted = await zoneRows();
    const merged = new Map<string, (typeof counted)[number]>();
    for (const r of counted) {
      const key = `${r.workflow} ${r.day} ${r.k1}`;
      const have = merged.get(key);
      if (have) have.v = have.v.map((x, i) => x + r.v[i]!);
      else merged.set(key, { ...r, k2: '', v: [...r.v] });
    }
    expect(merged.size).toBeLessThan(counted.length);
    const g = govDb(server.store.db);
    await g.deleteFrom('gov_roll').where('kind', '=', 'zone').execute();
    await g
      .insertInto('gov_roll')
      .values(
        [...merged.values()].map(({ workflow, day, k1, k2, k3, v }) => ({
          kind: 'zone',
          workflow,
          day,
          k1,
          k2,
          k3,
          ...Object.fromEntries(v.map((x, i) => [`v${i}`, x])),
        })),
      )
      .execute();
    // As migration 94 left it (a fresh database ran 104 already).
    await sql`create index gov_facts_zk_cover on gov_facts (workflow, zk, created_at, is_canary, confidence)`.execute(
      server.store.db,
    );
    const m104 = GOVPERF_MIGRATIONS.find((m) => m.version === 104)!;
    await server.store.write((trx) => m104.up(trx, db));
    expect(keyed(await zoneRows())).toEqual(keyed(counted));
    const indexes =
      db === 'postgres'
        ? (
            await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'gov_facts'`.execute(
              server.store.db,
            )
          ).rows
        : (
            await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'index' and tbl_name = 'gov_facts'`.execute(server.store.db)
          ).rows;
    expect(indexes.map((r) => r.name)).not.toContain('gov_facts_zk_cover');
    expect(indexes.map((r) => r.name)).toContain('gov_facts_workflow_created_sums');
  });
});
