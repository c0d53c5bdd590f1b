import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDeps } from '../../server/app';
import { jsonLogger } from '../../server/log';
import { evaluateWorkflow } from '../../server/service/governance';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn, json, postDrafts } from './fixtures';

// Outcomes feed governance at once: a quality dip steps the workflow back right after the outcomes
// arrive, not at the background evaluator's next tick (10 minutes by default).

describe.each(TEST_DBS)('outcomes trigger governance evaluation on %s', (db) => {
  let server: TestApi;
  let admin: string;
  let pipeline: string;
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = await startTestApp(db, { logger: jsonLogger((l) => logs.push(JSON.parse(l))) });
    admin = await server.token('admin');
    pipeline = await server.token('pipeline');
  });
  afterAll(async () => {
    await server?.close();
  });

  async function level(workflow: string): Promise<string> {
    return (await json<{ level: string }>(server.api(`/v1/workflows/${workflow}`, { token: admin }))).level;
  }

  async function autoApproved(workflow: string, n: number): Promise<string[]> {
    const put = await server.api(`/v1/workflows/${workflow}`, {
      token: admin,
      method: 'PUT',
      body: {
        level: 'review_exceptions',
        autoThreshold: 0.8,
        reviewThreshold: 0.5,
        auditSampleRate: 0,
        minAuditedToTighten: 10,
      },
    });
    expect(put.status).toBe(200);
    const results = await postDrafts(
      server,
      pipeline,
      Array.from({ length: n }, () => draftIn({ workflow, confidence: 0.9 })),
    );
    expect(results.every((r) => r.route === 'auto')).toBe(true);
    return results.map((r) => r.id);
  }

  it('a quality dip reported through POST /v1/outcomes steps the workflow back right away', async () => {
    const wf = 'outcomes-dip';
    const ids = await autoApproved(wf, 25);
    const res = await server.api('/v1/outcomes', {
      token: pipeline,
      body: { outcomes: ids.map((draftId) => ({ draftId, correct: false, source: 'audit' })) },
    });
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { results: { status: string }[] }).results.every((r) => r.status === 'recorded'),
    ).toBe(true);
    // The evaluation runs after the response; give it a moment.
    const deadline = Date.now() + 10_000;
    while ((await level(wf)) !== 'review_all' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await level(wf)).toBe('review_all');
    const audit = await server.store.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('workflow', '=', wf)
      .where('action', '=', 'workflow.step_back')
      .execute();
    expect(audit).toEqual([{ actor: 'governance', action: 'workflow.step_back' }]);
    expect(logs.some((l) => l.msg === 'governance applied' && l.workflow === wf)).toBe(true);
  });

  it('good outcomes change nothing, and many requests at once step back at most once', async () => {
    const good = 'outcomes-good';
    const ids = await autoApproved(good, 25);
    const ok = await server.api('/v1/outcomes', {
      token: pipeline,
      body: { outcomes: ids.map((draftId) => ({ draftId, correct: true, source: 'audit' })) },
    });
    expect(ok.status).toBe(200);

    const bad = 'outcomes-burst';
    const badIds = await autoApproved(bad, 30);
    const posted = await Promise.all(
      badIds.map((draftId) =>
        server.api('/v1/outcomes', {
          token: pipeline,
          body: { outcomes: [{ draftId, correct: false, source: 'audit' }] },
        }),
      ),
    );
    expect(posted.every((r) => r.status === 200)).toBe(true);
    const deadline = Date.now() + 10_000;
    while ((await level(bad)) !== 'review_all' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await level(bad)).toBe('review_all');
    // Let any queued re-run finish, then check: one step back, and the good workflow untouched.
    await new Promise((r) => setTimeout(r, 300));
    const steps = await server.store.db
      .selectFrom('audit_log')
      .select('workflow')
      .where('action', '=', 'workflow.step_back')
      .where('workflow', 'in', [good, bad])
      .execute();
    expect(steps).toEqual([{ workflow: bad }]);
    expect(await level(good)).toBe('review_exceptions');
    expect(logs.some((l) => l.level === 'error')).toBe(false);
  });
});

describe.each(TEST_DBS)('concurrent governance evaluations on %s', (db) => {
  let server: TestApi;

  beforeAll(async () => {
    server = await startTestApp(db);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('two evaluations of the same dip at once (timer, outcomes, an admin) step back once', async () => {
    const admin = await server.token('admin');
    const pipeline = await server.token('pipeline');
    const wf = 'outcomes-race';
    await server.api(`/v1/workflows/${wf}`, {
      token: admin,
      method: 'PUT',
      body: {
        level: 'audit',
        autoThreshold: 0.8,
        reviewThreshold: 0.5,
        auditSampleRate: 0,
        minAuditedToTighten: 10,
        levelSkipReason: 'test set-up: start at the audit level',
      },
    });
    const results = await postDrafts(
      server,
      pipeline,
      Array.from({ length: 25 }, () => draftIn({ workflow: wf, confidence: 0.9 })),
    );
    // Recorded straight in the store, so only the two evaluations below act on them.
    await server.store.write((trx) =>
      trx
        .insertInto('outcomes')
        .values(
          results.map((r) => ({
            draft_id: r.id,
            correct: false,
            source: 'audit',
            note: null,
            recorded_by: 'test',
            created_at: new Date().toISOString(),
          })),
        )
        .execute(),
    );
    const deps = resolveDeps({ store: server.store });
    const [a, b] = await Promise.all([evaluateWorkflow(deps, wf), evaluateWorkflow(deps, wf)]);
    expect([...a.applied, ...b.applied]).toEqual(['level audit → review_exceptions']);
    expect((await json<{ level: string }>(server.api(`/v1/workflows/${wf}`, { token: admin }))).level).toBe(
      'review_exceptions',
    );
    const steps = await server.store.db
      .selectFrom('audit_log')
      .select('id')
      .where('workflow', '=', wf)
      .where('action', '=', 'workflow.step_back')
      .execute();
    expect(steps).toHaveLength(1);
  });
});
