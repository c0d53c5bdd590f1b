import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalAuditChance, FAST_APPROVAL_WEIGHT } from '../../lib/shared/policy/approval-audit';
import { binomialCdf, mulberry32 } from '../../lib/shared/policy/stats';
import { Accountability, type Draft, type QueueOut } from '../../lib/shared/schema';
import { webhookDb } from '../../server/store/webhooks';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// Human approvals sampled into audit (issue 16 §4): at the workflow's approvalAuditRate, four times
// as often when the approval was faster than the text can be skimmed, decided in the decision's own
// transaction. The server's random source is seeded, so the counts below are the same on every run;
// the bounds are the central 99.9% of the binomial at the intended rate, so a wrong rate (no fast
// weight: 10% instead of 40%; sampling everything; nothing) cannot land inside them.

const WF = 'approval-audit.wf';
const BASE = 0.1;
const N = 300; // approvals of each kind

/** True when k is inside the central 1 − alpha of Binomial(n, p). */
function plausible(k: number, n: number, p: number, alpha = 0.001): boolean {
  const lower = k === 0 ? 1 : 1 - binomialCdf(k - 1, n, p); // P(X ≥ k)
  const upper = binomialCdf(k, n, p); // P(X ≤ k)
  return lower >= alpha / 2 && upper >= alpha / 2;
}

describe('approval audit chance', () => {
  it('weighs fast approvals; no dwell time is an ordinary approval; capped at 1', () => {
    // Default draft: 4 + 10 words → the 2.5 s floor of minReadMs.
    expect(approvalAuditChance(0.1, 800, 14)).toEqual({ rate: 0.1 * FAST_APPROVAL_WEIGHT, fast: true });
    expect(approvalAuditChance(0.1, 20_000, 14)).toEqual({ rate: 0.1, fast: false });
    expect(approvalAuditChance(0.1, undefined, 14)).toEqual({ rate: 0.1, fast: false });
    // 300 words need 30 s at skimming pace: 20 s is fast there.
    expect(approvalAuditChance(0.1, 20_000, 300).fast).toBe(true);
    expect(approvalAuditChance(0.5, 0, 14).rate).toBe(1);
    expect(approvalAuditChance(0, 0, 14).rate).toBe(0);
  });
  it('the binomial bound rejects the rates a wrong implementation would give', () => {
    expect(plausible(120, N, 0.4)).toBe(true);
    expect(plausible(30, N, 0.4)).toBe(false);
    expect(plausible(120, N, 0.1)).toBe(false);
  });
});

