import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { DraftIn } from '../../lib/shared/schema';
import { batches, refreshCounts, refreshGovernance } from '../../server/service/governance/refresh';
import { govDb, REFRESH_LOCK_KEY } from '../../server/store/rollups';
import { expectCountedAsFromScratch } from '../helpers/governance-data';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';

// Issue 16: governance counts incrementally from its watermarks. Drafts counted when they arrive,
// then decided by several reviewers over several refreshes, then given outcomes, end with exactly the
// facts and rollups a count from scratch gives: the changed drafts are read by version, a draft
// recounted for a new outcome keeps its reviewers' approval runs, and a new decision redoes the
// runs of that reviewer's day.

const WF = 'incremental-flow';

function draft(i: number): DraftIn {
  return {
    externalId: `inc-${i}-${randomUUID().slice(0, 8)}`,
    workflow: WF,
    kind: 'email',
    target: { site: 'gmail', email: `lee${i}@globex.test`, name: 'Lee Park', company: 'Globex' },
    account: { name: 'Globex', domain: 'globex.test' },
    segment: i % 2 ? 'smb' : 'mid-market',
    content: {
      subject: `Globex, note ${i}`,
      body: `Hi Lee,\n\nA short note number ${i} about the pilot.\n\nBest, Sam`,
    },
    confidence: 0.7 + (i % 25) / 100,
    rationale: 'Pilot news.',
    evidence: [{ label: 'Blog', snippet: 'Globex starts a pilot', source: 'news' }],
    model: { name: 'writer', version: i % 3 ? 'm1' : 'm2' },
  };
}

