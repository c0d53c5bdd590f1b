import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DraftResult, type QueueOut, type WebhookCreated, WebhookEvent } from '../../lib/shared/schema';
import { jsonLogger, silentLogger } from '../../server/log';
import { startServer } from '../../server/main';
import { checkSlas, slaBackup, warnDeadlines } from '../../server/service/expiry';
import { createDelivery } from '../../server/service/notify/deliver';
import { openStore } from '../../server/store';
import { webhookDb } from '../../server/store/webhooks';
import { createToken } from '../../server/tokens';
import { type Cluster, startCluster } from '../helpers/cluster';
import { startReceiver } from '../helpers/receiver';
import { freshDatabase } from '../helpers/server';
import { smtpSink } from '../helpers/smtp';
import { decision, draftIn } from './fixtures';

/** A local HTTP receiver standing in for a Slack-compatible incoming webhook. */
async function httpSink() {
  const posts: Array<{ path: string; body: { text: string } }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    posts,
    url: `http://127.0.0.1:${port}/hooks/T1/B1`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 8_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('timers on two instances over one PostgreSQL', () => {
  let c: Cluster;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let hook: Awaited<ReturnType<typeof httpSink>>;
  let pipe: string;
  let admin: string;
  let maya: string;
  let olly: string;
  let lena: string;

  beforeAll(async () => {
    smtp = await smtpSink();
    hook = await httpSink();
    process.env.COUNTERSIGN_PUBLIC_URL = 'https://review.example.test';
    c = await startCluster(2, 'postgres', {
      timers: { smtpUrl: smtp.url, tickMs: 100, retryMs: 200, digestMs: 1_000 },
    });
    pipe = await c.token('pipeline', 'pipe');
    admin = await c.token('admin', 'root', { name: 'Root' });
    maya = await c.token('reviewer', 'maya', { name: 'Maya' });
    olly = await c.token('owner', 'olly', { name: 'Olly' });
    await c.token('owner', 'ola', { name: 'Ola' });
    lena = await c.token('specialist', 'lena', { name: 'Lena', specialty: 'legal' });
  });
  afterAll(async () => {
    await c?.close();
    await smtp?.close();
    await hook?.close();
    delete process.env.COUNTERSIGN_PUBLIC_URL;
  });

  const post = async (drafts: ReturnType<typeof draftIn>[], i = 0) => {
    const r = await c.api(i, '/v1/drafts', { token: pipe, body: { drafts } });
    expect(r.status).toBe(200);
    return ((await r.json()) as { results: DraftResult[] }).results;
  };
  const status = async (id: string, i = 0) =>
    ((await (await c.api(i, `/v1/drafts/${id}`, { token: admin })).json()) as { status: string }).status;

  it('exactly one instance runs the timers', async () => {
    await until('a leader', () => c.instances.some((s) => s.timers?.leader));
    await new Promise((r) => setTimeout(r, 500));
    expect(c.instances.filter((s) => s.timers?.leader)).toHaveLength(1);
  });

  it('a draft expires at trigger.expiresAt: out of every queue, decisions rejected "expired", never approved', async () => {
    // A pipeline's webhook receiver hears `draft.expired` once (from whichever instance expired it).
    const receiver = await startReceiver();
    const sub = await c.api(1, '/v1/webhooks', {
      token: admin,
      body: { url: receiver.url, events: ['draft.expired', 'draft.decided'] },
    });
    expect(sub.status).toBe(201);
    const { secret, id: subId } = (await sub.json()) as WebhookCreated;
    const soon = new Date(Date.now() + 1_200).toISOString();
    const [d, keep] = await post([
      draftIn({ trigger: { kind: 'funding', occurredAt: new Date().toISOString(), expiresAt: soon } }),
      draftIn(),
    ]);
    const inQueue = async (i: number) =>
      ((await (await c.api(i, '/v1/queue', { token: maya })).json()) as QueueOut).items.some((x) => x.id === d!.id);
    expect(await inQueue(1)).toBe(true);
    await until('expiry', async () => (await status(d!.id, 1)) === 'expired');
    expect(await inQueue(0)).toBe(false);
    expect(await inQueue(1)).toBe(false);
    const r = await c.api(1, '/v1/decisions', { token: maya, body: { decisions: [decision(d!.id)] } });
    expect(((await r.json()) as { results: { status: string; error?: string }[] }).results[0]).toMatchObject({
      status: 'rejected',
      error: 'expired',
    });
    expect(await status(keep!.id)).toBe('pending');
    expect(await status(d!.id)).toBe('expired');
    const got = await receiver.until((r) => r.length >= 1, 10_000);
    const event = WebhookEvent.parse(new Webhook(secret).verify(got[0]!.body, got[0]!.headers));
    expect(event.type).toBe('draft.expired');
    expect(event.data.draft).toMatchObject({ id: d!.id, status: 'expired' });
    // Nothing else: the kept draft did not expire, and the refused decision decided nothing.
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received).toHaveLength(1);
    // One event in the outbox however many instances run (the expiry and its event commit together).
    const rows = await webhookDb(c.instances[0]!.store.db)
      .selectFrom('webhook_events')
      .select(['type'])
      .where('draft_id', '=', d!.id)
      .execute();
    expect(rows).toEqual([{ type: 'draft.expired' }]);
    await c.api(1, `/v1/webhooks/${subId}`, { method: 'DELETE', token: admin });
    await receiver.close();
  });

  it('notifications: email to the owner (SMTP), Slack-compatible webhook to the specialist, links that decide nothing', async () => {
    for (const [tok, body] of [
      [olly, { preferences: [{ channel: 'email', target: 'olly@example.test' }] }],
      [lena, { preferences: [{ channel: 'slack', target: hook.url, workflow: 'outbound-email' }] }],
    ] as const) {
      const r = await c.api(1, '/v1/me/notifications', { method: 'PUT', token: tok, body });
      expect(r.status).toBe(200);
    }
    const [named] = await post([draftIn({ account: { name: 'Initech', tier: 'named', ownerId: 'olly' } })]);
    await until('the email', () => smtp.mails.some((m) => m.raw.includes(named!.id)));
    const mail = smtp.mails.find((m) => m.raw.includes(named!.id))!;
    expect(mail.to).toEqual(['olly@example.test']);
    expect(mail.raw).toContain('named-account draft waits');
    // Escalate one to the legal specialists: Lena's webhook hears of it.
    const [d] = await post([draftIn()]);
    await c.api(0, '/v1/decisions', {
      token: maya,
      body: {
        decisions: [decision(d!.id, { action: 'escalate', escalateTo: { kind: 'specialist', specialty: 'legal' } })],
      },
    });
    await until('the webhook', () => hook.posts.some((p) => p.body.text.includes(d!.id)));
    const post1 = hook.posts.find((p) => p.body.text.includes(d!.id))!;
    expect(post1.path).toBe('/hooks/T1/B1');
    expect(post1.body.text).toContain('escalated to you');
    // The link opens a page about the draft and changes nothing, however often it is fetched.
    const link = `/open/${d!.id}`;
    expect(post1.body.text).toContain(`https://review.example.test${link}`);
    for (let i = 0; i < 3; i++) {
      const page = await fetch(c.instances[1]!.url + link);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('decides nothing');
    }
    expect(await status(d!.id)).toBe('escalated');
    // Nobody else was told: exactly one email and one post per event.
    expect(smtp.mails.filter((m) => m.raw.includes(named!.id))).toHaveLength(1);
    expect(hook.posts.filter((p) => p.body.text.includes(d!.id))).toHaveLength(1);
  });

  it('digest: several notifications for one person arrive as ONE email (real SMTP) with a working link each', async () => {
    const dora = await c.token('owner', 'dora', { name: 'Dora' });
    const put = await c.api(0, '/v1/me/notifications', {
      method: 'PUT',
      token: dora,
      body: { preferences: [{ channel: 'email', target: 'dora@example.test', digest: true }] },
    });
    expect(put.status).toBe(200);
    const sentBefore = smtp.mails.length;
    const drafts = await post(
      [1, 2, 3].map((i) => draftIn({ account: { name: `Umbrella ${i}`, tier: 'named', ownerId: 'dora' } })),
      1,
    );
    const toDora = () => smtp.mails.slice(sentBefore).filter((m) => m.to.includes('dora@example.test'));
    await until('the digest', () => toDora().length > 0, 10_000);
    // Past another digest period: still one message (nothing was sent singly, nothing twice).
    await new Promise((r) => setTimeout(r, 1_500));
    expect(toDora()).toHaveLength(1);
    const raw = toDora()[0]!.raw.replace(/=\r?\n/g, '');
    expect(raw).toMatch(/Subject: Countersign: 3 drafts need you/);
    for (const d of drafts) {
      const link = `https://review.example.test/open/${d.id}`;
      expect(raw).toContain(link);
      // The link works from either instance and decides nothing.
      const page = await fetch(c.instances[0]!.url + new URL(link).pathname);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('decides nothing');
      expect(await status(d.id)).toBe('pending');
    }
    expect(raw).toContain('Opening a link decides nothing.');
  });

  it('SLA: reminder at 75%, then handed to the backup with the reason; the same from either instance', async () => {
    const put = await c.api(0, '/v1/slas', {
      method: 'PUT',
      token: admin,
      body: { queue: 'owner', minutes: 60, backup: 'ola' },
    });
    expect(put.status).toBe(200);
    expect((await c.api(1, '/v1/slas', { token: maya })).status).toBe(403);
    const [d] = await post([draftIn({ account: { name: 'Globex', tier: 'named', ownerId: 'olly' } })]);
    const t0 = Date.now();
    // The clock is moved by calling the job with a later `now`, on the instance that is not leading.
    const idle = c.instances.findIndex((s) => !s.timers?.leader);
    const at = (min: number) => new Date(t0 + min * 60_000);
    expect((await checkSlas(c.instances[idle]!.store, at(30))).reminded).not.toContain(d!.id);
    expect((await checkSlas(c.instances[idle]!.store, at(46))).reminded).toContain(d!.id);
    expect((await checkSlas(c.instances[1 - idle]!.store, at(50))).reminded).not.toContain(d!.id); // once
    const r = await checkSlas(c.instances[1 - idle]!.store, at(61));
    expect(r.handedOver).toContain(d!.id);
    const after = (await (await c.api(idle, `/v1/drafts/${d!.id}`, { token: admin })).json()) as {
      assignee: string;
      status: string;
      reasons: string[];
    };
    expect(after.assignee).toBe('ola');
    expect(after.status).toBe('pending');
    expect(after.reasons.at(-1)).toMatch(/SLA: waited more than 1 h in owner \(olly\); offered to ola/);
    expect((await checkSlas(c.instances[idle]!.store, at(62))).handedOver).not.toContain(d!.id);
  });

  it('SLA without a backup person: another owner of the account, the specialists of the kind, else the admins', async () => {
    const put = await c.api(1, '/v1/slas', {
      method: 'PUT',
      token: admin,
      body: { workflow: 'sla-chain', queue: 'owner', minutes: 60 },
    });
    expect(put.status).toBe(200);
    const named = (name: string, ownerId: string, domain?: string) =>
      draftIn({ workflow: 'sla-chain', account: { name, tier: 'named', ownerId, ...(domain ? { domain } : {}) } });
    // Ola owns another Hooli draft (so she is another owner of that account); Pied Piper has only Olly.
    await post([named('Hooli', 'ola', 'hooli.test')]);
    const [hooli, piper] = await post([named('Hooli', 'olly', 'hooli.test'), named('Pied Piper', 'olly')]);
    const t0 = Date.now();
    const idle = c.instances.findIndex((s) => !s.timers?.leader);
    const r = await checkSlas(c.instances[idle]!.store, new Date(t0 + 61 * 60_000));
    expect(r.handedOver).toEqual(expect.arrayContaining([hooli!.id, piper!.id]));
    const view = async (id: string) =>
      (await (await c.api(1 - idle, `/v1/drafts/${id}`, { token: admin })).json()) as {
        queue: string;
        assignee: string | null;
        status: string;
        reasons: string[];
      };
    const h = await view(hooli!.id);
    expect(h).toMatchObject({ queue: 'owner', assignee: 'ola', status: 'pending' });
    expect(h.reasons.at(-1)).toBe(
      'SLA: waited more than 1 h in owner (olly); offered to ola, another owner of the account',
    );
    const p = await view(piper!.id);
    expect(p).toMatchObject({ queue: 'admin', assignee: null, status: 'pending' });
    expect(p.reasons.at(-1)).toBe('SLA: waited more than 1 h in owner (olly); offered to the admins');
    // Held by one specialist: every specialist of that kind; shared among them already: the admins.
    const db = c.instances[idle]!.store.db;
    const row = { id: 'x', input_json: '{}' };
    expect(await slaBackup(db, { backup: null }, { ...row, queue: 'specialist:legal', assignee: 'lena' })).toEqual({
      queue: 'specialist:legal',
      assignee: null,
      label: 'the legal specialists',
    });
    expect((await slaBackup(db, { backup: null }, { ...row, queue: 'specialist:legal', assignee: null })).queue).toBe(
      'admin',
    );
    // A named backup person comes first.
    expect(await slaBackup(db, { backup: 'ola' }, { ...row, queue: 'review', assignee: null })).toMatchObject({
      queue: 'review',
      assignee: 'ola',
    });
  });

  it("deadline at risk: 75% of the way to trigger.expiresAt, told once to whom it waits for (owner by email, the shared queue's reviewers who asked)", async () => {
    const put = await c.api(0, '/v1/me/notifications', {
      method: 'PUT',
      token: maya,
      body: { preferences: [{ channel: 'slack', target: hook.url, events: ['deadline_at_risk'] }] },
    });
    expect(put.status).toBe(200);
    const t0 = Date.now();
    const trigger = {
      kind: 'funding',
      occurredAt: new Date(t0).toISOString(),
      expiresAt: new Date(t0 + 3_600_000).toISOString(),
    };
    const [owned, shared] = await post([
      draftIn({ trigger, account: { name: 'Vandelay', tier: 'named', ownerId: 'olly' } }),
      draftIn({ trigger }),
    ]);
    const idle = c.instances.findIndex((s) => !s.timers?.leader);
    const store = c.instances[idle]!.store;
    const at = (min: number) => new Date(t0 + min * 60_000);
    expect(await warnDeadlines(store, at(40))).not.toContain(owned!.id);
    const warned = await warnDeadlines(store, at(46));
    expect(warned).toEqual(expect.arrayContaining([owned!.id, shared!.id]));
    expect(await warnDeadlines(c.instances[1 - idle]!.store, at(50))).toEqual([]); // once, from either instance
    // The messages are due at the moved clock too: the outbox is sent as of then.
    const delivery = createDelivery(store, { smtpUrl: smtp.url });
    expect(await delivery.deliver(at(46.1))).toBeGreaterThanOrEqual(2);
    delivery.close();
    const flat = (raw: string) => raw.replace(/=\r?\n/g, '');
    const mailFor = () =>
      smtp.mails.find((m) => flat(m.raw).includes(owned!.id) && flat(m.raw).includes('close to its review deadline'));
    await until("the owner's email", () => !!mailFor());
    expect(mailFor()!.to).toEqual(['olly@example.test']);
    expect(flat(mailFor()!.raw)).toContain(`https://review.example.test/open/${owned!.id}`);
    await until("the reviewer's webhook", () => hook.posts.some((x) => x.body.text.includes(shared!.id)));
    const post1 = hook.posts.find((x) => x.body.text.includes(shared!.id))!;
    expect(post1.body.text).toContain('close to its review deadline');
    expect(post1.body.text).toMatch(/in about 1\d min/);
    // Still waiting, never decided by the clock.
    expect(await status(owned!.id)).toBe('pending');
    expect(await status(shared!.id)).toBe('pending');
  });

  it('stopping the instance that runs the timers hands them to the other', async () => {
    const leader = c.instances.findIndex((s) => s.timers?.leader);
    await c.stop(leader);
    const other = 1 - leader;
    await until('hand-over', () => !!c.instances[other]!.timers?.leader, 5_000);
    // And they work there: a draft expires.
    const [d] = await post(
      [
        draftIn({
          trigger: {
            kind: 'x',
            occurredAt: new Date().toISOString(),
            expiresAt: new Date(Date.now() + 500).toISOString(),
          },
        }),
      ],
      other,
    );
    await until('expiry after hand-over', async () => (await status(d!.id, other)) === 'expired');
  });
});

