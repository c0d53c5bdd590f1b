import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebhookCreated, type WebhookDelivery, WebhookEvent } from '../../lib/shared/schema';
import { startServer } from '../../server/main';
import { openSecret, sealSecret } from '../../server/service/webhooks/secrets';
import {
  DEFAULT_RETRY_DELAYS_MS,
  resolveWorkerOptions,
  retryDelay,
  startWebhookWorker,
} from '../../server/service/webhooks/worker';
import { webhookDb } from '../../server/store/webhooks';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { freshDatabase, startTestServer, TEST_DBS, type TestServer } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

/** Fast retries for tests; the contract's schedule is checked on its own below. */
const FAST = { retryDelaysMs: [150], timeoutMs: 2_000, idlePollMs: 200 };

async function subscribe(s: TestServer, token: string, url: string, events?: string[], workflows?: string[]) {
  const r = await s.api('/v1/webhooks', {
    token,
    body: {
      url,
      events: events ?? [
        'draft.decided',
        'draft.escalated',
        'draft.expired',
        'draft.sent',
        'draft.auto_approved',
        'draft.audit_failed',
      ],
      ...(workflows ? { workflows } : {}),
    },
  });
  expect(r.status).toBe(201);
  return (await r.json()) as WebhookCreated;
}

function verify(secret: string, r: { headers: Record<string, string>; body: string }) {
  return WebhookEvent.parse(new Webhook(secret).verify(r.body, r.headers));
}