/** Posts drafts `from`…`from + n − 1` as the pipeline; their results (id and route). */
async function post(s: TestApi, token: string, from: number, n: number) {
  const r = await s.api('/v1/drafts', {
    token,
    body: { drafts: Array.from({ length: n }, (_, i) => draft(from + i)) },
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { results: { id: string; route: string }[] }).results;
}

/** Decides drafts as the reviewer of `token` (edits rewrite the text); every decision is applied. */
async function decide(s: TestApi, token: string, list: { draftId: string; action: string; dwellMs: number }[]) {
  const r = await s.api('/v1/decisions', {
    token,
    body: {
      decisions: list.map((d) => ({
        id: randomUUID(),
        decidedAt: new Date().toISOString(),
        ...d,
        ...(d.action === 'edit'
          ? {
              content: { subject: 'Globex, edited', body: 'Hi Lee,\n\nRewritten by hand.\n\nBest, Sam' },
              reasons: ['tone'],
            }
          : d.action === 'reject'
            ? { reasons: ['wrong_facts'] }
            : {}),
      })),
    },
  });
  expect(r.status).toBe(200);
  const results = ((await r.json()) as { results: { status: string }[] }).results;
  expect(results.map((x) => x.status)).toEqual(list.map(() => 'applied'));
}

describe.each(TEST_DBS)('governance counted incrementally on %s', (db) => {
  it('drafts, then decisions over several refreshes, then outcomes: equal to a count from scratch', async () => {
    const s = await startTestApp(db);
    try {
      const pipeline = await s.token('pipeline', { user: 'inc-pipeline' });
      const ana = await s.token('reviewer', { user: 'ana' });
      const ben = await s.token('reviewer', { user: 'ben' });
      const ids = (await post(s, pipeline, 0, 40)).filter((r) => r.route === 'review').map((r) => r.id);
      expect(ids.length).toBe(40);
      expect(await refreshGovernance(s.store)).toBe(40);

      // Ana approves ten (a run), Ben edits five and rejects five, Ana approves ten more: her day's
      // run grows across refreshes, and only a recount of her day shows it.
      await decide(
        s,
        ana,
        ids.slice(0, 10).map((draftId, i) => ({ draftId, action: 'approve', dwellMs: i % 2 ? 900 : 20_000 })),
      );
      expect(await refreshGovernance(s.store)).toBe(10);
      await decide(s, ben, [
        ...ids.slice(10, 15).map((draftId) => ({ draftId, action: 'edit', dwellMs: 30_000 })),
        ...ids.slice(15, 20).map((draftId) => ({ draftId, action: 'reject', dwellMs: 12_000 })),
      ]);
      expect(await refreshGovernance(s.store)).toBe(10);
      await decide(
        s,
        ana,
        ids.slice(20, 30).map((draftId) => ({ draftId, action: 'approve', dwellMs: 1_500 })),
      );
      expect(await refreshGovernance(s.store)).toBe(10);
      const streak = async (user: string) =>
        govDb(s.store.db)
          .selectFrom('gov_roll')
          .select(['v0', 'v3'])
          .where('kind', '=', 'streak')
          .where('workflow', '=', '*')
          .where('k1', '=', user)
          .executeTakeFirstOrThrow();
      expect(await streak('ana')).toEqual({ v0: 20, v3: 20 });

      // Outcomes on decided drafts (some of Ana's approvals were wrong): their facts change, their
      // decisions do not.
      const outcomes = await s.api('/v1/outcomes', {
        token: pipeline,
        body: {
          outcomes: [...ids.slice(0, 5), ...ids.slice(10, 13), ...ids.slice(20, 24)].map((draftId, i) => ({
            draftId,
            correct: i % 3 !== 0,
            source: 'customer',
          })),
        },
      });
      expect(outcomes.status).toBe(200);
      expect(await refreshGovernance(s.store)).toBe(12);
      expect(await streak('ana')).toEqual({ v0: 20, v3: 20 });

      const counted = await expectCountedAsFromScratch(s.store);
      expect(counted.facts.filter((f) => f.outcome !== null)).toHaveLength(12);
      expect(counted.decisions).toHaveLength(30);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a statement failing while this process works on (not awaiting it) fails the refresh, not the process', async () => {
    // The refresh asks for statements before the work that does not need them and awaits them
    // after: a failure in between must reach the refresh's caller (an unhandled rejection would end
    // the server; vitest fails the run on one).
    const s = await startTestApp(db);
    try {
      const pipeline = await s.token('pipeline', { user: 'inc-pipeline' });
      await post(s, pipeline, 0, 20);
      await sql`alter table gov_facts rename to gov_facts_away`.execute(s.store.db);
      await expect(refreshGovernance(s.store)).rejects.toThrow(/gov_facts/);
      await sql`alter table gov_facts_away rename to gov_facts`.execute(s.store.db);
      expect(await refreshGovernance(s.store)).toBe(20);
      await expectCountedAsFromScratch(s.store);
    } finally {
      await s.close();
    }
  });

  it('in batches smaller than the work: outcomes of drafts never counted, beyond a batch, and of counted ones', async () => {
    // A draft without facts gets its outcomes from the batch's range of new outcomes, a counted one
    // by id (load.ts `loadChangedItems`); batches of 7 make new drafts whose outcomes lie beyond the
    // batch that first counts them, and drafts counted in one batch that gain outcomes in the next.
    const s = await startTestApp(db);
    batches.size = 7;
    try {
      const pipeline = await s.token('pipeline', { user: 'inc-pipeline' });
      const ana = await s.token('reviewer', { user: 'ana' });
      const early = (await post(s, pipeline, 0, 10)).map((r) => r.id);
      expect(await refreshGovernance(s.store)).toBe(10);
      const late = (await post(s, pipeline, 10, 30)).map((r) => r.id);
      await decide(
        s,
        ana,
        [...early.slice(0, 4), ...late.slice(0, 12)].map((draftId) => ({ draftId, action: 'approve', dwellMs: 9_000 })),
      );
      // Outcomes on new drafts first (they fill several batches' ranges), then on counted ones, then
      // two more on new drafts: their drafts are counted before their outcomes are reached.
      const give = async (ids: string[], correct: boolean) => {
        const r = await s.api('/v1/outcomes', {
          token: pipeline,
          body: { outcomes: ids.map((draftId) => ({ draftId, correct, source: 'customer' })) },
        });
        expect(r.status).toBe(200);
      };
      await give(late.slice(0, 12), true);
      await give(early.slice(0, 6), false);
      await give(late.slice(25, 27), false);
      await give([late[0]!, early[0]!], false);
      expect(await refreshGovernance(s.store)).toBeGreaterThanOrEqual(40);
      // Counted from scratch in one batch, it is the same.
      batches.size = null;
      const counted = await expectCountedAsFromScratch(s.store);
      const withOutcome = counted.facts.filter((f) => f.outcome !== null);
      expect(withOutcome).toHaveLength(20);
      // Latest outcome wrong: early 0–5, late 25 and 26, and late 0 (right, then wrong).
      expect(withOutcome.filter((f) => f.outcome === 0)).toHaveLength(9);
    } finally {
      batches.size = null;
      await s.close();
    }
  });

  it("the evaluator's refresh (sums only) does not wait for the approval runs; their failure reaches only full refreshes and is redone", async () => {
    const s = await startTestApp(db);
    // Approval-run rows refused for a while, as a failing statement in the refresh's last part would.
    const refuse =
      db === 'postgres'
        ? [
            sql`create function no_streaks() returns trigger language plpgsql as
              $$ begin raise exception 'no approval runs now'; end $$`,
            sql`create trigger no_streaks before insert on gov_roll for each row
              when (new.kind = 'streak') execute function no_streaks()`,
          ]
        : [
            sql`create trigger no_streaks before insert on gov_roll when new.kind = 'streak'
              begin select raise(abort, 'no approval runs now'); end`,
          ];
    try {
      const pipeline = await s.token('pipeline', { user: 'inc-pipeline' });
      const ana = await s.token('reviewer', { user: 'ana' });
      const ids = (await post(s, pipeline, 0, 12)).map((r) => r.id);
      for (const q of refuse) await q.execute(s.store.db);
      await decide(
        s,
        ana,
        ids.map((draftId) => ({ draftId, action: 'approve', dwellMs: 8_000 })),
      );
      const counts = refreshCounts(s.store);
      const full = refreshGovernance(s.store);
      // The sums are current (every draft counted, each with its decision) …
      expect(await counts).toBe(12);
      const set = await govDb(s.store.db)
        .selectFrom('gov_roll')
        .select((eb) => [eb.fn.sum<number>('v0').as('drafts'), eb.fn.sum<number>('v1').as('approved')])
        .where('kind', '=', 'set')
        .executeTakeFirstOrThrow();
      expect([Number(set.drafts), Number(set.approved)]).toEqual([12, 12]);
      // … while the approval runs failed: the full refresh's callers see it (and the process does not).
      await expect(full).rejects.toThrow(/no approval runs now/);
      const streaks = () =>
        govDb(s.store.db).selectFrom('gov_roll').select(['k1', 'v0', 'v3']).where('kind', '=', 'streak').execute();
      expect(await streaks()).toEqual([]);

      await sql`drop trigger no_streaks${db === 'postgres' ? sql` on gov_roll` : sql``}`.execute(s.store.db);
      // Nothing new to count; the marked reviewer-day is redone by the next run that finds work.
      await post(s, pipeline, 100, 1);
      expect(await refreshGovernance(s.store)).toBe(1);
      expect((await streaks()).filter((r) => r.k1 === 'ana').map((r) => [Number(r.v0), Number(r.v3)])).toEqual([
        [12, 12],
        [12, 12],
      ]);
      await expectCountedAsFromScratch(s.store);
    } finally {
      await s.close();
    }
  });
});

// PostgreSQL: a refresh takes no lock a writer waits for (it writes only governance's tables and is
// serialised with other refreshes by its own advisory lock), and reads outside the writers' lock: what
// it counts while drafts and decisions keep arriving must still end equal to a count from scratch.
describe('governance counted beside live writers on postgres', () => {
  it.runIf(TEST_DBS.includes('postgres'))(
    'a refresh never holds a writer; counting during writes equals a count from scratch',
    async () => {
      const s = await startTestApp('postgres');
      const other = new pg.Client({ connectionString: s.databaseUrl });
      await other.connect();
      try {
        const pipeline = await s.token('pipeline', { user: 'live-pipeline' });
        const ana = await s.token('reviewer', { user: 'ana' });
        const approve = (ids: readonly string[]) =>
          decide(
            s,
            ana,
            ids.map((draftId) => ({ draftId, action: 'approve', dwellMs: 4_000 })),
          );
        await post(s, pipeline, 0, 30);

        // Another instance's refresh holds the refresh lock: this one waits for it inside its
        // transaction, and the writers go on meanwhile.
        await other.query('begin');
        await other.query('select pg_advisory_xact_lock($1)', [REFRESH_LOCK_KEY]);
        const waiting = refreshGovernance(s.store);
        await new Promise((r) => setTimeout(r, 200));
        const t0 = performance.now();
        await approve((await post(s, pipeline, 100, 5)).map((r) => r.id));
        expect(performance.now() - t0).toBeLessThan(2_000);
        let settled = false;
        void waiting.then(() => {
          settled = true;
        });
        await new Promise((r) => setTimeout(r, 100));
        expect(settled).toBe(false);
        await other.query('commit');
        expect(await waiting).toBeGreaterThanOrEqual(30);

        // Drafts and decisions keep arriving while refreshes run.
        let stop = false;
        const refreshes = (async () => {
          let n = 0;
          while (!stop) {
            await refreshGovernance(s.store);
            n++;
          }
          return n;
        })();
        for (let round = 0; round < 12; round++) {
          const ids = (await post(s, pipeline, 200 + round * 10, 10)).map((r) => r.id);
          await approve(ids.slice(0, 6));
        }
        stop = true;
        expect(await refreshes).toBeGreaterThan(1);
        await refreshGovernance(s.store);

        const counted = await expectCountedAsFromScratch(s.store);
        expect(counted.facts).toHaveLength(30 + 5 + 120);
        expect(counted.decisions).toHaveLength(5 + 72);
      } finally {
        await other.end();
        await s.close();
      }
    },
    60_000,
  );
});
