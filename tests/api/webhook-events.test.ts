import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebhookCreated, WebhookEvent, type WebhookEventType } from '../../lib/shared/schema';
import { expireDrafts } from '../../server/service/expiry';
import { webhookDb } from '../../server/store/webhooks';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { startTestServer, TEST_DBS, type TestServer } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// Issue 14: every event is written to the outbox in the same transaction as its change, so it
// exists exactly when the change committed. Each case makes the outbox refuse the event once (a
// trigger on the real table, for one workflow and event type): the change must not commit either.
// Then the same change goes through: exactly one event, delivered once to a real receiver.

const ALL: WebhookEventType[] = [
  'draft.decided',
  'draft.escalated',
  'draft.expired',
  'draft.sent',
  'draft.auto_approved',
  'draft.audit_failed',
];

describe.each(TEST_DBS)('each webhook event exists exactly when its change committed, on %s', (db) => {
  let s: TestServer;
  let admin: string;
  let pipe: string;
  let ann: string;
  let receiver: Receiver;
  let sub: WebhookCreated;

  beforeAll(async () => {
    s = await startTestServer(db, { webhooks: { retryDelaysMs: [150], timeoutMs: 2_000, idlePollMs: 200 } });
    admin = await s.token('admin', { user: 'root' });
    pipe = await s.token('pipeline', { user: 'pipe' });
    ann = await s.token('reviewer', { user: 'ann' });
    receiver = await startReceiver();
    const r = await s.api('/v1/webhooks', { token: admin, body: { url: receiver.url, events: ALL } });
    expect(r.status).toBe(201);
    sub = (await r.json()) as WebhookCreated;
    // The outbox refuses events listed in outbox_refuse (a test-only table in the test database).
    await sql`create table outbox_refuse (workflow text not null, type text not null)`.execute(s.store.db);
    if (db === 'postgres') {
      await sql
        .raw(`create function outbox_refuse() returns trigger language plpgsql as $$
          begin
            if exists (select 1 from outbox_refuse where workflow = new.workflow and type = new.type) then
              raise exception 'outbox refused %', new.type;
            end if;
            return new;
          end $$`)
        .execute(s.store.db);
      await sql`create trigger outbox_refuse before insert on webhook_events for each row execute function outbox_refuse()`.execute(
        s.store.db,
      );
    } else
      await sql
        .raw(`create trigger outbox_refuse before insert on webhook_events
          when exists (select 1 from outbox_refuse where workflow = new.workflow and type = new.type)
          begin select raise(abort, 'outbox refused'); end`)
        .execute(s.store.db);
  });
  afterAll(async () => {
    await receiver?.close();
    await s?.close();
  });

  const refuse = (workflow: string, type: WebhookEventType) =>
    sql`insert into outbox_refuse (workflow, type) values (${workflow}, ${type})`.execute(s.store.db);
  const allow = (workflow: string) => sql`delete from outbox_refuse where workflow = ${workflow}`.execute(s.store.db);
  const eventsOf = async (draftId: string) =>
    (
      await webhookDb(s.store.db)
        .selectFrom('webhook_events')
        .select(['id', 'type'])
        .where('draft_id', '=', draftId)
        .orderBy('created_at')
        .execute()
    ).map((e) => e.type);
  const draft = (id: string) => json<Record<string, unknown>>(s.api(`/v1/drafts/${id}`, { token: pipe }));
  const newWorkflow = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  /** The receiver got exactly these events of the draft, each once, signed. */
  async function delivered(draftId: string, types: WebhookEventType[]) {
    const of = () =>
      receiver.received
        .map((r) => ({
          id: r.headers['webhook-id'],
          e: WebhookEvent.parse(new Webhook(sub.secret).verify(r.body, r.headers)),
        }))
        .filter((x) => x.e.data.draft.id === draftId);
    await expect.poll(() => of().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(types.length);
    await new Promise((r) => setTimeout(r, 300));
    const got = of();
    expect(got.map((x) => x.e.type)).toEqual(types);
    expect(new Set(got.map((x) => x.id)).size).toBe(types.length);
    return got.map((x) => x.e);
  }

  it('draft.auto_approved: with the ingest, or not at all', async () => {
    const wf = newWorkflow('auto');
    expect(
      (await s.api(`/v1/workflows/${wf}`, { method: 'PUT', token: admin, body: { level: 'review_exceptions' } }))
        .status,
    ).toBe(200);
    const input = draftIn({ workflow: wf, confidence: 0.99 });
    await refuse(wf, 'draft.auto_approved');
    const failed = await s.api('/v1/drafts', { token: pipe, body: { drafts: [input] } });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const stored = await s.store.db
      .selectFrom('drafts')
      .select('id')
      .where('external_id', '=', input.externalId)
      .execute();
    expect(stored).toHaveLength(0);
    await allow(wf);
    const [d] = await postDrafts(s, pipe, [input]);
    expect(d!.status).toBe('auto_approved');
    // Idempotent re-post: no second event.
    await postDrafts(s, pipe, [input]);
    expect(await eventsOf(d!.id)).toEqual(['draft.auto_approved']);
    await delivered(d!.id, ['draft.auto_approved']);
  });

  it('draft.decided and draft.escalated: with the decision, or not at all (a duplicate adds none)', async () => {
    const wf = newWorkflow('decide');
    const [a, b] = await postDrafts(s, pipe, [draftIn({ workflow: wf }), draftIn({ workflow: wf })]);
    const approve = decision(a!.id);
    const escalate = decision(b!.id, { action: 'escalate', escalateTo: { kind: 'admin' } });
    await refuse(wf, 'draft.decided');
    await refuse(wf, 'draft.escalated');
    for (const d of [approve, escalate]) {
      const r = await s.api('/v1/decisions', { token: ann, body: { decisions: [d] } });
      expect(r.status).toBeGreaterThanOrEqual(500);
    }
    expect(await draft(a!.id)).toMatchObject({ status: 'pending', decisions: [] });
    expect(await draft(b!.id)).toMatchObject({ status: 'pending', decisions: [] });
    expect(await eventsOf(a!.id)).toEqual([]);
    expect(await eventsOf(b!.id)).toEqual([]);
    await allow(wf);
    expect((await postDecisions(s, ann, [approve, escalate])).map((r) => r.status)).toEqual(['applied', 'applied']);
    expect((await postDecisions(s, ann, [approve]))[0]!.status).toBe('duplicate');
    // A decision that loses (conflict) changes nothing and adds no event.
    expect((await postDecisions(s, admin, [decision(a!.id, { action: 'reject', reasons: ['tone'] })]))[0]!.status).toBe(
      'conflict',
    );
    expect(await eventsOf(a!.id)).toEqual(['draft.decided']);
    expect(await eventsOf(b!.id)).toEqual(['draft.escalated']);
    const [decided] = await delivered(a!.id, ['draft.decided']);
    expect(decided!.data.decision).toMatchObject({ id: approve.id, action: 'approve' });
    await delivered(b!.id, ['draft.escalated']);
  });

  it('draft.audit_failed: with the audit decision or the audit outcome, or not at all', async () => {
    const wf = newWorkflow('audit');
    expect(
      (
        await s.api(`/v1/workflows/${wf}`, {
          method: 'PUT',
          token: admin,
          body: { level: 'review_exceptions', auditSampleRate: 1 },
        })
      ).status,
    ).toBe(200);
    const [byDecision, byOutcome, fine] = await postDrafts(s, pipe, [
      draftIn({ workflow: wf, confidence: 0.99 }),
      draftIn({ workflow: wf, confidence: 0.99 }),
      draftIn({ workflow: wf, confidence: 0.99 }),
    ]);
    expect([byDecision!.status, byOutcome!.status, fine!.status]).toEqual([
      'auto_approved',
      'auto_approved',
      'auto_approved',
    ]);
    const audit = decision(byDecision!.id, { action: 'reject', reasons: ['factual_error'] });
    const outcome = { draftId: byOutcome!.id, correct: false, source: 'audit', note: 'wrong price' };
    await refuse(wf, 'draft.audit_failed');
    expect((await s.api('/v1/decisions', { token: ann, body: { decisions: [audit] } })).status).toBeGreaterThanOrEqual(
      500,
    );
    expect((await s.api('/v1/outcomes', { token: pipe, body: { outcomes: [outcome] } })).status).toBeGreaterThanOrEqual(
      500,
    );
    expect(await draft(byDecision!.id)).toMatchObject({ status: 'auto_approved', decisions: [] });
    expect(
      await s.store.db.selectFrom('outcomes').select('draft_id').where('draft_id', '=', byOutcome!.id).execute(),
    ).toHaveLength(0);
    await allow(wf);
    expect((await postDecisions(s, ann, [audit]))[0]!.status).toBe('applied');
    expect((await s.api('/v1/outcomes', { token: pipe, body: { outcomes: [outcome] } })).status).toBe(200);
    // An audit that finds the draft right is no failure.
    await s.api('/v1/outcomes', {
      token: pipe,
      body: { outcomes: [{ draftId: fine!.id, correct: true, source: 'audit' }] },
    });
    expect(await eventsOf(byDecision!.id)).toEqual(['draft.auto_approved', 'draft.audit_failed']);
    expect(await eventsOf(byOutcome!.id)).toEqual(['draft.auto_approved', 'draft.audit_failed']);
    expect(await eventsOf(fine!.id)).toEqual(['draft.auto_approved']);
    const [, failed] = await delivered(byDecision!.id, ['draft.auto_approved', 'draft.audit_failed']);
    expect(failed!.data.decision).toMatchObject({ id: audit.id, action: 'reject' });
    await delivered(byOutcome!.id, ['draft.auto_approved', 'draft.audit_failed']);
  });

  it('draft.expired: with the expiry, or not at all', async () => {
    const wf = newWorkflow('expire');
    const now = Date.now();
    const [d] = await postDrafts(s, pipe, [
      draftIn({
        workflow: wf,
        trigger: {
          kind: 'job_change',
          occurredAt: new Date(now - 3_600_000).toISOString(),
          expiresAt: new Date(now + 3_600_000).toISOString(),
        },
      }),
    ]);
    const later = new Date(now + 2 * 3_600_000);
    await refuse(wf, 'draft.expired');
    await expect(expireDrafts(s.store, later)).rejects.toThrow(/outbox refused/);
    expect(await draft(d!.id)).toMatchObject({ status: 'pending' });
    expect(await eventsOf(d!.id)).toEqual([]);
    await allow(wf);
    expect(await expireDrafts(s.store, later)).toContain(d!.id);
    expect(await expireDrafts(s.store, later)).not.toContain(d!.id);
    expect(await eventsOf(d!.id)).toEqual(['draft.expired']);
    const [expired] = await delivered(d!.id, ['draft.expired']);
    expect(expired!.data.draft.status).toBe('expired');
  });

  it('draft.sent: with the stored `sent` (the event carries it), or not at all', async () => {
    const wf = newWorkflow('sent');
    const [d] = await postDrafts(s, pipe, [draftIn({ workflow: wf })]);
    const approve = decision(d!.id);
    expect((await postDecisions(s, ann, [approve]))[0]!.status).toBe('applied');
    const end = {
      kind: 'end',
      id: randomUUID(),
      draftId: d!.id,
      decisionId: approve.id,
      end: 'sent',
      content: {
        subject: 'A question for Acme',
        body: 'Hi Pat,\nA short note about Acme, typed in Gmail.\nBest,\nSam',
      },
      at: new Date().toISOString(),
    };
    await refuse(wf, 'draft.sent');
    expect((await s.api('/v1/page-reports', { token: ann, body: { reports: [end] } })).status).toBeGreaterThanOrEqual(
      500,
    );
    expect((await draft(d!.id)).sent).toBeUndefined();
    expect(await eventsOf(d!.id)).toEqual(['draft.decided']);
    await allow(wf);
    const ok = await json<{ results: Array<{ status: string }> }>(
      s.api('/v1/page-reports', { token: ann, body: { reports: [end] } }),
    );
    expect(ok.results[0]!.status).toBe('applied');
    // A second report (another end) does not send it twice.
    await s.api('/v1/page-reports', { token: ann, body: { reports: [{ ...end, id: randomUUID() }] } });
    expect(await eventsOf(d!.id)).toEqual(['draft.decided', 'draft.sent']);
    const [, sent] = await delivered(d!.id, ['draft.decided', 'draft.sent']);
    const read = await draft(d!.id);
    expect(read.sent).toMatchObject({ editedInPage: true, how: 'sent' });
    // The event's draft is the draft as GET returns it, `sent` included.
    expect(sent!.data.draft.sent).toEqual(read.sent);
  });
});