describe.each(TEST_DBS)('webhooks on %s', (db) => {
  let s: TestServer;
  let admin: string;
  let pipe: string;
  let ann: string;
  let receiver: Receiver;

  beforeAll(async () => {
    s = await startTestServer(db, { webhooks: FAST });
    admin = await s.token('admin', { user: 'root' });
    pipe = await s.token('pipeline', { user: 'pipe' });
    ann = await s.token('reviewer', { user: 'ann' });
  });
  afterAll(async () => {
    await s?.close();
  });
  afterEach(async () => {
    await receiver?.close();
    // Each test starts without subscriptions.
    for (const w of (await json<{ webhooks: Array<{ id: string }> }>(s.api('/v1/webhooks', { token: admin }))).webhooks)
      await s.api(`/v1/webhooks/${w.id}`, { method: 'DELETE', token: admin });
  });

  it('admin API: create (secret once), validate URLs, list without secrets, delete; admins only', async () => {
    receiver = await startReceiver();
    const created = await subscribe(s, admin, receiver.url, ['draft.decided'], ['outbound-email']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(created).toMatchObject({ url: receiver.url, events: ['draft.decided'], workflows: ['outbound-email'] });

    for (const url of [
      'ftp://example.com/x',
      'http://user:pw@example.com/hook',
      'not a url',
      'javascript:alert(1)',
      'https://example.com/#frag',
    ]) {
      const r = await s.api('/v1/webhooks', { token: admin, body: { url, events: ['draft.decided'] } });
      expect(r.status, url).toBe(400);
    }
    expect(
      (await s.api('/v1/webhooks', { token: admin, body: { url: receiver.url, events: ['draft.nope'] } })).status,
    ).toBe(400);
    expect(
      (await s.api('/v1/webhooks', { token: pipe, body: { url: receiver.url, events: ['draft.decided'] } })).status,
    ).toBe(403);
    expect((await s.api('/v1/webhooks', { token: ann })).status).toBe(403);

    const listed = await json<{ webhooks: Array<Record<string, unknown>> }>(s.api('/v1/webhooks', { token: admin }));
    expect(listed.webhooks).toHaveLength(1);
    expect(listed.webhooks[0]).toMatchObject({ id: created.id, url: receiver.url });
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(6, 30));
    // Stored so it can sign, not as shown (sealed when a server key is set: see the secrets test).
    const stored = await webhookDb(s.store.db)
      .selectFrom('webhook_subscriptions')
      .select('secret')
      .executeTakeFirstOrThrow();
    expect(openSecret(stored.secret)).toBe(created.secret);

    expect((await s.api(`/v1/webhooks/${created.id}`, { method: 'DELETE', token: admin })).status).toBe(200);
    expect((await s.api(`/v1/webhooks/${created.id}`, { method: 'DELETE', token: admin })).status).toBe(404);
    expect((await s.api(`/v1/webhooks/${created.id}/deliveries`, { token: admin })).status).toBe(404);
  });

  it('a decision is delivered signed (standardwebhooks verifies it) with the draft as GET returns it', async () => {
    receiver = await startReceiver();
    const sub = await subscribe(s, admin, receiver.url);
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    const edited = { subject: 'A question for Acme', body: 'Hi Pat, edited.' };
    const dec = decision(d!.id, { action: 'edit', content: edited, reasons: ['tone'] });
    expect((await postDecisions(s, ann, [dec]))[0]!.status).toBe('applied');

    const [got] = await receiver.until((r) => r.length >= 1);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['webhook-id']).toMatch(/^msg_/);
    expect(got!.headers['webhook-signature']).toMatch(/^v1,/);
    const event = verify(sub.secret, got!);
    expect(event.type).toBe('draft.decided');
    expect(event.data.draft).toMatchObject({ id: d!.id, status: 'approved', final: edited });
    expect(event.data.decision).toMatchObject({ id: dec.id, action: 'edit', status: 'applied' });
    // The same draft the pipeline reads.
    const read = await json<Record<string, unknown>>(s.api(`/v1/drafts/${d!.id}`, { token: pipe }));
    expect({ ...event.data.draft, priorityReason: null }).toEqual({ ...read, priorityReason: null });
    // A wrong secret or a changed body does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got!.body, got!.headers),
    ).toThrow();
    expect(() => new Webhook(sub.secret).verify(got!.body.replace('approved', 'rejected'), got!.headers)).toThrow();

    const { deliveries } = await json<{ deliveries: WebhookDelivery[] }>(
      s.api(`/v1/webhooks/${sub.id}/deliveries`, { token: admin }),
    );
    await expect
      .poll(async () => {
        const r = await json<{ deliveries: WebhookDelivery[] }>(
          s.api(`/v1/webhooks/${sub.id}/deliveries`, { token: admin }),
        );
        return r.deliveries[0]?.state;
      })
      .toBe('delivered');
    expect(deliveries[0]).toMatchObject({ eventId: got!.headers['webhook-id'], type: 'draft.decided', draftId: d!.id });
  });

  it('events: auto_approved on ingest, escalated, rejected, audit_failed; filtered by event type and workflow', async () => {
    receiver = await startReceiver();
    const all = await subscribe(s, admin, receiver.url);
    const other = await startReceiver();
    try {
      const onlyRejected = await subscribe(s, admin, other.url, ['draft.decided'], ['another-workflow']);
      const put = await s.api('/v1/workflows/auto-wf', {
        method: 'PUT',
        token: admin,
        body: { level: 'review_exceptions', auditSampleRate: 1 },
      });
      expect(put.status).toBe(200);
      const [auto] = await postDrafts(s, pipe, [draftIn({ workflow: 'auto-wf', confidence: 0.99 })]);
      expect(auto!.status).toBe('auto_approved');
      const [esc, rej] = await postDrafts(s, pipe, [draftIn(), draftIn()]);
      await postDecisions(s, ann, [
        decision(esc!.id, { action: 'escalate', note: 'pricing question' }),
        decision(rej!.id, { action: 'reject', reasons: ['wrong_person'] }),
      ]);
      // The audit check of the auto-approved draft finds it wrong.
      const audit = decision(auto!.id, { action: 'reject', reasons: ['factual_error'] });
      expect((await postDecisions(s, ann, [audit]))[0]!.status).toBe('applied');

      await receiver.until((r) => r.length >= 4);
      const events = receiver.received.map((r) => verify(all.secret, r));
      const byDraft = (id: string) => events.filter((e) => e.data.draft.id === id).map((e) => e.type);
      expect(byDraft(auto!.id)).toEqual(['draft.auto_approved', 'draft.audit_failed']);
      expect(byDraft(esc!.id)).toEqual(['draft.escalated']);
      expect(byDraft(rej!.id)).toEqual(['draft.decided']);
      const failed = events.find((e) => e.type === 'draft.audit_failed')!;
      expect(failed.data.decision).toMatchObject({ id: audit.id, action: 'reject', reasons: ['factual_error'] });
      expect(events.find((e) => e.type === 'draft.decided')!.data.draft).toMatchObject({
        status: 'rejected',
        final: null,
      });
      // Nothing for the subscription of another workflow.
      await new Promise((r) => setTimeout(r, 300));
      expect(other.received).toHaveLength(0);
      const { deliveries } = await json<{ deliveries: WebhookDelivery[] }>(
        s.api(`/v1/webhooks/${onlyRejected.id}/deliveries`, { token: admin }),
      );
      expect(deliveries).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('a receiver that fails twice then succeeds gets the same webhook-id three times; the deliveries list shows it', async () => {
    receiver = await startReceiver(({ n }) => (n < 2 ? 500 : 204));
    const sub = await subscribe(s, admin, receiver.url);
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    await postDecisions(s, ann, [decision(d!.id)]);
    const got = await receiver.until((r) => r.length >= 3);
    const ids = got.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    for (const r of got) expect(verify(sub.secret, r).data.draft.id).toBe(d!.id);
    // Retried after the (shortened) delay, not at once.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(140);
    await expect
      .poll(async () => {
        const r = await json<{ deliveries: WebhookDelivery[] }>(
          s.api(`/v1/webhooks/${sub.id}/deliveries`, { token: admin }),
        );
        return r.deliveries[0];
      })
      .toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 204, lastError: 'HTTP 500' });
    const list = await json<{ webhooks: Array<{ stats: Record<string, unknown> }> }>(
      s.api('/v1/webhooks', { token: admin }),
    );
    expect(list.webhooks[0]!.stats).toMatchObject({ delivered: 1, pending: 0, failed: 0, lastError: 'HTTP 500' });
  });

  it('a receiver that never answers is cut off after the timeout and tried again', async () => {
    receiver = await startReceiver(({ n }) => (n === 0 ? 'hang' : 200));
    const sub = await subscribe(s, admin, receiver.url);
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    const t0 = Date.now();
    await postDecisions(s, ann, [decision(d!.id)]);
    // The server keeps answering while the receiver hangs.
    const health = Date.now();
    expect((await s.api('/v1/health')).status).toBe(200);
    expect(Date.now() - health).toBeLessThan(1_000);
    const got = await receiver.until((r) => r.length >= 2);
    expect(got[0]!.headers['webhook-id']).toBe(got[1]!.headers['webhook-id']);
    // FAST.timeoutMs (2 s) + the retry delay.
    expect(got[1]!.at - t0).toBeGreaterThanOrEqual(FAST.timeoutMs);
    await expect
      .poll(
        async () =>
          (await json<{ deliveries: WebhookDelivery[] }>(s.api(`/v1/webhooks/${sub.id}/deliveries`, { token: admin })))
            .deliveries[0],
      )
      .toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it("one draft's events arrive in order, even when the first one needs retries", async () => {
    // Every first attempt of a draft.decided fails: the escalation before it must stay first, and
    // the decision after it must wait for it.
    const firstTry = new Set<string>();
    receiver = await startReceiver(({ headers }) => {
      const id = headers['webhook-id']!;
      if (firstTry.has(id)) return 200;
      firstTry.add(id);
      return 503;
    });
    const sub = await subscribe(s, admin, receiver.url);
    const drafts = await postDrafts(s, pipe, [draftIn(), draftIn(), draftIn()]);
    for (const d of drafts)
      await postDecisions(s, ann, [decision(d.id, { action: 'escalate', escalateTo: { kind: 'admin' } })]);
    for (const d of drafts) await postDecisions(s, admin, [decision(d.id)]);
    await receiver.until((r) => r.filter((x) => x.status === 200).length >= 6);
    const delivered = receiver.received.filter((r) => r.status === 200).map((r) => verify(sub.secret, r));
    for (const d of drafts)
      expect(delivered.filter((e) => e.data.draft.id === d.id).map((e) => e.type)).toEqual([
        'draft.escalated',
        'draft.decided',
      ]);
    // Order of all attempts per draft: never a later event before an earlier one was settled.
    for (const d of drafts) {
      const seq = receiver.received.map((r) => verify(sub.secret, r)).filter((e) => e.data.draft.id === d.id);
      const firstDecided = seq.findIndex((e) => e.type === 'draft.decided');
      expect(seq.slice(firstDecided).every((e) => e.type === 'draft.decided')).toBe(true);
    }
  });

  it('a failed delivery can be retried by hand (same webhook-id)', async () => {
    receiver = await startReceiver(() => 500);
    const sub = await subscribe(s, admin, receiver.url);
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    await postDecisions(s, ann, [decision(d!.id)]);
    await receiver.until((r) => r.length >= 1);
    // Retries ran out (as after 24 h):
    await webhookDb(s.store.db)
      .updateTable('webhook_deliveries')
      .set({ give_up_at: new Date(0).toISOString() })
      .execute();
    await expect
      .poll(
        async () =>
          (
            await json<{ deliveries: WebhookDelivery[] }>(
              s.api(`/v1/webhooks/${sub.id}/deliveries?state=failed`, { token: admin }),
            )
          ).deliveries.length,
      )
      .toBe(1);
    const before = receiver.received.length;
    receiver.behaviour = () => 200;
    const [failed] = (
      await json<{ deliveries: WebhookDelivery[] }>(s.api(`/v1/webhooks/${sub.id}/deliveries`, { token: admin }))
    ).deliveries;
    const r = await s.api(`/v1/webhooks/${sub.id}/deliveries/${failed!.id}/retry`, {
      method: 'POST',
      token: admin,
      body: {},
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ state: 'pending' });
    const got = await receiver.until((x) => x.length > before);
    expect(got.at(-1)!.headers['webhook-id']).toBe(failed!.eventId);
    expect(
      (await s.api(`/v1/webhooks/${sub.id}/deliveries/999999/retry`, { method: 'POST', token: admin, body: {} }))
        .status,
    ).toBe(404);
  });

  it('GET /v1/drafts/{id}?wait= answers as soon as the draft is decided, or when the wait is over', async () => {
    const [d, e] = await postDrafts(s, pipe, [draftIn(), draftIn()]);
    const t0 = Date.now();
    const waiting = s.api(`/v1/drafts/${d!.id}?wait=20`, { token: pipe });
    await new Promise((r) => setTimeout(r, 300));
    const decidedAt = Date.now();
    await postDecisions(s, ann, [decision(d!.id, { action: 'reject', reasons: ['tone'] })]);
    const res = await waiting;
    const answered = Date.now();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: d!.id, status: 'rejected' });
    expect(answered - t0).toBeGreaterThanOrEqual(300);
    expect(answered - decidedAt).toBeLessThan(1_000);
    // Nothing happens to e: the answer comes when the wait is over, with the draft still pending.
    const t1 = Date.now();
    const still = await json(s.api(`/v1/drafts/${e!.id}?wait=1`, { token: pipe }));
    expect(Date.now() - t1).toBeGreaterThanOrEqual(950);
    expect(still).toMatchObject({ status: 'pending' });
    // An already decided draft answers at once.
    const t2 = Date.now();
    await json(s.api(`/v1/drafts/${d!.id}?wait=30`, { token: pipe }));
    expect(Date.now() - t2).toBeLessThan(500);
    expect((await s.api(`/v1/drafts/${e!.id}?wait=61`, { token: pipe })).status).toBe(400);
    expect((await s.api(`/v1/drafts/${e!.id}?wait=0`, { token: pipe })).status).toBe(400);
    expect((await s.api(`/v1/drafts/${e!.id}?wait=5`, { token: ann })).status).toBe(403);
  });
});

