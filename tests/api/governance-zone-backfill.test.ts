import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory } from '../../server/service/governance';
import { refreshGovernance } from '../../server/service/governance/refresh';
import { addZoneRollup, govDb } from '../../server/store/rollups';
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
    await writeHistory(server.store, seededHistory({ seed: 90, n: 800, now: NOW }));
    expect(await refreshGovernance(server.store)).toBeGreaterThanOrEqual(800);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  const zoneRows = async () =>
    (
      await govDb(server.store.db)
        .selectFrom('gov_roll')
        .select(['workflow', 'day', 'k1', 'k2', 'k3', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6'])
        .where('kind', '=', 'zone')
        .orderBy('workflow')
        .orderBy('day')
        .orderBy('k1')
        .execute()
    ).map((r) => ({ ...r, v: [r.v0, r.v1, r.v2, r.v3, r.v4, r.v5, r.v6].map(Number) }));

  it('equals what the refresh counted, row for row', async () => {
    const counted = await zoneRows();
    expect(counted.length).toBeGreaterThan(100);
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
    expect(backfilled.map(({ workflow, day, k1, k2, k3, v }) => ({ workflow, day, k1, k2, k3, v }))).toEqual(
      counted.map(({ workflow, day, k1, k2, k3, v }) => ({ workflow, day, k1, k2, k3, v })),
    );
  });
});