describe("governance's evaluator on two instances over one PostgreSQL", () => {
  let c: Cluster;
  const lines: Array<Array<{ msg: string }>> = [[], []];
  /** Instance `i`'s log, kept (the evaluator says where it ran). */
  const loggerFor = (i: number) =>
    jsonLogger((line) => {
      lines[i]!.push(JSON.parse(line) as { msg: string });
    });
  const evaluations = (i: number) => lines[i]!.filter((l) => l.msg === 'governance evaluated').length;

  beforeAll(async () => {
    const timers = { tickMs: 50, retryMs: 150, governanceEveryMs: 100 };
    c = await startCluster(0, 'postgres');
    for (const i of [0, 1]) await c.add({ logger: loggerFor(i), timers });
  });
  afterAll(async () => {
    await c?.close();
  });

  it('runs on the instance that holds the timers only, and moves when that instance stops', async () => {
    await until('a leader', () => c.instances.some((s) => s.timers?.leader));
    const leader = c.instances.findIndex((s) => s.timers?.leader);
    const other = 1 - leader;
    await until('a few evaluations', () => evaluations(leader) >= 3, 20_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(evaluations(leader)).toBeGreaterThanOrEqual(3);
    expect(evaluations(other)).toBe(0);
    await c.stop(leader);
    const before = evaluations(leader);
    await until('hand-over', () => evaluations(other) >= 3, 20_000);
    expect(c.instances[other]!.timers?.leader).toBe(true);
    // The stopped instance evaluates no more.
    expect(evaluations(leader)).toBe(before);
  });
});

describe('a server given an open PostgreSQL store (no databaseUrl) runs the timers too', () => {
  it("takes the lock with the store's own connection string and expires a draft", async () => {
    const fresh = await freshDatabase('postgres');
    const store = await openStore(fresh.url);
    const server = await startServer({ port: 0, store, logger: silentLogger, timers: { tickMs: 50, retryMs: 100 } });
    try {
      await until('the lock', () => !!server.timers?.leader, 5_000);
      const pipe = (await createToken(store, { user: 'pipe', role: 'pipeline', actor: 'test' })).token;
      const r = await fetch(`${server.url}/v1/drafts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pipe}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          drafts: [
            draftIn({
              trigger: {
                kind: 'x',
                occurredAt: new Date().toISOString(),
                expiresAt: new Date(Date.now() + 300).toISOString(),
              },
            }),
          ],
        }),
      });
      const [d] = ((await r.json()) as { results: DraftResult[] }).results;
      await until('expiry', async () => {
        const row = await store.db.selectFrom('drafts').select('status').where('id', '=', d!.id).executeTakeFirst();
        return row?.status === 'expired';
      });
    } finally {
      await server.close();
      await store.close();
      await fresh.drop();
    }
  });
});