describe('webhook delivery across restarts and instances', () => {
  it('a delivery pending when the server stops is delivered after it starts again (same webhook-id)', async () => {
    const fresh = await freshDatabase('sqlite');
    const receiver = await startReceiver(() => 503);
    try {
      let server = await startServer({ port: 0, databaseUrl: fresh.url, webhooks: { ...FAST, retryDelaysMs: [500] } });
      const api = (path: string, token: string, body?: unknown) =>
        fetch(server.url + path, {
          method: body ? 'POST' : 'GET',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body ? JSON.stringify(body) : undefined,
        });
      const { createToken } = await import('../../server/tokens');
      const admin = (await createToken(server.store, { user: 'root', role: 'admin', actor: 'test' })).token;
      const pipe = (await createToken(server.store, { user: 'pipe', role: 'pipeline', actor: 'test' })).token;
      const ann = (await createToken(server.store, { user: 'ann', role: 'reviewer', actor: 'test' })).token;
      const sub = (await (
        await api('/v1/webhooks', admin, { url: receiver.url, events: ['draft.decided'] })
      ).json()) as WebhookCreated;
      const { results } = (await (await api('/v1/drafts', pipe, { drafts: [draftIn()] })).json()) as {
        results: Array<{ id: string }>;
      };
      await api('/v1/decisions', ann, { decisions: [decision(results[0]!.id)] });
      await receiver.until((r) => r.length >= 1);
      await server.close();
      const afterStop = receiver.received.length;
      receiver.behaviour = () => 200;
      await new Promise((r) => setTimeout(r, 700));
      expect(receiver.received.length).toBe(afterStop); // nobody sends while the server is down
      server = await startServer({ port: 0, databaseUrl: fresh.url, webhooks: FAST });
      try {
        const got = await receiver.until((r) => r.some((x) => x.status === 200));
        const ok = got.find((x) => x.status === 200)!;
        expect(ok.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
        expect(verify(sub.secret, ok).data.draft.id).toBe(results[0]!.id);
      } finally {
        await server.close();
      }
    } finally {
      await receiver.close();
      await fresh.drop();
    }
  });

  it.runIf(TEST_DBS.includes('postgres'))(
    'two server instances on one PostgreSQL: every event is delivered once, in order per draft',
    async () => {
      const fresh = await freshDatabase('postgres');
      // A little latency so both instances have deliveries in flight at the same time.
      const receiver = await startReceiver(() => 200);
      const a = await startServer({ port: 0, databaseUrl: fresh.url, webhooks: { ...FAST, concurrency: 4 } });
      const b = await startServer({ port: 0, databaseUrl: fresh.url, webhooks: { ...FAST, concurrency: 4 } });
      try {
        const { createToken } = await import('../../server/tokens');
        const admin = (await createToken(a.store, { user: 'root', role: 'admin', actor: 'test' })).token;
        const pipe = (await createToken(a.store, { user: 'pipe', role: 'pipeline', actor: 'test' })).token;
        const ann = (await createToken(a.store, { user: 'ann', role: 'reviewer', actor: 'test' })).token;
        const call = (base: string, path: string, token: string, body: unknown) =>
          fetch(base + path, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }).then((r) => r.json());
        const sub = (await call(a.url, '/v1/webhooks', admin, {
          url: receiver.url,
          events: ['draft.decided', 'draft.escalated'],
        })) as WebhookCreated;
        const { results } = (await call(a.url, '/v1/drafts', pipe, {
          drafts: Array.from({ length: 60 }, () => draftIn()),
        })) as { results: Array<{ id: string }> };
        // Escalate on one instance, decide on the other: two events per draft, from both.
        await Promise.all(
          results.map((d, i) =>
            call(i % 2 ? a.url : b.url, '/v1/decisions', ann, {
              decisions: [decision(d.id, { action: 'escalate', escalateTo: { kind: 'admin' } })],
            }),
          ),
        );
        await Promise.all(
          results.map((d, i) => call(i % 2 ? b.url : a.url, '/v1/decisions', admin, { decisions: [decision(d.id)] })),
        );
        await receiver.until((r) => r.length >= 120, 30_000);
        await new Promise((r) => setTimeout(r, 500));
        const ids = receiver.received.map((r) => r.headers['webhook-id']);
        expect(ids).toHaveLength(120);
        expect(new Set(ids).size).toBe(120);
        const events = receiver.received.map((r) => verify(sub.secret, r));
        for (const d of results)
          expect(events.filter((e) => e.data.draft.id === d.id).map((e) => e.type)).toEqual([
            'draft.escalated',
            'draft.decided',
          ]);
      } finally {
        await a.close();
        await b.close();
        await receiver.close();
        await fresh.drop();
      }
    },
  );
});