describe.each(TEST_DBS)('human approvals sampled into audit on %s', (db) => {
  let s: TestApi;
  let admin: string;
  let pipe: string;
  let ann: string;
  let ben: string;
  let fastIds: string[] = [];
  let slowIds: string[] = [];
  let plainIds: string[] = [];
  let receiver: Receiver;
  /** The sampled approvals the audit queue failed and passed. */
  const audited = { failed: '', passed: '' };

  beforeAll(async () => {
    s = await startTestApp(db, { random: mulberry32(16_004) });
    admin = await s.token('admin', { user: 'aa-admin' });
    pipe = await s.token('pipeline');
    ann = await s.token('reviewer', { user: 'ann' });
    ben = await s.token('reviewer', { user: 'ben' });
    receiver = await startReceiver();
    const sub = await s.api('/v1/webhooks', {
      token: admin,
      body: { url: receiver.url, events: ['draft.audit_failed'] },
    });
    expect(sub.status).toBe(201);
    const put = await s.api(`/v1/workflows/${WF}`, { method: 'PUT', token: admin, body: { approvalAuditRate: BASE } });
    expect(put.status).toBe(200);
    const ids: string[] = [];
    for (let b = 0; b < 3; b++) {
      const res = await postDrafts(
        s,
        pipe,
        Array.from({ length: 200 }, () => draftIn({ workflow: WF })),
      );
      ids.push(...res.map((r) => r.id));
    }
    fastIds = ids.filter((_, i) => i % 2 === 0);
    slowIds = ids.filter((_, i) => i % 2 === 1);
    // A workflow without approvalAuditRate (default 0): nothing sampled.
    plainIds = (
      await postDrafts(
        s,
        pipe,
        Array.from({ length: 50 }, () => draftIn({ workflow: 'aa.plain' })),
      )
    ).map((r) => r.id);
    const all = [
      ...fastIds.map((id) => decision(id, { dwellMs: 800 })),
      ...slowIds.map((id) => decision(id, { dwellMs: 20_000 })),
      ...plainIds.map((id) => decision(id, { dwellMs: 800 })),
    ];
    for (let i = 0; i < all.length; i += 200) {
      const results = await postDecisions(s, ann, all.slice(i, i + 200));
      expect(results.every((r) => r.status === 'applied')).toBe(true);
    }
  }, 60_000);
  afterAll(async () => {
    await s?.close();
    await receiver?.close();
  });

  const sampledOf = async (ids: string[]) => {
    const rows = await s.store.db
      .selectFrom('drafts')
      .select(['id', 'status', 'queue', 'audit_pending'])
      .where('id', 'in', ids)
      .execute();
    for (const r of rows) expect(r.status).toBe('approved');
    return rows.filter((r) => r.queue === 'audit' && r.audit_pending).map((r) => r.id);
  };

  it('samples fast approvals at 4× the rate of the others, within the binomial bounds', async () => {
    const fast = await sampledOf(fastIds);
    const slow = await sampledOf(slowIds);
    expect(fastIds).toHaveLength(N);
    expect(plausible(fast.length, N, BASE * FAST_APPROVAL_WEIGHT)).toBe(true);
    expect(plausible(slow.length, N, BASE)).toBe(true);
    expect(await sampledOf(plainIds)).toEqual([]);
    // The sampling is written with the decision: its audit entry says so.
    const entries = await s.store.db
      .selectFrom('audit_log')
      .select(['draft_id', 'detail_json'])
      .where('action', '=', 'decision.approve')
      .where('draft_id', 'in', [...fast, ...slow])
      .execute();
    expect(entries).toHaveLength(fast.length + slow.length);
    for (const e of entries) expect(JSON.parse(e.detail_json ?? '{}').sampledForAudit).toBeTruthy();
  });

  it('puts sampled approvals in the other reviewers’ audit queue, never the approver’s; the audit becomes an outcome', async () => {
    const sampled = [...(await sampledOf(fastIds)), ...(await sampledOf(slowIds))];
    const queueOf = async (token: string) =>
      (await json<QueueOut>(s.api(`/v1/queue?workflow=${WF}&limit=1000`, { token }))).items.map((d: Draft) => d.id);
    expect((await queueOf(ann)).filter((id) => sampled.includes(id))).toEqual([]);
    expect(new Set((await queueOf(ben)).filter((id) => sampled.includes(id)))).toEqual(new Set(sampled));

    const [bad, good] = sampled as [string, string];
    audited.failed = bad;
    audited.passed = good;
    // The approver cannot audit their own approval.
    expect((await postDecisions(s, ann, [decision(bad)]))[0]!.status).toBe('rejected');
    const r = await postDecisions(s, ben, [
      decision(bad, { action: 'reject', reasons: ['wrong_fact'] }),
      decision(good, { action: 'approve' }),
    ]);
    expect(r.map((x) => x.status)).toEqual(['applied', 'applied']);
    const outcomes = await s.store.db
      .selectFrom('outcomes')
      .select(['draft_id', 'correct', 'source', 'recorded_by'])
      .where('draft_id', 'in', [bad, good])
      .execute();
    expect(outcomes.map((o) => [o.draft_id, !!o.correct, o.source, o.recorded_by]).sort()).toEqual(
      [
        [bad, false, 'audit', 'ben'],
        [good, true, 'audit', 'ben'],
      ].sort(),
    );
    for (const id of [bad, good]) {
      const d = await json<Draft>(s.api(`/v1/drafts/${id}`, { token: admin }));
      expect(d.status).toBe('approved');
      expect(d.decidedBy).toBe('ann');
    }
    expect((await queueOf(ben)).filter((id) => id === bad || id === good)).toEqual([]);
  });

  it('an audit outcome from outside settles a sampled approval too; failed audits count as the approver’s misses', async () => {
    const events = async (id: string) =>
      (
        await webhookDb(s.store.db).selectFrom('webhook_events').select('type').where('draft_id', '=', id).execute()
      ).map((e) => e.type);
    const waiting = [...(await sampledOf(fastIds)), ...(await sampledOf(slowIds))];
    const [failed, passed] = waiting as [string, string];
    const r = await json<{ results: { status: string }[] }>(
      s.api('/v1/outcomes', {
        token: pipe,
        body: {
          outcomes: [
            { draftId: failed, correct: false, source: 'audit', note: 'wrong title' },
            { draftId: passed, correct: true, source: 'audit' },
          ],
        },
      }),
    );
    expect(r.results.map((x) => x.status)).toEqual(['recorded', 'recorded']);
    // Settled: out of the audit queue, still Ann's approval; the failed one is the pipeline's cue
    // (as the audit queue's rejection was), the passed one is not.
    expect(await sampledOf([failed, passed])).toEqual([]);
    for (const id of [failed, passed])
      expect(await json<Draft>(s.api(`/v1/drafts/${id}`, { token: admin }))).toMatchObject({
        status: 'approved',
        decidedBy: 'ann',
      });
    expect(await events(failed)).toEqual(['draft.audit_failed']);
    expect(await events(audited.failed)).toEqual(['draft.audit_failed']);
    expect(await events(passed)).toEqual([]);
    expect(await events(audited.passed)).toEqual([]);

    // Ann approved all 600; four were audited, two failed (one in the queue, one from outside).
    const acc = Accountability.parse(await json(s.api(`/v1/accountability?workflow=${WF}`, { token: admin })));
    const annRow = acc.reviewers.find((p) => p.userId === 'ann');
    expect(annRow).toMatchObject({
      approvals: 2 * N,
      checked: 4,
      misses: 2,
      missesBySource: { audit: 2, customer: 0, qa: 0 },
      missRate: 0.5,
    });
    // Ben audited; he approved nothing, so nothing is his miss.
    const benRow = acc.reviewers.find((p) => p.userId === 'ben');
    expect(benRow).toMatchObject({ approvals: 0, misses: 0 });
    expect(benRow!.reviews).toBeGreaterThanOrEqual(2);
    expect(acc.misses.map((m) => m.draftId).sort()).toEqual([audited.failed, failed].sort());
    for (const m of acc.misses) expect(m).toMatchObject({ approvedBy: ['ann'], decidedBy: 'ann', source: 'audit' });
  });
});
