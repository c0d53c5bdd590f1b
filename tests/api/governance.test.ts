import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationOf } from '../../lib/shared/policy/calibration';
import { recommend } from '../../lib/shared/policy/recommendation';
import { syntheticItems } from '../../lib/shared/policy/simulate';
import {
  AutonomyOut,
  Calibration,
  EvaluateOut,
  FeedbackLine,
  type GovItem,
  Metrics,
  Recommendation,
  SimulationOut,
} from '../../lib/shared/schema/governance';
import { resolveDeps } from '../../server/app';
import { evaluateAll, writeHistory } from '../../server/service/governance';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';

const WF = 'outbound-email';
const DAY = 86_400_000;

/** History with known answers: 1200 reviewed drafts, some audited auto-approvals, escalations and canaries. */
function history(): GovItem[] {
  const accuracy = (c: number) => Math.min(1, 0.02 + 0.985 * c);
  const start = new Date(Date.now() - 20 * DAY).toISOString();
  const items = syntheticItems({ n: 1200, seed: 77, accuracy, start, days: 19, outcomeRate: 0.1 });
  // A few escalated-only drafts (no label) and canaries (left out of every quality figure).
  items.slice(0, 20).forEach((it) => {
    it.decisions = [{ ...it.decisions[0]!, action: 'escalate', changed: undefined }];
    it.status = 'escalated';
    it.outcomes = [];
  });
  items.slice(20, 30).forEach((it, i) => {
    it.canary = true;
    it.decisions = [{ ...it.decisions[0]!, userId: 'rev-a', action: i < 7 ? 'reject' : 'approve', changed: undefined }];
  });
  // Auto-approved drafts with audit outcomes (feed the false-auto-approval rate).
  for (const it of items.slice(30, 80)) {
    it.route = 'auto';
    it.status = 'auto_approved';
    it.decisions = [];
    it.outcomes = [{ correct: it.confidence > 0.93, source: 'audit', at: it.createdAt }];
  }
  return items;
}