describe('webhook settings', () => {
  it('the default timeout is the contract’s 10 s, and the retry schedule is 5 s, 30 s, 2 min, 10 min, 30 min, hourly', () => {
    const saved = process.env.COUNTERSIGN_WEBHOOK_TIMEOUT_MS;
    delete process.env.COUNTERSIGN_WEBHOOK_TIMEOUT_MS;
    try {
      expect(resolveWorkerOptions().timeoutMs).toBe(10_000);
    } finally {
      if (saved !== undefined) process.env.COUNTERSIGN_WEBHOOK_TIMEOUT_MS = saved;
    }
    expect(DEFAULT_RETRY_DELAYS_MS).toEqual([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000]);
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((n) => retryDelay(n))).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });

  it('secrets are sealed at rest when a server key is configured', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const sealed = sealSecret(secret, 'server key');
    expect(sealed).not.toContain(secret.slice(6));
    expect(openSecret(sealed, 'server key')).toBe(secret);
    expect(() => openSecret(sealed, 'another key')).toThrow();
    expect(() => openSecret(sealed, undefined)).toThrow(/COUNTERSIGN_WEBHOOK_KEY/);
    expect(openSecret(sealSecret(secret, undefined), undefined)).toBe(secret);
  });

  it('a receiver that never answers is cut off on time even when garbage collection runs meanwhile', async () => {
    // The cause of a flake on a loaded PostgreSQL run: the attempt's timeout was an
    // AbortSignal.timeout inside AbortSignal.any, which Node holds only weakly; a GC during the
    // attempt collected it and the request hung until the lease ran out. Forcing GC pins it.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const receiver = await startReceiver(({ n }) => (n === 0 ? 'hang' : 200));
    const s = await startTestServer('sqlite', { webhooks: { ...FAST, timeoutMs: 1_000 } });
    const collecting = setInterval(gc, 25);
    try {
      const admin = await s.token('admin');
      const pipe = await s.token('pipeline');
      const ann = await s.token('reviewer');
      await subscribe(s, admin, receiver.url, ['draft.decided']);
      const [d] = await postDrafts(s, pipe, [draftIn()]);
      await postDecisions(s, ann, [decision(d!.id)]);
      const [first, second] = await receiver.until((r) => r.length >= 2, 8_000);
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      // 1 s timeout + 150 ms retry delay, not the 31 s lease.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
      expect(second!.at - first!.at).toBeLessThan(4_000);
    } finally {
      clearInterval(collecting);
      await s.close();
      await receiver.close();
    }
  });

  it('the worker sleeps while a draft’s earlier delivery is in flight (no re-polling of a due but blocked one)', async () => {
    // Two events of one draft: the first hangs for 2 s; the second is due at once but must wait.
    const receiver = await startReceiver(({ n }) => (n === 0 ? 'hang' : 200));
    const s = await startTestServer('sqlite', { webhooks: false });
    const worker = startWebhookWorker(s.store, { ...FAST, timeoutMs: 2_000, idlePollMs: 2_000 });
    try {
      const admin = await s.token('admin');
      const pipe = await s.token('pipeline');
      const ann = await s.token('reviewer');
      await subscribe(s, admin, receiver.url, ['draft.decided', 'draft.escalated']);
      const [d] = await postDrafts(s, pipe, [draftIn()]);
      await postDecisions(s, ann, [decision(d!.id, { action: 'escalate', escalateTo: { kind: 'admin' } })]);
      await postDecisions(s, admin, [decision(d!.id)]);
      await receiver.until((r) => r.length >= 1);
      const before = worker.looks;
      await new Promise((r) => setTimeout(r, 1_500));
      // A 10 ms re-poll would look ~150 times; the feed, settles and the backstop only a few.
      expect(worker.looks - before).toBeLessThan(10);
      const got = await receiver.until((r) => r.filter((x) => x.status === 200).length >= 2, 10_000);
      expect(got.filter((x) => x.status === 200).map((x) => JSON.parse(x.body).type)).toEqual([
        'draft.escalated',
        'draft.decided',
      ]);
    } finally {
      await worker.stop();
      await s.close();
      await receiver.close();
    }
  });

  it('with the default settings a receiver that hangs is cut off after 10 s', { timeout: 30_000 }, async () => {
    const saved = process.env.COUNTERSIGN_WEBHOOK_TIMEOUT_MS;
    delete process.env.COUNTERSIGN_WEBHOOK_TIMEOUT_MS;
    const receiver = await startReceiver(() => 'hang');
    const s = await startTestServer('sqlite', { webhooks: {} });
    try {
      expect(resolveWorkerOptions().timeoutMs).toBe(10_000);
      const admin = await s.token('admin');
      const pipe = await s.token('pipeline');
      const ann = await s.token('reviewer');
      const sub = await subscribe(s, admin, receiver.url, ['draft.decided']);
      const [d] = await postDrafts(s, pipe, [draftIn()]);
      await postDecisions(s, ann, [decision(d!.id)]);
      const [first] = await receiver.until((r) => r.length >= 1);
      const poll = async () =>
        (await json<{ deliveries: WebhookDelivery[] }>(s.api(`/v1/webhooks/${sub.id}/deliveries`, { token: admin })))
          .deliveries[0]!;
      await expect.poll(poll, { timeout: 15_000, interval: 200 }).toMatchObject({ lastError: 'no answer within 10 s' });
      const settledAfter = Date.now() - first!.at;
      expect(settledAfter).toBeGreaterThanOrEqual(9_800);
      expect(settledAfter).toBeLessThan(12_000);
      // Next try after about 5 s (the schedule's first step).
      const d1 = await poll();
      expect(Date.parse(d1.nextAttemptAt!) - Date.parse(d1.lastAttemptAt!)).toBeGreaterThanOrEqual(14_500);
    } finally {
      await s.close();
      await receiver.close();
      if (saved !== undefined) process.env.COUNTERSIGN_WEBHOOK_TIMEOUT_MS = saved;
    }
  });
});
