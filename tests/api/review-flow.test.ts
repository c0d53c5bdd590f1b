import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditOut, Change, Draft, PullOut, QueueOut } from '../../lib/shared/schema';
import { revokeToken } from '../../server/tokens';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

describe.each(TEST_DBS)('review flow on %s', (db) => {
  let s: TestApi;
  let pipe: string;
  let admin: string;
  let ann: string;
  let bob: string;
  let olly: string;
  let lena: string;
  // Random source for audit sampling, switched per test.
  let rnd = 0.99;

  beforeAll(async () => {
    s = await startTestApp(db, { random: () => rnd });
    pipe = await s.token('pipeline', { user: 'pipe' });
    admin = await s.token('admin', { user: 'root', name: 'Root' });
    ann = await s.token('reviewer', { user: 'ann', name: 'Ann' });
    bob = await s.token('reviewer', { user: 'bob' });
    olly = await s.token('owner', { user: 'olly' });
    lena = await s.token('specialist', { user: 'lena', specialty: 'legal' });
  });
  afterAll(() => s?.close());

  it('health, me and the OpenAPI document', async () => {
    expect(await json(s.api('/v1/health'))).toEqual({ ok: true });
    expect(await json(s.api('/v1/me', { token: ann }))).toEqual({
      id: 'ann',
      name: 'Ann',
      role: 'reviewer',
      specialties: [],
    });
    expect(await json(s.api('/v1/me', { token: lena }))).toMatchObject({ role: 'specialist', specialties: ['legal'] });
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>(s.api('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/v1/drafts',
      '/v1/decisions',
      '/v1/queue',
      '/v1/sync/pull',
      '/v1/audit',
      '/v1/workflows/{workflow}',
    ])
      expect(doc.paths).toHaveProperty([p]);
  });

  it('routes drafts with reasons and is idempotent on externalId', async () => {
    const a = draftIn({ confidence: 0.82 });
    const named = draftIn({ account: { name: 'Acme', tier: 'named', ownerId: 'olly', dealValue: 250_000 } });
    const legal = draftIn({ flags: ['legal'] });
    const low = draftIn({ confidence: 0.2 });
    const [ra, rn, rl, rlow, again] = await postDrafts(s, pipe, [a, named, legal, low, a]);
    expect(ra).toMatchObject({
      route: 'review',
      status: 'pending',
      queue: 'review',
      assignee: null,
      secondReview: false,
    });
    expect(ra!.reasons).toContain('confidence 0.82 is below 0.98');
    expect(rn).toMatchObject({ route: 'review', queue: 'owner', assignee: 'olly', secondReview: true });
    expect(rl).toMatchObject({ queue: 'specialist:legal', assignee: null });
    expect(rlow).toMatchObject({ route: 'manual', queue: 'manual' });
    expect(again).toEqual(ra);
    const [repeat] = await postDrafts(s, pipe, [a]);
    expect(repeat).toEqual(ra);
    const n = await s.store.db
      .selectFrom('drafts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('external_id', '=', a.externalId)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
  });

  it('the same drafts posted three times concurrently are stored once', async () => {
    const batch = Array.from({ length: 20 }, () => draftIn());
    const all = await Promise.all([1, 2, 3].map(() => postDrafts(s, pipe, batch)));
    expect(all[1]).toEqual(all[0]);
    expect(all[2]).toEqual(all[0]);
    const n = await s.store.db
      .selectFrom('drafts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(
        'external_id',
        'in',
        batch.map((d) => d.externalId),
      )
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(20);
  });

  it('a segment that keeps failing is flagged to the admin (across and within batches)', async () => {
    const low = (segment: string) => draftIn({ confidence: 0.3, segment });
    const [a] = await postDrafts(s, pipe, [low('seg-x')]);
    const [b, c, other] = await postDrafts(s, pipe, [low('seg-x'), low('seg-x'), low('seg-y')]);
    expect([a!.queue, b!.queue, c!.queue, other!.queue]).toEqual(['manual', 'manual', 'admin', 'manual']);
    expect(c!.reasons).toContain('repeated failures: 3 of the last 3 drafts in segment "seg-x" are below 0.7');
    const adminQ = await json<QueueOut>(s.api('/v1/queue', { token: admin }));
    expect(adminQ.items.map((d) => d.id)).toContain(c!.id);
    const annQ = await json<QueueOut>(s.api('/v1/queue', { token: ann }));
    expect(annQ.items.map((d) => d.id)).not.toContain(c!.id);
  });

  it("a segment's last drafts are the latest submitted: deciding older drafts does not make them recent", async () => {
    const d = (confidence: number) => draftIn({ confidence, segment: 'seg-order' });
    const lows = await postDrafts(s, pipe, [d(0.3), d(0.3)]);
    await postDrafts(s, pipe, [d(0.9), d(0.9), d(0.9), d(0.9), d(0.9)]);
    // Deciding the two old low drafts changes them (new versions), not when they were submitted.
    const results = await postDecisions(
      s,
      admin,
      lows.map((l) => decision(l!.id, { action: 'reject', reasons: ['wrong_facts'] })),
    );
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const [next] = await postDrafts(s, pipe, [d(0.3)]);
    expect(next!.queue).toBe('manual');
    expect(next!.reasons.some((r) => r.startsWith('repeated failures'))).toBe(false);
  });

  it('a policy change is applied to new drafts and audited; auto-approved drafts may be sampled for audit', async () => {
    const wf = 'policy-wf';
    const put = await s.api(`/v1/workflows/${wf}`, {
      token: admin,
      method: 'PUT',
      body: { level: 'review_exceptions', auditSampleRate: 0.5 },
    });
    expect(put.status).toBe(200);
    expect(await json(s.api(`/v1/workflows/${wf}`, { token: pipe }))).toMatchObject({
      level: 'review_exceptions',
      autoThreshold: 0.98,
    });
    const bad = await s.api(`/v1/workflows/${wf}`, { token: admin, method: 'PUT', body: { reviewThreshold: 0.99 } });
    expect(bad.status).toBe(400);
    rnd = 0.99;
    const [plain] = await postDrafts(s, pipe, [draftIn({ workflow: wf, confidence: 0.99 })]);
    rnd = 0.1;
    const [sampled] = await postDrafts(s, pipe, [draftIn({ workflow: wf, confidence: 0.99 })]);
    rnd = 0.99;
    expect(plain).toMatchObject({ route: 'auto', status: 'auto_approved', queue: 'auto' });
    expect(sampled).toMatchObject({ route: 'auto', status: 'auto_approved', queue: 'audit', audit: true });
    // The pipeline reads the final content of the auto-approved draft.
    const got = await json<Draft>(s.api(`/v1/drafts/${plain!.id}`, { token: pipe }));
    expect(got.final).toEqual(got.content);
    // The audit check shows in a reviewer's queue; approving it records an outcome.
    const q = await json<QueueOut>(s.api('/v1/queue', { token: ann }));
    expect(q.items.map((d) => d.id)).toContain(sampled!.id);
    expect(q.items.map((d) => d.id)).not.toContain(plain!.id);
    const [r] = await postDecisions(s, ann, [decision(sampled!.id)]);
    expect(r!.status).toBe('applied');
    const outcome = await s.store.db
      .selectFrom('outcomes')
      .selectAll()
      .where('draft_id', '=', sampled!.id)
      .executeTakeFirstOrThrow();
    expect(outcome).toMatchObject({ correct: true, source: 'audit', recorded_by: 'ann' });
    const audit = await json<AuditOut>(s.api('/v1/audit?limit=1000', { token: admin }));
    const change = audit.entries.find((e) => e.action === 'policy.update' && e.workflow === wf);
    expect(change?.actor).toBe('root');
    expect(change?.final).toMatchObject({ level: 'review_exceptions' });
  });

  it('decisions: applied, duplicate, conflict (recorded), edit with diff, reject needs reasons', async () => {
    const [d1, d2, d3] = await postDrafts(s, pipe, [
      draftIn(),
      draftIn(),
      draftIn({ kind: 'note', content: { text: 'Call Acme' } }),
    ]);
    const first = decision(d1!.id);
    expect((await postDecisions(s, ann, [first]))[0]).toEqual({ id: first.id, status: 'applied' });
    expect((await postDecisions(s, ann, [first]))[0]).toEqual({ id: first.id, status: 'duplicate' });
    // A resent decision in a batch with a new one: the new one is applied and recorded once (the
    // server's first, optimistic pass over the batch is rolled back whole), the old one is a duplicate.
    const [d4] = await postDrafts(s, pipe, [draftIn()]);
    const fresh = decision(d4!.id);
    expect((await postDecisions(s, ann, [fresh, first])).map((r) => r.status)).toEqual(['applied', 'duplicate']);
    const rows = await s.store.db.selectFrom('decisions').select('id').where('draft_id', '=', d4!.id).execute();
    expect(rows.map((r) => r.id)).toEqual([fresh.id]);
    const entries = await s.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('draft_id', '=', d4!.id)
      .where('action', 'like', 'decision.%')
      .execute();
    expect(entries.map((e) => e.action)).toEqual(['decision.approve']);
    const late = decision(d1!.id, { action: 'reject', reasons: ['tone'] });
    expect((await postDecisions(s, bob, [late]))[0]).toMatchObject({
      status: 'conflict',
      decidedBy: 'ann',
      draftStatus: 'approved',
    });

    const results = await postDecisions(s, bob, [
      decision(d2!.id, { action: 'edit', reasons: ['tone'] }),
      decision(d2!.id, { action: 'edit', content: { text: 'wrong kind' }, reasons: ['tone'] }),
      decision(d2!.id, {
        action: 'edit',
        content: { subject: 'A question for Acme', body: 'Hi Pat,\nShorter.\nBest,\nSam' },
      }),
      decision(d2!.id, { action: 'reject' }),
      decision(d2!.id, { action: 'reject', reasons: [] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(results[0]!.error).toMatch(/content/);
    expect(results[2]!.error).toMatch(/reason/);
    const edit = decision(d2!.id, {
      action: 'edit',
      reasons: ['too_long'],
      content: { subject: 'A question for Acme', body: 'Hi Pat,\nShorter note for Acme.\nBest,\nSam' },
      dwellMs: 4200,
    });
    expect((await postDecisions(s, bob, [edit]))[0]!.status).toBe('applied');
    const got = await json<
      Draft & { decisions: Array<{ status: string; diff: string | null; dwellMs: number | null }> }
    >(s.api(`/v1/drafts/${d2!.id}`, { token: pipe }));
    expect(got.status).toBe('approved');
    expect(got.final).toEqual(edit.content);
    const applied = got.decisions.find((x) => x.status === 'applied')!;
    expect(applied.diff).toBe(
      '  Subject: A question for Acme\n  \n  Hi Pat,\n- A short note about Acme.\n+ Shorter note for Acme.\n  Best,\n  Sam',
    );
    expect(applied.dwellMs).toBe(4200);
    expect(got.decisions).toHaveLength(6);

    expect(
      (await postDecisions(s, ann, [decision(d3!.id, { action: 'reject', reasons: ['wrong_facts'] })]))[0]!.status,
    ).toBe('applied');
    const rejected = await json<Draft>(s.api(`/v1/drafts/${d3!.id}`, { token: pipe }));
    expect(rejected).toMatchObject({ status: 'rejected', final: null, decidedBy: 'ann' });
    expect((await postDecisions(s, ann, [decision('no-such-draft')]))[0]).toMatchObject({
      status: 'rejected',
      error: 'unknown draft',
    });
  });

  it('visibility: owner, specialist and admin queues; deciding an invisible draft is rejected', async () => {
    const [own, legal, plain] = await postDrafts(s, pipe, [
      draftIn({ account: { name: 'Acme', tier: 'named', ownerId: 'olly' } }),
      draftIn({ content: { subject: 'Acme', body: 'Please sign the NDA for Acme.\nBest, Sam' } }),
      draftIn(),
    ]);
    expect(legal!.queue).toBe('specialist:legal');
    const ids = async (t: string) => (await json<QueueOut>(s.api('/v1/queue', { token: t }))).items.map((d) => d.id);
    const annQ = await ids(ann);
    expect(annQ).toContain(plain!.id);
    expect(annQ).not.toContain(own!.id);
    expect(annQ).not.toContain(legal!.id);
    expect(await ids(olly)).toEqual(expect.arrayContaining([own!.id, plain!.id]));
    expect(await ids(lena)).toEqual(expect.arrayContaining([legal!.id, plain!.id]));
    expect(await ids(lena)).not.toContain(own!.id);
    expect(await ids(admin)).toEqual(expect.arrayContaining([own!.id, legal!.id, plain!.id]));
    const [r1, r2] = await postDecisions(s, ann, [decision(own!.id), decision(legal!.id)]);
    expect(r1).toMatchObject({ status: 'rejected', error: 'this draft is not visible to you' });
    expect(r2!.status).toBe('rejected');
    expect((await s.api(`/v1/drafts/${own!.id}`, { token: ann })).status).toBe(404);
    expect((await s.api(`/v1/drafts/${own!.id}`, { token: olly })).status).toBe(200);
    expect((await postDecisions(s, lena, [decision(legal!.id)]))[0]!.status).toBe('applied');
  });

  it('two-person rule needs two different people', async () => {
    const [d] = await postDrafts(s, pipe, [
      draftIn({ account: { name: 'Acme', tier: 'named', ownerId: 'olly', dealValue: 500_000 } }),
    ]);
    expect(d!.secondReview).toBe(true);
    expect((await postDecisions(s, olly, [decision(d!.id)]))[0]!.status).toBe('applied');
    let got = await json<Draft>(s.api(`/v1/drafts/${d!.id}`, { token: admin }));
    expect(got).toMatchObject({ status: 'awaiting_second', approvedBy: ['olly'] });
    const again = await postDecisions(s, olly, [decision(d!.id)]);
    expect(again[0]).toMatchObject({
      status: 'rejected',
      error: 'the second approval must come from a different person',
    });
    expect((await postDecisions(s, admin, [decision(d!.id)]))[0]!.status).toBe('applied');
    got = await json<Draft>(s.api(`/v1/drafts/${d!.id}`, { token: admin }));
    expect(got).toMatchObject({ status: 'approved', approvedBy: ['olly', 'root'], decidedBy: 'root' });
  });

  it('escalate re-routes with the note', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn({ account: { name: 'Acme', ownerId: 'olly' } })]);
    expect(d!.queue).toBe('review');
    const e = decision(d!.id, { action: 'escalate', note: 'They asked about the renewal' });
    expect((await postDecisions(s, ann, [e]))[0]!.status).toBe('applied');
    const got = await json<Draft>(s.api(`/v1/drafts/${d!.id}`, { token: admin }));
    expect(got).toMatchObject({
      status: 'escalated',
      queue: 'owner',
      assignee: 'olly',
      escalationNote: 'They asked about the renewal',
    });
    expect(got.reasons.at(-1)).toBe('escalated by ann to the account owner olly: They asked about the renewal');
    const q = await json<QueueOut>(s.api('/v1/queue', { token: olly }));
    expect(q.items.map((x) => x.id)).toContain(d!.id);
    const toLegal = decision(d!.id, { action: 'escalate', escalateTo: { kind: 'specialist', specialty: 'legal' } });
    expect((await postDecisions(s, olly, [toLegal]))[0]!.status).toBe('applied');
    expect((await postDecisions(s, lena, [decision(d!.id)]))[0]!.status).toBe('applied');
  });

  it('two reviewers racing on the same drafts: exactly one applied per draft', async () => {
    const drafts = await postDrafts(
      s,
      pipe,
      Array.from({ length: 10 }, () => draftIn()),
    );
    const [ra, rb] = await Promise.all([
      postDecisions(
        s,
        ann,
        drafts.map((d) => decision(d.id)),
      ),
      postDecisions(
        s,
        bob,
        drafts.map((d) => decision(d.id, { action: 'reject', reasons: ['tone'] })),
      ),
    ]);
    for (let i = 0; i < drafts.length; i++) {
      const statuses = [ra[i]!.status, rb[i]!.status].sort();
      expect(statuses).toEqual(['applied', 'conflict']);
    }
    const rows = await s.store.db
      .selectFrom('decisions')
      .select(['draft_id', 'status'])
      .where(
        'draft_id',
        'in',
        drafts.map((d) => d.id),
      )
      .execute();
    expect(rows.filter((r) => r.status === 'applied')).toHaveLength(10);
    expect(rows).toHaveLength(20);
  });

  it('the same batch delivered three times concurrently has one effect', async () => {
    const drafts = await postDrafts(
      s,
      pipe,
      Array.from({ length: 8 }, () => draftIn()),
    );
    const batch = drafts.map((d, i) =>
      i % 2
        ? decision(d.id)
        : decision(d.id, {
            action: 'edit',
            reasons: ['tone'],
            content: { subject: 'Acme', body: `Edited ${i} for Acme.` },
          }),
    );
    const all = await Promise.all([1, 2, 3].map(() => postDecisions(s, ann, batch)));
    for (let i = 0; i < batch.length; i++)
      expect(all.map((r) => r[i]!.status).sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    const n = await s.store.db
      .selectFrom('decisions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(
        'id',
        'in',
        batch.map((b) => b.id),
      )
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(batch.length);
    const audits = await s.store.db
      .selectFrom('audit_log')
      .select('draft_id')
      .where(
        'draft_id',
        'in',
        drafts.map((d) => d.id),
      )
      .where('action', 'like', 'decision.%')
      .execute();
    expect(audits).toHaveLength(batch.length);
  });

  it('pull: first sync, incremental changes, removes, paging and a cursor it did not issue', async () => {
    // Dave is a fresh reviewer; the drafts below are the only new changes after his first cursor.
    const dave = await s.token('reviewer', { user: 'dave' });
    const first = await json<PullOut>(s.api('/v1/sync/pull?limit=1000', { token: dave }));
    expect(first.hasMore).toBe(false);
    expect(first.changes.every((c) => c.op === 'upsert')).toBe(true);
    const drafts = await postDrafts(
      s,
      pipe,
      Array.from({ length: 5 }, () => draftIn()),
    );
    const [ownerOnly] = await postDrafts(s, pipe, [
      draftIn({ account: { name: 'Acme', tier: 'named', ownerId: 'olly' } }),
    ]);
    let cursor = first.cursor;
    const seen: Change[] = [];
    for (let page = 0; page < 10; page++) {
      const p = await json<PullOut>(s.api(`/v1/sync/pull?since=${cursor}&limit=2`, { token: dave }));
      seen.push(...p.changes);
      cursor = p.cursor;
      if (!p.hasMore) break;
    }
    expect(seen.map((c) => (c.op === 'upsert' ? (c.draft as Draft).id : c.id))).toEqual(drafts.map((d) => d.id));
    expect(seen.map((c) => c.version)).toEqual([...seen.map((c) => c.version)].sort((a, b) => a - b));
    expect(seen.map((c) => c.op)).not.toContain('remove');
    void ownerOnly;
    // Ann decides one, escalates another away from Dave's queue: Dave gets two removes.
    await postDecisions(s, ann, [
      decision(drafts[0]!.id),
      decision(drafts[1]!.id, { action: 'escalate', escalateTo: { kind: 'admin' } }),
    ]);
    const next = await json<PullOut>(s.api(`/v1/sync/pull?since=${cursor}`, { token: dave }));
    expect(next.changes).toEqual([
      expect.objectContaining({ op: 'remove', id: drafts[0]!.id, status: 'approved', decidedBy: 'ann' }),
      expect.objectContaining({ op: 'remove', id: drafts[1]!.id, status: 'escalated' }),
    ]);
    // Nothing new: same cursor back, no changes.
    const idle = await json<PullOut>(s.api(`/v1/sync/pull?since=${next.cursor}`, { token: dave }));
    expect(idle).toEqual({ changes: [], cursor: next.cursor, hasMore: false });
    const bad = await s.api('/v1/sync/pull?since=not-a-cursor', { token: dave });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_input' } });
  });

  it('pull: a reader who missed the intermediate versions still gets the remove', async () => {
    const erin = await s.token('reviewer', { user: 'erin' });
    const [d] = await postDrafts(s, pipe, [draftIn({ account: { name: 'Acme', ownerId: 'olly' } })]);
    let cursor = '';
    for (;;) {
      const p = await json<PullOut>(
        s.api(`/v1/sync/pull?limit=1000${cursor ? `&since=${cursor}` : ''}`, { token: erin }),
      );
      cursor = p.cursor;
      if (!p.hasMore) break;
    }
    // Two changes after Erin's cursor: escalated to the owner, then settled by the owner.
    await postDecisions(s, ann, [decision(d!.id, { action: 'escalate', escalateTo: { kind: 'owner' } })]);
    await postDecisions(s, olly, [decision(d!.id, { action: 'reject', reasons: ['tone'] })]);
    const p = await json<PullOut>(s.api(`/v1/sync/pull?since=${cursor}`, { token: erin }));
    expect(p.changes).toContainEqual(
      expect.objectContaining({ op: 'remove', id: d!.id, status: 'rejected', decidedBy: 'olly' }),
    );
  });

  it('pull under concurrent writers never skips a change', async () => {
    const carl = await s.token('reviewer', { user: 'carl' });
    let cursor = (await json<PullOut>(s.api('/v1/sync/pull?limit=1000', { token: carl }))).cursor;
    while (true) {
      const p = await json<PullOut>(s.api(`/v1/sync/pull?since=${cursor}&limit=1000`, { token: carl }));
      cursor = p.cursor;
      if (!p.hasMore) break;
    }
    const got = new Set<string>();
    let done = false;
    const writers = Promise.all(
      Array.from({ length: 8 }, async () => {
        const r = await postDrafts(
          s,
          pipe,
          Array.from({ length: 10 }, () => draftIn()),
        );
        return r.map((d) => d.id);
      }),
    ).finally(() => {
      done = true;
    });
    const reader = (async () => {
      for (;;) {
        const finished = done;
        const p = await json<PullOut>(s.api(`/v1/sync/pull?since=${cursor}&limit=7`, { token: carl }));
        for (const c of p.changes) if (c.op === 'upsert') got.add((c.draft as Draft).id);
        cursor = p.cursor;
        if (finished && !p.hasMore) break;
      }
    })();
    const ids = (await writers).flat();
    await reader;
    for (const id of ids) expect(got.has(id)).toBe(true);
  });

  it('drafts list for the pipeline: by status and cursor; canaries never returned', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    await postDecisions(s, ann, [decision(d!.id)]);
    // A canary planted by governance, copying the draft.
    const src = await s.store.db.selectFrom('drafts').selectAll().where('id', '=', d!.id).executeTakeFirstOrThrow();
    await s.store.write(async (trx, v) => {
      await trx
        .insertInto('drafts')
        .values({
          ...src,
          id: `canary-${d!.id}`,
          external_id: `canary-${d!.id}`,
          canary: true,
          canary_of: d!.id,
          version: v.next(),
        })
        .execute();
    });
    const list = await json<{ drafts: Draft[]; cursor: string; hasMore: boolean }>(
      s.api('/v1/drafts?status=approved&limit=1000', { token: pipe }),
    );
    expect(list.drafts.every((x) => x.status === 'approved')).toBe(true);
    expect(list.drafts.map((x) => x.id)).toContain(d!.id);
    expect(list.drafts.map((x) => x.id)).not.toContain(`canary-${d!.id}`);
    expect((await s.api(`/v1/drafts/canary-${d!.id}`, { token: pipe })).status).toBe(404);
    const after = await json<{ drafts: Draft[] }>(s.api(`/v1/drafts?since=${list.cursor}`, { token: pipe }));
    expect(after.drafts.map((x) => x.id)).not.toContain(d!.id);
    expect((await s.api('/v1/drafts?status=bogus', { token: pipe })).status).toBe(400);
  });

  it('outcomes are recorded; the audit log has tokens, drafts, decisions; a revoked token is refused', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    const r = await json<{ results: Array<{ status: string }> }>(
      s.api('/v1/outcomes', {
        token: pipe,
        body: {
          outcomes: [
            { draftId: d!.id, correct: false, source: 'customer' },
            { draftId: 'nope', correct: true, source: 'qa' },
          ],
        },
      }),
    );
    expect(r.results.map((x) => x.status)).toEqual(['recorded', 'not_found']);
    const temp = await s.token('reviewer', { user: 'temp' });
    const tokenId = (
      await s.store.db.selectFrom('tokens').select('id').where('user_id', '=', 'temp').executeTakeFirstOrThrow()
    ).id;
    expect(await revokeToken(s.store, tokenId, 'root')).toBe(true);
    const refused = await s.api('/v1/me', { token: temp });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: { code: 'unauthorized', message: 'Unknown or revoked access token' },
    });
    const entries: AuditOut['entries'] = [];
    let cursor = '';
    for (;;) {
      const page = await json<AuditOut>(
        s.api(`/v1/audit?limit=500${cursor ? `&since=${cursor}` : ''}`, { token: admin }),
      );
      entries.push(...page.entries);
      if (page.entries.length < 500) break;
      cursor = page.cursor!;
    }
    const actions = new Set(entries.map((e) => e.action));
    for (const a of [
      'token.create',
      'token.revoke',
      'draft.create',
      'draft.auto_approve',
      'decision.approve',
      'decision.edit',
      'decision.reject',
      'decision.escalate',
      'decision.conflict',
      'policy.update',
      'outcome.record',
    ])
      expect(actions).toContain(a);
    const created = entries.find((e) => e.action === 'draft.create' && e.draftId === d!.id)!;
    expect(created.original).toEqual(
      d && { subject: 'A question for Acme', body: 'Hi Pat,\nA short note about Acme.\nBest,\nSam' },
    );
    expect(created.reasons.length).toBeGreaterThan(0);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));
    // No token ever lands in the log.
    expect(JSON.stringify(entries)).not.toContain(temp);
  });
});