describe.each(TEST_DBS)('governance API on %s', (db) => {
  let server: TestApi;
  let admin: string;
  let reviewer: string;
  const items = history();

  beforeAll(async () => {
    server = await startTestApp(db);
    admin = await server.token('admin', { user: 'gov-admin' });
    reviewer = await server.token('reviewer', { user: 'gov-reviewer' });
    await writeHistory(server.store, items);
  });
  afterAll(async () => {
    await server?.close();
  });

  const get = async (path: string, token = admin) => {
    const res = await server.api(path, { token });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('serves calibration with the contract shape, matching the pure function exactly', async () => {
    const { status, body } = await get(`/v1/workflows/${WF}/calibration`);
    expect(status).toBe(200);
    const cal = Calibration.parse(body);
    const expected = calibrationOf(items);
    expect(cal.n).toBe(expected.n);
    // 1200 drafts − 20 escalated-only − 10 canaries.
    expect(cal.n).toBe(1170);
    expect(cal.ece).toBeCloseTo(expected.ece!, 12);
    expect(cal.brier).toBeCloseTo(expected.brier!, 12);
    expect(cal.bins).toHaveLength(10);
    expect(cal.bins.map((b) => b.count)).toEqual(expected.bins.map((b) => b.count));
    for (const b of cal.bins)
      expect(Object.keys(b)).toEqual(expect.arrayContaining(['lo', 'hi', 'count', 'meanConfidence', 'accuracy']));
  });

  it('filters calibration by model version and time, and warns when data is thin', async () => {
    const none = Calibration.parse((await get(`/v1/workflows/${WF}/calibration?modelVersion=nope`)).body);
    expect(none.n).toBe(0);
    expect(none.warning).toBeTruthy();
    const since = new Date(Date.now() - 2 * DAY).toISOString();
    const recent = Calibration.parse(
      (await get(`/v1/workflows/${WF}/calibration?since=${encodeURIComponent(since)}`)).body,
    );
    expect(recent.n).toBeLessThan(200);
    expect(recent.warning).toMatch(/too uncertain|too thin/);
    // The same instant written with an offset, and a plain date, are understood as UTC.
    const d = new Date(Date.now() - 2 * DAY);
    const local = new Date(d.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    const same = Calibration.parse(
      (await get(`/v1/workflows/${WF}/calibration?since=${encodeURIComponent(local)}`)).body,
    );
    expect(same.n).toBe(recent.n);
    const byDate = await get(`/v1/workflows/${WF}/calibration?since=${d.toISOString().slice(0, 10)}`);
    expect(byDate.status).toBe(200);
  });

  it('recommends thresholds like the pure function, with reasons', async () => {
    const { status, body } = await get(`/v1/workflows/${WF}/recommendation?target=0.02`);
    expect(status).toBe(200);
    const rec = Recommendation.parse(body);
    const expected = recommend(items, { target: 0.02 });
    expect(rec.autoThreshold).toBe(expected.autoThreshold);
    expect(rec.reviewThreshold).toBe(expected.reviewThreshold);
    expect(rec.n).toBe(expected.n);
    expect(rec.reasons.length).toBeGreaterThan(0);
    for (const k of ['autoThreshold', 'reviewThreshold', 'expectedFalseAutoRate', 'expectedAutoRate', 'n', 'reasons'])
      expect(rec).toHaveProperty(k);
    // A target nobody can prove with this much data: null with a reason.
    const strict = Recommendation.parse((await get(`/v1/workflows/${WF}/recommendation?target=0.001`)).body);
    expect(strict.autoThreshold).toBeNull();
    expect(strict.reasons[0]).toMatch(/Not enough evidence|No threshold/);
  });

  it('rejects bad input with 400 and non-admins with 403', async () => {
    expect((await get(`/v1/workflows/${WF}/recommendation?target=5`)).status).toBe(400);
    expect((await get(`/v1/workflows/${WF}/calibration?since=yesterday`)).status).toBe(400);
    expect((await get(`/v1/workflows/${WF}/simulate?autoThreshold=0.5&reviewThreshold=0.9`)).status).toBe(400);
    const forbidden = await get(`/v1/workflows/${WF}/calibration`, reviewer);
    expect(forbidden.status).toBe(403);
    expect((forbidden.body as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await get('/v1/metrics', reviewer)).status).toBe(403);
    expect((await server.api('/v1/metrics')).status).toBe(401);
  });

  it('serves metrics per workflow, reviewer and model version', async () => {
    const { status, body } = await get(`/v1/metrics?workflow=${WF}`);
    expect(status).toBe(200);
    const m = Metrics.parse(body);
    expect(m.overall.drafts).toBe(1190);
    expect(m.overall.auditedAuto).toBe(50);
    expect(m.overall.falseAutoRate).not.toBeNull();
    expect(m.overall.overrideBand).toMatch(/low|healthy|high/);
    expect(Object.keys(m.byWorkflow)).toEqual([WF]);
    expect(Object.keys(m.byModelVersion)).toEqual(['m1']);
    const a = m.reviewers.find((r) => r.userId === 'rev-a')!;
    expect(a.canariesSeen).toBe(10);
    expect(a.canariesCaught).toBe(7);
    expect(a.canaryCatchRate).toBeCloseTo(0.7, 9);
    expect(a.flags).toContain('missed_canaries');
    expect(m.daily.length).toBeGreaterThan(15);
  });

  it('simulates a pair of thresholds and returns the curve', async () => {
    const { status, body } = await get(`/v1/workflows/${WF}/simulate?autoThreshold=0.95&reviewThreshold=0.6`);
    expect(status).toBe(200);
    const sim = SimulationOut.parse(body);
    expect(sim.autoRate + sim.reviewRate + sim.manualRate).toBeCloseTo(1, 9);
    expect(sim.curve.length).toBeGreaterThan(40);
    expect(sim.reviewLoadPerDay).toBeGreaterThan(0);
  });

  it('exports feedback as JSONL, one applied decision a line, canaries left out', async () => {
    const res = await server.api(`/v1/export/feedback.jsonl?workflow=${WF}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const text = await res.text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => FeedbackLine.parse(JSON.parse(l)));
    const expected = items.filter((it) => !it.canary).reduce((n, it) => n + it.decisions.length, 0);
    expect(lines).toHaveLength(expected);
    const edit = lines.find((l) => l.action === 'edit')!;
    expect(edit.label).toBe('corrected');
    expect(edit.diff).toBeTruthy();
    expect(edit.original).not.toEqual(edit.final);
    expect(edit.reasons.length).toBeGreaterThan(0);
    expect(edit.model?.version).toBe('m1');
    const approve = lines.find((l) => l.action === 'approve')!;
    expect(approve.label).toBe('accepted');
    expect(approve.final).toEqual(approve.original);
    expect(typeof approve.confidence).toBe('number');
    expect(lines.some((l) => items.find((it) => it.id === l.draftId)?.canary)).toBe(false);
    const empty = await server.api('/v1/export/feedback.jsonl?workflow=unknown-wf', { token: admin });
    expect(await empty.text()).toBe('');
  });

  it('proposes graduation with its numbers, and applies it only when an admin accepts (audited)', async () => {
    const out = AutonomyOut.parse((await get(`/v1/workflows/${WF}/autonomy`)).body);
    expect(out.level).toBe('review_all');
    expect(out.proposal?.kind).toBe('graduate');
    expect(out.proposal?.to).toBe('review_exceptions');
    expect(out.proposal?.evidence.reviews).toBeGreaterThanOrEqual(100);
    // Not applied by looking at it.
    const wf = await server.store.db.selectFrom('workflows').selectAll().where('workflow', '=', WF).executeTakeFirst();
    expect(wf ? JSON.parse(wf.policy_json).level : 'review_all').toBe('review_all');

    const wrong = await server.api(`/v1/workflows/${WF}/autonomy/accept`, {
      token: admin,
      body: { to: 'autonomous' },
    });
    expect(wrong.status).toBe(409);
    const res = await server.api(`/v1/workflows/${WF}/autonomy/accept`, {
      token: admin,
      body: { to: 'review_exceptions' },
    });
    expect(res.status).toBe(200);
    expect(AutonomyOut.parse(await res.json()).level).toBe('review_exceptions');
    const audit = await server.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'workflow.graduated')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe('gov-admin');
    expect(JSON.parse(audit[0]!.reasons_json).join(' ')).toMatch(/approved unchanged/);
  });

  it('steps back automatically when quality dips, with the reason in the audit log', async () => {
    const wf = 'crm-enrichment';
    // Recent audited auto-approvals, a third of them wrong.
    const now = Date.now();
    const bad = syntheticItems({ n: 60, seed: 5, workflow: wf, start: new Date(now - 3 * DAY).toISOString(), days: 2 });
    bad.forEach((it, i) => {
      it.route = 'auto';
      it.status = 'auto_approved';
      it.decisions = [];
      it.outcomes = [{ correct: i % 3 !== 0, source: 'audit', at: it.createdAt }];
    });
    await writeHistory(server.store, bad);
    const put = await server.store.write(async (trx) =>
      trx
        .insertInto('workflows')
        .values({
          workflow: wf,
          policy_json: JSON.stringify({ level: 'audit', minAuditedToTighten: 20 }),
          updated_at: new Date().toISOString(),
        })
        .execute(),
    );
    expect(put).toBeTruthy();
    const res = await server.api(`/v1/workflows/${wf}/evaluate`, { token: admin, method: 'POST', body: {} });
    expect(res.status).toBe(200);
    const ev = EvaluateOut.parse(await res.json());
    expect(ev.stepBack?.to).toBe('review_exceptions');
    expect(ev.applied).toContain('level audit → review_exceptions');
    const row = await server.store.db
      .selectFrom('workflows')
      .select('policy_json')
      .where('workflow', '=', wf)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.policy_json).level).toBe('review_exceptions');
    const audit = await server.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'workflow.step_back')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.reasons_json)[0]).toMatch(/audited auto-approvals were wrong/);
  });

  it('the background evaluator steps back every workflow whose quality dipped (and leaves review_all alone)', async () => {
    const wf = 'notes-auto';
    const bad = syntheticItems({
      n: 40,
      seed: 15,
      workflow: wf,
      start: new Date(Date.now() - 2 * DAY).toISOString(),
      days: 1,
    });
    bad.forEach((it, i) => {
      it.route = 'auto';
      it.status = 'auto_approved';
      it.decisions = [];
      it.outcomes = [{ correct: i % 2 === 0, source: 'audit', at: it.createdAt }];
    });
    await writeHistory(server.store, bad);
    // Three steps at once: refused without a written reason, audited with one.
    const refused = await server.api(`/v1/workflows/${wf}`, {
      token: admin,
      method: 'PUT',
      body: { level: 'autonomous' },
    });
    expect(refused.status).toBe(400);
    const skip = await server.api(`/v1/workflows/${wf}`, {
      token: admin,
      method: 'PUT',
      body: {
        level: 'autonomous',
        minAuditedToTighten: 20,
        levelSkipReason: 'migrated from a system that ran it autonomously',
      },
    });
    expect(skip.status).toBe(200);
    const skipped = await server.store.db
      .selectFrom('audit_log')
      .select('reasons_json')
      .where('workflow', '=', wf)
      .where('action', '=', 'workflow.level_skipped')
      .execute();
    expect(skipped.map((r) => JSON.parse(r.reasons_json))).toEqual([
      ['migrated from a system that ran it autonomously'],
    ]);
    const results = await evaluateAll(resolveDeps({ store: server.store }));
    const mine = results.find((r) => r.workflow === wf)!;
    expect(mine.applied).toEqual(['level autonomous → audit']);
    // crm-enrichment already stepped back on this week's evidence: the same evidence does not step it back again.
    expect(results.find((r) => r.workflow === 'crm-enrichment')?.applied).toEqual([]);
    // A second run finds nothing new.
    const again = await evaluateAll(resolveDeps({ store: server.store }));
    expect(again.find((r) => r.workflow === wf)?.applied).toEqual([]);
  });

  it('plants canaries that look like the draft they copy, recorded only in the audit log', async () => {
    const wf = 'canary-wf';
    const base = syntheticItems({ n: 3, seed: 9, workflow: wf, start: new Date().toISOString(), days: 1 });
    base.forEach((it) => {
      it.status = 'pending';
      it.decisions = [];
      it.settledAt = null;
    });
    await writeHistory(server.store, base);
    const res = await server.api(`/v1/workflows/${wf}/canaries`, { token: admin, body: { count: 2 } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { created: number }).created).toBe(2);
    const rows = await server.store.db
      .selectFrom('drafts')
      .selectAll()
      .where('workflow', '=', wf)
      .where('canary', '=', true)
      .execute();
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      const orig = base.find((b) => b.id === r.canary_of)!;
      expect(orig).toBeTruthy();
      expect(r.status).toBe('pending');
      expect(r.route).toBe('review');
      expect(r.confidence).toBeCloseTo(orig.confidence, 9);
      expect(r.id).toHaveLength(orig.id.length);
      const input = JSON.parse(r.input_json);
      expect(input.externalId).toHaveLength(`hist-${orig.id}`.length);
      expect(input.externalId).not.toMatch(/canary/);
    }
    const audit = await server.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'canary.created')
      .where('workflow', '=', wf)
      .execute();
    expect(audit).toHaveLength(2);
  });

  it('plants a canary even when every look-alike of a short id is taken (never a UNIQUE error)', async () => {
    // Ids `cq-0` … `cq-9`: a look-alike of any of them varies one digit, so all ten are taken.
    const wf = 'canary-crowded';
    const base = syntheticItems({ n: 10, seed: 12, workflow: wf, start: new Date().toISOString(), days: 1 });
    base.forEach((it, i) => {
      it.id = `cq-${i}`;
      it.status = 'pending';
      it.decisions = [];
      it.outcomes = [];
      it.settledAt = null;
    });
    await writeHistory(server.store, base);
    for (let round = 0; round < 3; round++) {
      const res = await server.api(`/v1/workflows/${wf}/canaries`, { token: admin, body: { count: 2 } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { created: number }).created).toBe(2);
    }
    const rows = await server.store.db
      .selectFrom('drafts')
      .select(['id', 'canary_of'])
      .where('workflow', '=', wf)
      .where('canary', '=', true)
      .execute();
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.id)).size).toBe(6);
    for (const r of rows) expect(base.some((b) => b.id === r.id)).toBe(false);
  });

  it('documents every governance route in the OpenAPI document', async () => {
    const doc = (await (await server.api('/openapi.json')).json()) as { paths: Record<string, unknown> };
    for (const p of [
      '/v1/workflows/{workflow}/calibration',
      '/v1/workflows/{workflow}/recommendation',
      '/v1/workflows/{workflow}/simulate',
      '/v1/workflows/{workflow}/autonomy',
      '/v1/metrics',
      '/v1/export/feedback.jsonl',
    ])
      expect(doc.paths).toHaveProperty([p]);
  });

  it('lists workflows with their policies for the dashboard', async () => {
    const { status, body } = await get('/v1/governance/workflows');
    expect(status).toBe(200);
    const names = (body as { workflows: { workflow: string; drafts: number }[] }).workflows.map((w) => w.workflow);
    expect(names).toEqual(expect.arrayContaining([WF, 'crm-enrichment', 'canary-wf']));
  });
});
