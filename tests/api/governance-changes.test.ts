import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutonomyOut } from '../../lib/shared/schema/governance';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn, json, postDrafts } from './fixtures';

// Issue 16: what the evaluator (and admins) changed about a workflow's autonomy comes back with
// GET …/autonomy as `changes`, from the audit log, with the figures it was done on and a sentence a
// team lead reads. Built from real data through the API: a true 4% false-auto rate over 100 audited
// drafts against a 2% target tightens an opted-in workflow.

describe.each(TEST_DBS)('autonomy changes on %s', (db) => {
  let s: TestApi;
  let admin: string;
  let pipeline: string;

  beforeAll(async () => {
    s = await startTestApp(db);
    admin = await s.token('admin', { user: 'lead' });
    pipeline = await s.token('pipeline');
  });
  afterAll(async () => {
    await s?.close();
  });

  const autonomy = (wf: string) => json<AutonomyOut>(s.api(`/v1/workflows/${wf}/autonomy`, { token: admin }));
  /** The autonomy answer once it carries `n` changes (the evaluation after outcomes runs in the background). */
  async function changesOf(wf: string, n: number, level?: string): Promise<AutonomyOut> {
    const end = Date.now() + 10_000;
    for (;;) {
      const out = await autonomy(wf);
      if (((out.changes?.length ?? 0) >= n && (!level || out.level === level)) || Date.now() > end) return out;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const put = (wf: string, body: Record<string, unknown>) =>
    s.api(`/v1/workflows/${wf}`, { token: admin, method: 'PUT', body });

  it('a tightening by the evaluator: 4 wrong of 100 audited > 2% → changes[0] says so', async () => {
    const wf = 'changes-tighten';
    expect(
      (await put(wf, { autoThreshold: 0.8, reviewThreshold: 0.5, autoAdjust: true, minAuditedToTighten: 100 })).status,
    ).toBe(200);
    expect((await autonomy(wf)).changes).toEqual([]);
    const results = await postDrafts(
      s,
      pipeline,
      Array.from({ length: 100 }, (_, i) => draftIn({ workflow: wf, confidence: 0.9, externalId: `ct-${i}` })),
    );
    const res = await s.api('/v1/outcomes', {
      token: pipeline,
      body: { outcomes: results.map((r, i) => ({ draftId: r.id, correct: i >= 4, source: 'audit' })) },
    });
    expect(res.status).toBe(200);
    const out = await changesOf(wf, 1);
    expect(out.changes).toHaveLength(1);
    const c = out.changes![0]!;
    expect(c).toMatchObject({ kind: 'tightened', from: '0.8', actor: expect.any(String) });
    expect(Number(c.to)).toBeGreaterThan(0.8);
    expect(c.evidence).toMatchObject({ audited: 100, wrong: 4, falseAutoRate: 0.04, target: 0.02, minAudited: 100 });
    expect(c.summary).toMatch(
      /^Tightened: false-auto rate 4\.0% over 100 audited drafts > 2%; auto-approve threshold 80% → \d+%/,
    );
    // The policy moved as the change says.
    const policy = await json<{ autoThreshold: number }>(s.api(`/v1/workflows/${wf}`, { token: admin }));
    expect(String(policy.autoThreshold)).toBe(c.to);
  });

  it('a skipped level (with its written reason) and a step back, newest first', async () => {
    const wf = 'changes-levels';
    expect((await put(wf, { level: 'audit' })).status).toBe(400);
    expect(
      (
        await put(wf, {
          level: 'audit',
          levelSkipReason: 'Pilot approved by the sales director',
          auditSampleRate: 1,
          autoThreshold: 0.8,
          reviewThreshold: 0.5,
          minAuditedToTighten: 20,
        })
      ).status,
    ).toBe(200);
    const results = await postDrafts(
      s,
      pipeline,
      Array.from({ length: 20 }, (_, i) => draftIn({ workflow: wf, confidence: 0.9, externalId: `cl-${i}` })),
    );
    expect(results.every((r) => r.route === 'auto')).toBe(true);
    await s.api('/v1/outcomes', {
      token: pipeline,
      body: { outcomes: results.map((r, i) => ({ draftId: r.id, correct: i >= 5, source: 'audit' })) },
    });
    const out = await changesOf(wf, 2, 'review_exceptions');
    expect(out.level).toBe('review_exceptions');
    expect(out.changes!.map((c) => c.kind)).toEqual(['step_back', 'level_skipped']);
    const [back, skipped] = out.changes!;
    expect(back!.summary).toBe(
      'Stepped back Audit → Review exceptions: false-auto rate 25% over 20 audited drafts > 2% (automatic).',
    );
    expect(skipped!.summary).toBe(
      'Level moved Review all → Audit, skipping a step by lead: “Pilot approved by the sales director”.',
    );
  });
});
