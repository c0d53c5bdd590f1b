import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Draft, DraftWithDecisions, PullOut, QueueOut } from '../../lib/shared/schema';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// Issue 15 (notification links, follow-up): a draft whose audit check is still to do says so —
// `auditPending: true` on the draft (GET /v1/drafts/{id}, the queue, the pull feed, the OpenAPI
// document), absent on a settled draft nobody has to check and once the check is done.
describe.each(TEST_DBS)('auditPending on drafts (%s)', (db) => {
  let s: TestApi;
  let pipe: string;
  let admin: string;
  let ann: string;
  let bob: string;
  let rnd = 0.99;

  beforeAll(async () => {
    s = await startTestApp(db, { random: () => rnd });
    pipe = await s.token('pipeline', { user: 'pipe' });
    admin = await s.token('admin', { user: 'root' });
    ann = await s.token('reviewer', { user: 'ann' });
    bob = await s.token('reviewer', { user: 'bob' });
    const put = await s.api('/v1/workflows/audited', {
      token: admin,
      method: 'PUT',
      body: { level: 'review_exceptions', auditSampleRate: 0.5, approvalAuditRate: 0.5 },
    });
    expect(put.status).toBe(200);
  });
  afterAll(() => s?.close());

  const get = (id: string, token = ann) => json<DraftWithDecisions>(s.api(`/v1/drafts/${id}`, { token }));

  it('an auto-approved draft sampled for audit carries auditPending until its check is done', async () => {
    rnd = 0.99;
    const [plain] = await postDrafts(s, pipe, [draftIn({ workflow: 'audited', confidence: 0.99 })]);
    rnd = 0.1;
    const [sampled] = await postDrafts(s, pipe, [draftIn({ workflow: 'audited', confidence: 0.99 })]);
    rnd = 0.99;
    expect(plain).toMatchObject({ status: 'auto_approved', queue: 'auto' });
    expect(sampled).toMatchObject({ status: 'auto_approved', queue: 'audit' });

    expect(await get(sampled!.id)).toMatchObject({ status: 'auto_approved', queue: 'audit', auditPending: true });
    expect(await get(plain!.id, admin)).not.toHaveProperty('auditPending');
    // The queue and the pull feed (the extension's local copy) carry it too.
    const q = await json<QueueOut>(s.api('/v1/queue', { token: ann }));
    expect(q.items.find((d) => d.id === sampled!.id)?.auditPending).toBe(true);
    const pulled = await json<PullOut>(s.api('/v1/sync/pull', { token: ann }));
    const change = pulled.changes.find((c) => c.op === 'upsert' && (c.draft as Draft).id === sampled!.id);
    expect((change as { draft: Draft } | undefined)?.draft.auditPending).toBe(true);

    // The check (a wrong one: rejected with a reason) settles it: no auditPending after, for anyone.
    const [r] = await postDecisions(s, bob, [decision(sampled!.id, { action: 'reject', reasons: ['tone'] })]);
    expect(r!.status).toBe('applied');
    const after = await get(sampled!.id);
    expect(after).toMatchObject({ status: 'auto_approved', queue: 'audit' });
    expect(after).not.toHaveProperty('auditPending');
    const [again] = await postDecisions(s, ann, [decision(sampled!.id)]);
    expect(again!.status).toBe('conflict');
  });

  it("a person's approval sampled for audit carries it; a draft still waiting for review does not", async () => {
    const [d, other] = await postDrafts(s, pipe, [
      draftIn({ workflow: 'audited', confidence: 0.8 }),
      draftIn({ workflow: 'audited', confidence: 0.8 }),
    ]);
    expect(d!.queue).toBe('review');
    expect(await get(d!.id)).not.toHaveProperty('auditPending');
    rnd = 0.01;
    const [r] = await postDecisions(s, ann, [decision(d!.id, { dwellMs: 60_000 })]);
    rnd = 0.99;
    expect(r!.status).toBe('applied');
    expect(await get(d!.id, bob)).toMatchObject({ status: 'approved', queue: 'audit', auditPending: true });
    expect(await get(other!.id)).not.toHaveProperty('auditPending');
  });

  it('the OpenAPI document describes it on the draft', async () => {
    const doc = JSON.stringify(await json(s.api('/openapi.json')));
    expect(doc).toMatch(/"auditPending":\{[^}]*"type":"boolean"/);
  });
});
