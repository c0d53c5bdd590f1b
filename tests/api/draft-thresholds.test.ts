import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Draft } from '../../lib/shared/schema';
import { openStore } from '../../server/store';
import { migrate } from '../../server/store/migrations';
import { freshDatabase, startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn, json, postDrafts } from './fixtures';

// Issue 16: "The panel's confidence labels come from the draft's own workflow thresholds." A draft
// carries the thresholds it was routed with (`thresholds`), in every view the panel reads.

const WF = 'thresholds-wf';

describe.each(TEST_DBS)('drafts carry their workflow thresholds on %s', (db) => {
  let server: TestApi;
  let admin: string;
  let pipeline: string;
  let reviewer: string;

  beforeAll(async () => {
    server = await startTestApp(db);
    admin = await server.token('admin', { user: 'th-admin' });
    pipeline = await server.token('pipeline', { user: 'th-pipeline' });
    reviewer = await server.token('reviewer', { user: 'th-reviewer' });
  });
  afterAll(async () => {
    await server?.close();
  });

  const read = (id: string) => json<Draft>(server.api(`/v1/drafts/${id}`, { token: admin }));

  it('routed with the defaults, then with calibrated thresholds; queue and pull carry them too', async () => {
    const [first] = await postDrafts(server, pipeline, [draftIn({ workflow: WF, confidence: 0.93 })]);
    expect((await read(first!.id)).thresholds).toEqual({ autoThreshold: 0.98, reviewThreshold: 0.7 });

    const put = await server.api(`/v1/workflows/${WF}`, {
      token: admin,
      method: 'PUT',
      body: { autoThreshold: 0.95, reviewThreshold: 0.6 },
    });
    expect(put.status).toBe(200);
    const [second] = await postDrafts(server, pipeline, [draftIn({ workflow: WF, confidence: 0.93 })]);
    expect((await read(second!.id)).thresholds).toEqual({ autoThreshold: 0.95, reviewThreshold: 0.6 });
    // The first keeps the thresholds it was routed with (its route came from them).
    expect((await read(first!.id)).thresholds).toEqual({ autoThreshold: 0.98, reviewThreshold: 0.7 });

    const queue = await json<{ items: Draft[] }>(server.api(`/v1/queue?workflow=${WF}`, { token: reviewer }));
    const byId = new Map(queue.items.map((d) => [d.id, d]));
    expect(byId.get(first!.id)?.thresholds?.autoThreshold).toBe(0.98);
    expect(byId.get(second!.id)?.thresholds?.autoThreshold).toBe(0.95);
    const pull = await json<{ changes: { op: string; draft?: Draft }[] }>(
      server.api('/v1/sync/pull?limit=500', { token: reviewer }),
    );
    const pulled = pull.changes.find((c) => c.draft?.id === second!.id)?.draft;
    expect(pulled?.thresholds).toEqual({ autoThreshold: 0.95, reviewThreshold: 0.6 });
  });
});

describe.each(TEST_DBS)('migration 21 on %s', (db) => {
  it("gives waiting drafts their workflow's current thresholds, settled ones none", async () => {
    const fresh = await freshDatabase(db);
    try {
      const store = await openStore(fresh.url);
      try {
        const now = new Date().toISOString();
        const row = (id: string, workflow: string, status: string) => ({
          id,
          external_id: `ext-${id}`,
          workflow,
          kind: 'email',
          input_json: '{}',
          confidence: 0.9,
          route: 'review',
          status,
          queue: 'review',
          reasons_json: '[]',
          version: 1,
          created_at: now,
          updated_at: now,
        });
        await store.db
          .insertInto('workflows')
          .values({
            workflow: 'calibrated',
            policy_json: JSON.stringify({ autoThreshold: 0.91, reviewThreshold: 0.55 }),
            updated_at: now,
          })
          .execute();
        await store.db
          .insertInto('drafts')
          .values([
            row('a', 'calibrated', 'pending'),
            row('b', 'calibrated', 'approved'),
            row('c', 'no-policy', 'escalated'),
          ])
          .execute();
        // Back to the schema before migration 21 (without migration 53's index, which holds
        // review_threshold: SQLite refuses to drop an indexed column), then up again.
        await store.db.schema.dropIndex('drafts_created_cover').ifExists().execute();
        await store.db.schema.alterTable('drafts').dropColumn('auto_threshold').execute();
        await store.db.schema.alterTable('drafts').dropColumn('review_threshold').execute();
        await store.db.deleteFrom('schema_migrations').where('version', '=', 21).execute();
        await migrate(store.db, store.dialect);
        const rows = await store.db
          .selectFrom('drafts')
          .select(['id', 'auto_threshold', 'review_threshold'])
          .orderBy('id')
          .execute();
        expect(rows.map((r) => [r.id, r.auto_threshold, r.review_threshold])).toEqual([
          ['a', 0.91, 0.55],
          ['b', null, null],
          ['c', 0.98, 0.7],
        ]);
        const applied = await sql<{
          n: number;
        }>`select count(*) as n from schema_migrations where version = 21`.execute(store.db);
        expect(Number(applied.rows[0]!.n)).toBe(1);
      } finally {
        await store.close();
      }
    } finally {
      await fresh.drop();
    }
  });
});
