import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_STATUSES } from '../../lib/shared/schema';
import { checkSlas, readOpenDrafts, type SlaRow, waitingSince } from '../../server/service/expiry';
import type { Database } from '../../server/store/schema';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn, postDrafts } from './fixtures';

// The deadline job (every second on the timers' instance) reads the waiting drafts it may act on: with
// an SLA policy, only those that have waited at least 75% of the shortest policy, and those whose
// trigger deadline is still ahead and not yet warned about; no longer every open draft.

const MIN = 60_000;

describe.each(TEST_DBS)('the deadline job reads on %s', (db) => {
  let t: TestApi;
  let admin: string;
  const now = new Date();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp(db);
    admin = await t.token('admin');
    const pipe = await t.token('pipeline');
    const [fresh, atRisk, overdue, settled, deadline, specialist] = await postDrafts(t, pipe, [
      draftIn(),
      draftIn(),
      draftIn(),
      draftIn(),
      draftIn({
        trigger: {
          kind: 'reply',
          occurredAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + 120 * MIN).toISOString(),
        },
      }),
      draftIn(),
    ]);
    Object.assign(ids, {
      fresh: fresh!.id,
      atRisk: atRisk!.id,
      overdue: overdue!.id,
      settled: settled!.id,
      deadline: deadline!.id,
      specialist: specialist!.id,
    });
    // How long each has waited in its queue (since its last routing change).
    const waited = { fresh: 10, atRisk: 50, overdue: 180, settled: 600, deadline: 5, specialist: 300 };
    for (const [name, minutes] of Object.entries(waited))
      await t.store.write((trx) =>
        trx
          .updateTable('drafts')
          .set({ updated_at: new Date(now.getTime() - minutes * MIN).toISOString() })
          .where('id', '=', ids[name]!)
          .execute(),
      );
    await t.store.write((trx) =>
      trx.updateTable('drafts').set({ status: 'rejected' }).where('id', '=', ids.settled!).execute(),
    );
    await t.store.write((trx) =>
      trx.updateTable('drafts').set({ queue: 'specialist:legal' }).where('id', '=', ids.specialist!).execute(),
    );
  });
  afterAll(() => t?.close());

  const policies = async () => (await t.store.db.selectFrom('sla_policies').selectAll().execute()) as SlaRow[];

  it('without a policy: only the drafts with a deadline ahead and not yet warned about', async () => {
    const read = await readOpenDrafts(t.store, now, []);
    expect(read.map((d) => d.id)).toEqual([ids.deadline]);
  });

  it('with policies: the drafts past 75% of the shortest policy, and the deadline ones; not every open draft', async () => {
    for (const body of [
      { queue: 'review', minutes: 60 },
      { queue: 'owner', minutes: 240 },
    ])
      expect((await t.api('/v1/slas', { method: 'PUT', token: admin, body })).status).toBe(200);
    const read = await readOpenDrafts(t.store, now, await policies());
    expect(read.map((d) => d.id).sort()).toEqual([ids.atRisk, ids.overdue, ids.deadline].sort());
    // Each once, with what the SLA check needs.
    expect(new Set(read.map((d) => d.id)).size).toBe(read.length);
    expect(read.find((d) => d.id === ids.atRisk)).toMatchObject({ queue: 'review', sla_key: null, reminded_at: null });
    // What the check does with them: the one at 50 of 60 minutes reminded, the one at 3 h handed over.
    const r = await checkSlas(t.store, now);
    expect(r.reminded).toEqual([ids.atRisk]);
    expect(r.handedOver).toEqual([ids.overdue]);
  });

  it("a queue without a policy is not read; 'specialist:*' reads every specialist queue", async () => {
    const before = await readOpenDrafts(t.store, now, await policies());
    expect(before.map((d) => d.id)).not.toContain(ids.specialist);
    const body = { queue: 'specialist:*', minutes: 240 };
    expect((await t.api('/v1/slas', { method: 'PUT', token: admin, body })).status).toBe(200);
    const after = await readOpenDrafts(t.store, now, await policies());
    expect(after.map((d) => d.id)).toContain(ids.specialist);
    expect((await checkSlas(t.store, now)).handedOver).toEqual([ids.specialist]);
  });

  it('asks for the waiting range of the partial index (its condition is the open statuses, as written)', async () => {
    const cutoff = new Date(now.getTime() - 45 * MIN).toISOString();
    // Asked for as the job asks, parameters bound (SQLite does not match a partial index's condition
    // against bound parameters: the statuses are written into the statement).
    const q = waitingSince(t.store, cutoff, await policies()).compile();
    const explain = (trx: Kysely<Database>) =>
      trx.executeQuery<Record<string, string>>(
        CompiledQuery.raw(`${db === 'postgres' ? 'explain' : 'explain query plan'} ${q.sql}`, [...q.parameters]),
      );
    const plan = (
      db === 'postgres'
        ? await t.store.db.transaction().execute(async (trx) => {
            // The test tables are tiny: a scan of the table is priced out so the usable index shows.
            await sql`set local enable_seqscan = off`.execute(trx);
            return (await explain(trx)).rows;
          })
        : (await explain(t.store.db)).rows
    )
      .map((x) => x['QUERY PLAN'] ?? x.detail)
      .join('\n');
    expect(plan).toMatch(/drafts_waiting_since/);
    // The index holds the open statuses the product counts as waiting.
    const def =
      db === 'postgres'
        ? (
            await sql<{
              d: string;
            }>`select indexdef as d from pg_indexes where indexname = 'drafts_waiting_since'`.execute(t.store.db)
          ).rows[0]!.d
        : (
            await sql<{ d: string }>`select sql as d from sqlite_master where name = 'drafts_waiting_since'`.execute(
              t.store.db,
            )
          ).rows[0]!.d;
    for (const s of OPEN_STATUSES) expect(def).toContain(`'${s}'`);
  });
});
