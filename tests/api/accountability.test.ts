import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Accountability } from '../../lib/shared/schema';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// GET /v1/accountability (issue 16 §4) on both databases, over a small history whose every figure
// is worked out by hand below: approvals and misses per approver, workflow and segment; negative
// outcomes traced to the approvers (newest first); canary catch; median review time; reason codes.

const WF = 'acc.wf';
const AUTO_WF = 'acc.auto';

describe.each(TEST_DBS)('accountability on %s', (db) => {
  let s: TestApi;
  let admin: string;
  let pipe: string;
  let ann: string;
  let ben: string;
  const id: Record<string, string> = {};

  const get = async (query = '') => {
    const r = await s.api(`/v1/accountability${query}`, { token: admin });
    expect(r.status).toBe(200);
    return Accountability.parse(await r.json());
  };
  const outcome = async (draftId: string, correct: boolean, source: string) => {
    const r = await s.api('/v1/outcomes', {
      token: pipe,
      body: { outcomes: [{ draftId, correct, source, note: `${source} note` }] },
    });
    expect(r.status).toBe(200);
  };

  beforeAll(async () => {
    s = await startTestApp(db);
    admin = await s.token('admin', { user: 'acc-admin' });
    pipe = await s.token('pipeline');
    ann = await s.token('reviewer', { user: 'ann', name: 'Ann Example' });
    ben = await s.token('reviewer', { user: 'ben', name: 'Ben Example' });
    const segs: Record<string, string> = {
      d1: 'smb',
      d2: 'smb',
      d3: 'ent',
      d4: 'ent',
      d5: 'smb',
      d6: 'ent',
      d8: 'smb',
      d9: 'smb',
    };
    const res = await postDrafts(
      s,
      pipe,
      Object.entries(segs).map(([k, segment]) => draftIn({ workflow: WF, segment, externalId: `acc-${db}-${k}` })),
    );
    Object.keys(segs).forEach((k, i) => {
      id[k] = res[i]!.id;
    });
    // An auto-approved draft in another workflow.
    expect(
      (await s.api(`/v1/workflows/${AUTO_WF}`, { method: 'PUT', token: admin, body: { level: 'review_exceptions' } }))
        .status,
    ).toBe(200);
    const [auto] = await postDrafts(s, pipe, [draftIn({ workflow: AUTO_WF, confidence: 0.99 })]);
    expect(auto!.status).toBe('auto_approved');
    id.d7 = auto!.id;

    const edited = { subject: 'A better question for Acme', body: 'Hi Pat,\nA shorter note.\nBest,\nSam' };
    expect(
      (
        await postDecisions(s, ann, [
          decision(id.d1!, { dwellMs: 1000 }),
          decision(id.d2!, { dwellMs: 3000 }),
          decision(id.d3!, { dwellMs: 5000 }),
          decision(id.d6!, { action: 'reject', reasons: ['wrong_fact'], dwellMs: 7000 }),
        ])
      ).map((r) => r.status),
    ).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(
      (
        await postDecisions(s, ben, [
          decision(id.d4!, { action: 'reject', reasons: ['wrong_fact', 'tone'] }),
          decision(id.d5!, { action: 'edit', reasons: ['tone'], content: edited }),
        ])
      ).map((r) => r.status),
    ).toEqual(['applied', 'applied']);
    // Canaries: one approved by Ann (missed), one rejected by Ben (caught).
    const planted = await s.api(`/v1/workflows/${WF}/canaries`, { token: admin, body: { count: 2 } });
    expect(((await planted.json()) as { created: number }).created).toBe(2);
    const canaries = (
      await s.store.db.selectFrom('drafts').select('id').where('canary', '=', true).orderBy('id').execute()
    ).map((r) => r.id);
    expect(canaries).toHaveLength(2);
    expect((await postDecisions(s, ann, [decision(canaries[0]!, { dwellMs: 900 })]))[0]!.status).toBe('applied');
    expect(
      (await postDecisions(s, ben, [decision(canaries[1]!, { action: 'reject', reasons: ['canary_reason'] })]))[0]!
        .status,
    ).toBe('applied');
    // Outcomes one after the other (their order is the misses list's order).
    await outcome(id.d1!, false, 'customer');
    await outcome(id.d2!, true, 'qa');
    await outcome(id.d3!, false, 'audit');
    await outcome(id.d7!, false, 'customer');
  }, 60_000);
  afterAll(() => s?.close());

  it('per reviewer: approvals, misses by source, canary catch, median review time, reasons', async () => {
    const a = await get();
    const byId = new Map(a.reviewers.map((r) => [r.userId, r]));
    expect(byId.get('ann')).toEqual({
      userId: 'ann',
      name: 'Ann Example',
      approvals: 3,
      checked: 3,
      misses: 2,
      missesBySource: { audit: 1, customer: 1, qa: 0 },
      missRate: 2 / 3,
      reviews: 5,
      // 900, 1000, 3000, 5000, 7000
      reviewTimeMedianMs: 3000,
      canaries: 1,
      canariesCaught: 0,
      canaryCatchRate: 0,
      reasons: [{ reason: 'wrong_fact', count: 1 }],
    });
    expect(byId.get('ben')).toEqual({
      userId: 'ben',
      name: 'Ben Example',
      approvals: 1,
      checked: 0,
      misses: 0,
      missesBySource: { audit: 0, customer: 0, qa: 0 },
      missRate: null,
      reviews: 3,
      reviewTimeMedianMs: null,
      canaries: 1,
      canariesCaught: 1,
      canaryCatchRate: 1,
      reasons: [
        { reason: 'tone', count: 2 },
        { reason: 'wrong_fact', count: 1 },
      ],
    });
    expect(a.reviewers[0]!.userId).toBe('ann');
    expect(a.cells).toEqual([
      { userId: 'ann', workflow: WF, segment: 'ent', approvals: 1, checked: 1, misses: 1 },
      { userId: 'ann', workflow: WF, segment: 'smb', approvals: 2, checked: 2, misses: 1 },
      { userId: 'ben', workflow: WF, segment: 'smb', approvals: 1, checked: 0, misses: 0 },
    ]);
  });

  it('negative outcomes traced to their approvers, newest first; an auto-approval to "auto"', async () => {
    const a = await get();
    expect(a.misses.map((m) => [m.draftId, m.approvedBy, m.decidedBy, m.source, m.segment])).toEqual([
      [id.d7, [], 'auto', 'customer', null],
      [id.d3, ['ann'], 'ann', 'audit', 'ent'],
      [id.d1, ['ann'], 'ann', 'customer', 'smb'],
    ]);
    expect(a.misses[1]!.note).toBe('audit note');
  });

  it('error types by day, workflow and segment (canaries left out)', async () => {
    const a = await get();
    const day = new Date().toISOString().slice(0, 10);
    expect(a.errorTypes.map(({ day: d, ...rest }) => (d === day ? rest : { d, ...rest }))).toEqual([
      { workflow: WF, segment: 'ent', reason: 'wrong_fact', count: 2 },
      { workflow: WF, segment: 'ent', reason: 'tone', count: 1 },
      { workflow: WF, segment: 'smb', reason: 'tone', count: 1 },
    ]);
  });

  it('filters by workflow, segment and since; admins only; bad input is a 400', async () => {
    const smb = await get('?segment=smb');
    expect(smb.reviewers.find((r) => r.userId === 'ann')).toMatchObject({
      approvals: 2,
      misses: 1,
      reviews: 3,
      canaries: 1,
    }); // d1, d2 and the canary (made from a pending smb draft)
    expect(smb.misses.map((m) => m.draftId)).toEqual([id.d1]);
    expect(smb.errorTypes.map((e) => e.segment)).toEqual(['smb']);
    const auto = await get(`?workflow=${AUTO_WF}`);
    expect(auto.reviewers).toEqual([]);
    expect(auto.misses.map((m) => m.draftId)).toEqual([id.d7]);
    const later = await get(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(later).toMatchObject({ reviewers: [], cells: [], misses: [], errorTypes: [] });
    expect((await s.api('/v1/accountability', { token: ann })).status).toBe(403);
    expect((await s.api('/v1/accountability?since=yesterday', { token: admin })).status).toBe(400);
    // The route is in the OpenAPI document.
    const doc = await json<{ paths: Record<string, unknown> }>(s.api('/openapi.json'));
    expect(doc.paths['/v1/accountability']).toBeTruthy();
  });
});
