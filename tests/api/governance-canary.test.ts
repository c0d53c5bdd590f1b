import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftIn } from '../../lib/shared/schema';
import { Metrics } from '../../lib/shared/schema/governance';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';

const WF = 'outreach-flow';

function draft(i: number): DraftIn {
  return {
    externalId: `cf-${i}-${randomUUID().slice(0, 8)}`,
    workflow: WF,
    kind: 'email',
    target: { site: 'gmail', email: `maria${i}@initech.test`, name: 'Maria Stone', company: 'Initech' },
    account: { name: 'Initech', domain: 'initech.test' },
    content: {
      subject: 'Initech and your 2026 rollout',
      body: `Hi Maria,\n\nSaw Initech is expanding the 2026 rollout to 40 sites. Happy to share how others ran theirs.\n\nBest, Sam`,
      to: `maria${i}@initech.test`,
    },
    confidence: 0.85,
    rationale: 'Rollout news from the evidence.',
    evidence: [{ label: 'Press release', snippet: 'Initech expands rollout to 40 sites in 2026', source: 'news' }],
  };
}

describe.each(TEST_DBS)('canaries through the real review flow on %s', (db) => {
  let server: TestApi;
  let admin: string;
  let pipeline: string;
  let reviewer: string;

  beforeAll(async () => {
    server = await startTestApp(db);
    admin = await server.token('admin', { user: 'cf-admin' });
    pipeline = await server.token('pipeline', { user: 'cf-pipeline' });
    reviewer = await server.token('reviewer', { user: 'cf-rev' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('plants canaries at the canary rate, indistinguishable in the queue, never released as approved output', async () => {
    // canaryRate 0.5 = one canary next to every real review draft (r / (1 − r) = 1).
    const put = await server.api(`/v1/workflows/${WF}`, { token: admin, method: 'PUT', body: { canaryRate: 0.5 } });
    expect(put.status).toBe(200);
    const posted = await server.api('/v1/drafts', {
      token: pipeline,
      body: { drafts: [draft(1), draft(2), draft(3)] },
    });
    expect(posted.status).toBe(200);
    const results = ((await posted.json()) as { results: { id: string; route: string }[] }).results;
    expect(results).toHaveLength(3);
    expect(results.every((r) => r.route === 'review')).toBe(true);

    const canaries = await server.store.db.selectFrom('drafts').selectAll().where('canary', '=', true).execute();
    expect(canaries).toHaveLength(3);
    // Stored like any routed draft, queue history included (pull's `remove` depends on it).
    for (const c of canaries) expect(JSON.parse(c.queue_history_json)).toEqual([[c.queue, c.assignee]]);

    // The reviewer's queue: six drafts with the same fields; nothing marks the canaries.
    const q = await server.api('/v1/queue', { token: reviewer });
    expect(q.status).toBe(200);
    const items = ((await q.json()) as { items: Record<string, unknown>[] }).items;
    expect(items).toHaveLength(6);
    const keys = new Set(items.map((it) => Object.keys(it).sort().join(',')));
    expect(keys.size).toBe(1);
    expect(JSON.stringify(items)).not.toMatch(/canary/i);
    const canaryIds = new Set(canaries.map((c) => c.id));
    const shown = items.filter((it) => canaryIds.has(it.id as string));
    expect(shown).toHaveLength(3);
    for (const c of shown) {
      const orig = items.find((it) => it.id === canaries.find((x) => x.id === c.id)!.canary_of)!;
      expect(c.confidence).toBe(orig.confidence);
      // The panel labels it by the same workflow thresholds (issue 16).
      expect(c.thresholds).toEqual(orig.thresholds);
      expect(c.thresholds).toBeDefined();
      expect(c.rationale).toBe(orig.rationale);
      expect(c.content).not.toEqual(orig.content);
      expect(String(c.externalId)).toHaveLength(String(orig.externalId).length);
    }

    // Reading a draft from the queue by id works the same for a canary: a 404 would give it away.
    for (const it of items) {
      const one = await server.api(`/v1/drafts/${it.id}`, { token: reviewer });
      expect(one.status).toBe(200);
      const body = (await one.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual([...Object.keys(it), 'decisions'].sort());
      expect(JSON.stringify(body)).not.toMatch(/canary/i);
    }
    // So does the reviewer's own list of drafts.
    const mine = await server.api(`/v1/drafts?status=pending&workflow=${WF}`, { token: reviewer });
    expect(mine.status).toBe(200);
    const mineIds = ((await mine.json()) as { drafts: { id: string }[] }).drafts.map((d) => d.id).sort();
    expect(mineIds).toEqual(items.map((it) => it.id as string).sort());
    // The pipeline cannot read a canary, even while it waits for review.
    for (const id of canaryIds) expect((await server.api(`/v1/drafts/${id}`, { token: pipeline })).status).toBe(404);

    // The reviewer approves everything, canaries included (a rubber stamp).
    const now = new Date().toISOString();
    const decided = await server.api('/v1/decisions', {
      token: reviewer,
      body: {
        decisions: items.map((it) => ({
          id: randomUUID(),
          draftId: it.id,
          action: 'approve',
          dwellMs: 900,
          decidedAt: now,
        })),
      },
    });
    expect(decided.status).toBe(200);
    const statuses = ((await decided.json()) as { results: { status: string }[] }).results.map((r) => r.status);
    expect(statuses.every((s) => s === 'applied')).toBe(true);

    // The pipeline collects approved output: only its own three drafts, never a canary.
    const list = await server.api(`/v1/drafts?status=approved&workflow=${WF}`, { token: pipeline });
    expect(list.status).toBe(200);
    const approved = ((await list.json()) as { drafts: { id: string }[] }).drafts;
    expect(approved.map((d) => d.id).sort()).toEqual(results.map((r) => r.id).sort());
    // Nor an admin collecting output the same way.
    const adminList = await server.api(`/v1/drafts?status=approved&workflow=${WF}`, { token: admin });
    const adminIds = ((await adminList.json()) as { drafts: { id: string }[] }).drafts.map((d) => d.id).sort();
    expect(adminIds).toEqual(results.map((r) => r.id).sort());
    for (const id of canaryIds) {
      const one = await server.api(`/v1/drafts/${id}`, { token: pipeline });
      expect(one.status).toBe(404);
    }
    // Nor in the feedback export.
    const exp = await server.api(`/v1/export/feedback.jsonl?workflow=${WF}`, { token: admin });
    const lines = (await exp.text()).trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => [...canaryIds].some((id) => l.includes(id)))).toBe(false);

    // Governance sees the missed canaries and the too-fast approvals.
    const m = Metrics.parse(await (await server.api(`/v1/metrics?workflow=${WF}`, { token: admin })).json());
    const row = m.reviewers.find((r) => r.userId === 'cf-rev')!;
    expect(row.canariesSeen).toBe(3);
    expect(row.canariesCaught).toBe(0);
    expect(row.flags).toContain('missed_canaries');
    expect(row.fastApprovals).toBe(6);
    // Canaries stay out of the quality figures: three real drafts reviewed.
    expect(m.overall.reviewed).toBe(3);
  });

  it('audit checks of auto-approved drafts feed the false-auto-approval rate, not the review rates', async () => {
    const wf = 'outreach-audited';
    const put = await server.api(`/v1/workflows/${wf}`, {
      token: admin,
      method: 'PUT',
      body: { level: 'review_exceptions', autoThreshold: 0.8, reviewThreshold: 0.5, auditSampleRate: 1 },
    });
    expect(put.status).toBe(200);
    const drafts = [1, 2, 3, 4].map((i) => ({ ...draft(20 + i), workflow: wf, confidence: 0.9 }));
    const res = await server.api('/v1/drafts', { token: pipeline, body: { drafts } });
    const results = ((await res.json()) as { results: { id: string; route: string; queue: string }[] }).results;
    expect(results.every((r) => r.route === 'auto')).toBe(true);
    const q = ((await (await server.api('/v1/queue', { token: reviewer })).json()) as { items: { id: string }[] })
      .items;
    const audits = q.filter((it) => results.some((r) => r.id === it.id));
    expect(audits).toHaveLength(4);
    const now = new Date().toISOString();
    const decided = await server.api('/v1/decisions', {
      token: reviewer,
      body: {
        decisions: audits.map((it, i) =>
          i === 0
            ? {
                id: randomUUID(),
                draftId: it.id,
                action: 'reject',
                reasons: ['wrong_facts'],
                dwellMs: 20_000,
                decidedAt: now,
              }
            : { id: randomUUID(), draftId: it.id, action: 'approve', dwellMs: 20_000, decidedAt: now },
        ),
      },
    });
    expect(((await decided.json()) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
    const m = Metrics.parse(await (await server.api(`/v1/metrics?workflow=${wf}`, { token: admin })).json());
    expect(m.overall.auditedAuto).toBe(4);
    expect(m.overall.falseAutoRate).toBeCloseTo(0.25, 9);
    expect(m.overall.reviewed).toBe(0);
    expect(m.overall.autoApprovalRate).toBe(1);
  });

  it('does not plant canaries when the rate is 0 (the default)', async () => {
    const wf = 'outreach-plain';
    const d = { ...draft(9), workflow: wf };
    const res = await server.api('/v1/drafts', { token: pipeline, body: { drafts: [d] } });
    expect(res.status).toBe(200);
    const n = await server.store.db
      .selectFrom('drafts')
      .select('id')
      .where('workflow', '=', wf)
      .where('canary', '=', true)
      .execute();
    expect(n).toHaveLength(0);
  });
});
