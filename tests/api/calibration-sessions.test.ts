import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapKappa, fleissKappa } from '../../lib/shared/policy/agreement';
import { hash32 } from '../../lib/shared/policy/stats';
import {
  CalibrationItems,
  CalibrationResults,
  CalibrationSession,
  CalibrationSessionList,
  type CalibrationVerdict,
} from '../../lib/shared/schema';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn } from './fixtures';

// Calibration sessions end to end through the API (issue 16 §3): an admin picks drafts (or a
// sample) and reviewers; each judges blind; nothing is sent; the results give Fleiss' kappa with
// its bootstrap interval, deviation from the majority and the drafts that split the team.

const WF = 'calib.wf';

describe.each(TEST_DBS)('calibration sessions on %s', (db) => {
  let s: TestApi;
  let admin: string;
  let pipe: string;
  const tok: Record<string, string> = {};
  let drafts: string[] = [];

  beforeAll(async () => {
    s = await startTestApp(db);
    admin = await s.token('admin', { user: 'cal-admin' });
    pipe = await s.token('pipeline');
    for (const u of ['ann', 'ben', 'cy']) tok[u] = await s.token('reviewer', { user: u });
    tok.lead = await s.token('admin', { user: 'lead' });
    const res = await s.api('/v1/drafts', {
      token: pipe,
      body: { drafts: Array.from({ length: 8 }, (_, i) => draftIn({ workflow: WF, externalId: `cal-${db}-${i}` })) },
    });
    drafts = ((await res.json()) as { results: { id: string }[] }).results.map((r) => r.id);
  });
  afterAll(() => s?.close());

  const call = async (path: string, token: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await s.api(path, { token, ...init });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const judge = (id: string, who: string, verdicts: CalibrationVerdict[]) =>
    call(`/v1/calibration-sessions/${id}/judgements`, tok[who]!, {
      method: 'PUT',
      body: {
        judgements: verdicts.map((verdict, i) => ({
          draftId: drafts[i]!,
          verdict,
          ...(verdict === 'reject' ? { reasons: ['wrong_fact'], note: `${who} says no` } : {}),
        })),
      },
    });

  it('refuses bad sessions: one reviewer, unknown reviewer, both or neither of draftIds/sample, foreign drafts, non-admins', async () => {
    const base = { workflow: WF, draftIds: drafts.slice(0, 3) };
    expect((await call('/v1/calibration-sessions', admin, { body: { ...base, reviewers: ['ann'] } })).status).toBe(400);
    expect(
      (await call('/v1/calibration-sessions', admin, { body: { ...base, reviewers: ['ann', 'nobody'] } })).status,
    ).toBe(400);
    expect(
      (
        await call('/v1/calibration-sessions', admin, {
          body: { ...base, reviewers: ['ann', 'ben'], sample: { size: 3 } },
        })
      ).status,
    ).toBe(400);
    expect(
      (await call('/v1/calibration-sessions', admin, { body: { workflow: WF, reviewers: ['ann', 'ben'] } })).status,
    ).toBe(400);
    expect(
      (
        await call('/v1/calibration-sessions', admin, {
          body: { ...base, workflow: 'other.wf', reviewers: ['ann', 'ben'] },
        })
      ).status,
    ).toBe(400);
    expect(
      (await call('/v1/calibration-sessions', tok.ann!, { body: { ...base, reviewers: ['ann', 'ben'] } })).status,
    ).toBe(403);
  });

  it('runs a session: blind judging, nothing sent, kappa with interval, deviations and splits', async () => {
    const before = await s.store.db.selectFrom('drafts').select(['id', 'version', 'status']).orderBy('id').execute();
    const decisionsBefore = await s.store.db.selectFrom('decisions').select('id').execute();
    const created = await call('/v1/calibration-sessions', admin, {
      body: { workflow: WF, name: 'December', reviewers: ['ann', 'ben', 'cy', 'lead'], draftIds: drafts.slice(0, 6) },
    });
    expect(created.status).toBe(200);
    const session = CalibrationSession.parse(created.body);
    expect(session).toMatchObject({ name: 'December', items: 6, closedAt: null });
    expect(session.reviewers).toEqual(['ann', 'ben', 'cy', 'lead']);

    // Only the session's reviewers see it; another reviewer neither lists nor opens it.
    const other = await s.token('reviewer', { user: 'outsider' });
    expect(CalibrationSessionList.parse((await call('/v1/calibration-sessions', other)).body).sessions).toHaveLength(0);
    expect((await call(`/v1/calibration-sessions/${session.id}/items`, other)).status).toBe(404);
    expect((await judge(session.id, 'ann', ['approve'])).status).toBe(200);

    const ann: CalibrationVerdict[] = ['approve', 'approve', 'reject', 'edit', 'approve', 'approve'];
    const ben: CalibrationVerdict[] = ['approve', 'approve', 'reject', 'approve', 'reject', 'approve'];
    const cy: CalibrationVerdict[] = ['approve', 'edit', 'reject', 'approve', 'escalate', 'reject'];
    const lead: CalibrationVerdict[] = ['approve', 'approve', 'reject', 'approve', 'approve', 'approve'];
    expect((await judge(session.id, 'ann', ann)).body).toEqual({ saved: 6, judged: 6, items: 6 });
    expect((await judge(session.id, 'ben', ben)).status).toBe(200);
    expect((await judge(session.id, 'cy', cy)).status).toBe(200);

    // Blindness: ben's view holds his own judgements only, never ann's or cy's (verdicts, notes).
    const view = await call(`/v1/calibration-sessions/${session.id}/items`, tok.ben!);
    const items = CalibrationItems.parse(view.body);
    expect(items.items.map((i) => i.yours?.verdict)).toEqual(ben);
    const text = JSON.stringify(view.body);
    expect(text).not.toContain('ann says no');
    expect(text).not.toContain('cy says no');
    expect(text).not.toContain('escalate');
    expect(items.session.progress).toBeUndefined();
    expect(items.session.yourJudged).toBe(6);
    // Nor the draft's own fate: no status, decisions, final text or queue.
    for (const k of ['"status"', '"decisions"', '"final"', '"queue"', '"externalId"']) expect(text).not.toContain(k);
    // Results are for admins; an admin who judges in the open session waits for it to close.
    expect((await call(`/v1/calibration-sessions/${session.id}/results`, tok.ben!)).status).toBe(403);
    expect((await call(`/v1/calibration-sessions/${session.id}/results`, tok.lead!)).status).toBe(409);
    const leadView = CalibrationItems.parse(
      (await call(`/v1/calibration-sessions/${session.id}/items`, tok.lead!)).body,
    );
    expect(leadView.items.every((i) => i.yours === null)).toBe(true);
    expect(JSON.stringify(leadView)).not.toContain('says no');
    expect((await judge(session.id, 'lead', lead)).status).toBe(200);

    // Progress for admins: counts only.
    const listed = CalibrationSessionList.parse((await call('/v1/calibration-sessions', admin)).body).sessions;
    expect(listed.find((x) => x.id === session.id)?.progress).toEqual([
      { userId: 'ann', judged: 6 },
      { userId: 'ben', judged: 6 },
      { userId: 'cy', judged: 6 },
      { userId: 'lead', judged: 6 },
    ]);

    // Nothing was sent or decided: drafts unchanged, no decisions.
    expect(await s.store.db.selectFrom('drafts').select(['id', 'version', 'status']).orderBy('id').execute()).toEqual(
      before,
    );
    expect(await s.store.db.selectFrom('decisions').select('id').execute()).toEqual(decisionsBefore);

    const closed = await call(`/v1/calibration-sessions/${session.id}/close`, admin, { method: 'POST', body: {} });
    expect(closed.status).toBe(200);
    const r = CalibrationResults.parse(closed.body);
    expect(r.session.closedAt).not.toBeNull();
    // The expected figures, from the count table of the judgements above.
    const order: CalibrationVerdict[] = ['approve', 'edit', 'reject', 'escalate'];
    const table = [0, 1, 2, 3, 4, 5].map((i) => {
      const row = [0, 0, 0, 0];
      for (const v of [ann[i]!, ben[i]!, cy[i]!, lead[i]!]) row[order.indexOf(v)]!++;
      return row;
    });
    const f = fleissKappa(table);
    expect(r.agreement.items).toBe(6);
    expect(r.agreement.ratings).toBe(24);
    expect(r.agreement.kappa).toBeCloseTo(f.kappa!, 12);
    expect(r.agreement.interval).toEqual(bootstrapKappa(table, { seed: hash32(session.id) }));
    expect(r.agreement.interval!.low).toBeLessThanOrEqual(f.kappa!);
    // cy deviates most: against the others' majority on drafts 2, 5 (escalate vs approve) and 6.
    const cyRow = r.reviewers.find((x) => x.userId === 'cy')!;
    expect(cyRow).toMatchObject({
      judged: 6,
      deviations: 3,
      verdicts: { approve: 2, edit: 1, reject: 2, escalate: 1 },
    });
    expect(r.reviewers.find((x) => x.userId === 'lead')).toMatchObject({ deviations: 0 });
    // Splits: drafts 1 and 3 unanimous, the rest split; most divided (draft 5: 2 approve, 1 reject, 1 escalate) first.
    expect(r.splits.map((x) => x.draftId).sort()).toEqual([drafts[1], drafts[3], drafts[4], drafts[5]].sort());
    expect(r.splits[0]!.draftId).toBe(drafts[4]);
    expect(r.splits[0]!.counts).toEqual({ approve: 2, edit: 0, reject: 1, escalate: 1 });
    expect(r.splits[0]!.majority).toBe('approve');
    expect(r.splits[0]!.judgements.find((j) => j.userId === 'ben')).toMatchObject({
      verdict: 'reject',
      reasons: ['wrong_fact'],
      note: 'ben says no',
    });

    // Closed: no more judging; results now open to the admin who judged.
    expect((await judge(session.id, 'ann', ['reject'])).status).toBe(409);
    expect((await call(`/v1/calibration-sessions/${session.id}/results`, tok.lead!)).status).toBe(200);
    // Audited: created and closed.
    const audit = await s.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'calibration.%')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['calibration.created', 'calibration.closed']);
  });

  it('samples drafts at random from the workflow, never a canary or another workflow', async () => {
    await s.api('/v1/drafts', {
      token: pipe,
      body: { drafts: [draftIn({ workflow: 'calib.other', externalId: `o-${db}` })] },
    });
    const created = await call('/v1/calibration-sessions', admin, {
      body: { workflow: WF, reviewers: ['ann', 'ben'], sample: { size: 5 } },
    });
    const session = CalibrationSession.parse(created.body);
    expect(session.items).toBe(5);
    const items = CalibrationItems.parse((await call(`/v1/calibration-sessions/${session.id}/items`, tok.ann!)).body);
    expect(new Set(items.items.map((i) => i.draftId)).size).toBe(5);
    for (const i of items.items) expect(drafts).toContain(i.draftId);
    // A judgement for a draft outside the session is refused.
    const outside = drafts.find((d) => !items.items.some((i) => i.draftId === d))!;
    const r = await call(`/v1/calibration-sessions/${session.id}/judgements`, tok.ann!, {
      method: 'PUT',
      body: { judgements: [{ draftId: outside, verdict: 'approve' }] },
    });
    expect(r.status).toBe(400);
  });
});
