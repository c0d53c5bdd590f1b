import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { refreshGovernance } from '../../server/service/governance/refresh';
import { startTestApp, TEST_DBS } from '../helpers/server';
import { decision, draftIn, postDecisions, postDrafts } from './fixtures';

// Migration 102 (PostgreSQL): every refresh adds to the rollup rows of the days it counted. On a full
// page PostgreSQL writes a row's new version on another page, so rows that are read together (a
// workflow's days of one kind) ended up one to a page (at 1,000,000 drafts, 4,543 rows on 3,058
// pages). With room left on each page an update stays on its row's page. Checked here: rows written
// by one refresh keep their page through the next refreshes' updates (the additive kinds: a
// reviewer-day's approval runs, `streak`, are recomputed and written anew).

describe('rollup rows stay on their page on postgres', () => {
  it.runIf(TEST_DBS.includes('postgres'))(
    'four rounds of drafts and decisions: the rollup rows of the first keep their pages',
    async () => {
      const s = await startTestApp('postgres');
      try {
        const pipe = await s.token('pipeline');
        const rita = await s.token('reviewer', { user: 'rita' });
        const pages = async () => {
          const r = await sql<{ key: string; page: number }>`
            select concat_ws('|', kind, workflow, day, k1, k2, k3) as key, (ctid::text::point)[0]::int as page
            from gov_roll where kind not in ('streak', 'streak_dirty')`.execute(s.store.db);
          return new Map(r.rows.map((x) => [x.key, Number(x.page)]));
        };
        let first: Map<string, number> | null = null;
        for (let round = 0; round < 4; round++) {
          // The same 40 confidence steps and 3 segments each round: each round adds to the same rows.
          const drafts = Array.from({ length: 120 }, (_, i) =>
            draftIn({
              workflow: 'layout.wf',
              confidence: 0.55 + (i % 40) / 100,
              segment: ['smb', 'mid', 'ent'][i % 3],
            }),
          );
          const waiting = (await postDrafts(s, pipe, drafts))
            .filter((d) => d.status === 'pending' && d.route === 'review')
            .map((d) => d.id);
          const applied = await postDecisions(
            s,
            rita,
            waiting
              .filter((_, i) => i % 2 === 0)
              .map((id, i) =>
                decision(
                  id,
                  i % 5 === 0 ? { action: 'reject', reasons: ['tone'] } : { action: 'approve', dwellMs: 4_000 },
                ),
              ),
          );
          expect(applied.length).toBeGreaterThan(10);
          expect(applied.filter((r) => r.status !== 'applied')).toEqual([]);
          await refreshGovernance(s.store);
          if (!first) first = await pages();
        }
        const now = await pages();
        const kept = [...first!].filter(([key, page]) => now.get(key) === page).length;
        // About ninety rows, each updated in the three rounds since: all where they were written.
        expect(first!.size).toBeGreaterThan(60);
        expect(kept).toBe(first!.size);
      } finally {
        await s.close();
      }
    },
    60_000,
  );
});
