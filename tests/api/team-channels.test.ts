import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftResult, WorkflowChannelsOut } from '../../lib/shared/schema';
import { watchDeadlines } from '../../server/service/expiry';
import { createDelivery } from '../../server/service/notify/deliver';
import { scanForNotifications } from '../../server/service/notify/events';
import { type Cluster, startCluster } from '../helpers/cluster';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { smtpSink } from '../helpers/smtp';
import { decision, draftIn } from './fixtures';

// A workflow's team channels (issue 15 §6, "per person and per workflow") and escalation batching
// (issue 16 §5: beyond a rate per hour, one message with the count), on both databases, with a real
// HTTP receiver (a Slack-compatible incoming webhook) and a real SMTP server; then on two instances
// over one PostgreSQL with the timers running.

const PUBLIC = 'https://review.example.test';
const HOUR = 3_600_000;
const pricing = (i: number) =>
  draftIn({
    workflow: 'surge-wf',
    content: { subject: `Pricing for Acme ${i}`, body: 'Hi Pat,\nOur pricing is per seat.\nBest,\nSam' },
  });
const textOf = (r: { body: string }) => (JSON.parse(r.body) as { text: string }).text;
const openIds = (text: string) => [...text.matchAll(/\/open\/([0-9a-f-]{36})/g)].map((m) => m[1]!);
const flat = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

describe.each(TEST_DBS)('workflow team channels and escalation batching (%s)', (db) => {
  let s: TestApi;
  let team: Receiver;
  let spec: Receiver;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let pipe: string;
  let admin: string;
  let maya: string;

  beforeAll(async () => {
    process.env.COUNTERSIGN_PUBLIC_URL = PUBLIC;
    team = await startReceiver();
    spec = await startReceiver();
    smtp = await smtpSink();
    s = await startTestApp(db);
    pipe = await s.token('pipeline', { user: 'pipe' });
    admin = await s.token('admin', { user: 'root', name: 'Root' });
    maya = await s.token('reviewer', { user: 'maya', name: 'Maya' });
    await s.token('owner', { user: 'olly', name: 'Olly' });
    await s.token('specialist', { user: 'lena', name: 'Lena', specialty: 'legal' });
  });
  afterAll(async () => {
    await s?.close();
    await team?.close();
    await spec?.close();
    await smtp?.close();
    delete process.env.COUNTERSIGN_PUBLIC_URL;
  });

  const post = async (drafts: ReturnType<typeof draftIn>[]) => {
    const r = await s.api('/v1/drafts', { token: pipe, body: { drafts } });
    expect(r.status).toBe(200);
    return ((await r.json()) as { results: DraftResult[] }).results;
  };
  /**
   * The scan reads from where the change feed says the drafts are (on PostgreSQL the feed hears of
   * a commit by NOTIFY, a moment later): wait for it, as the leader's next tick would.
   */
  const scan = async (now: Date, opts?: Parameters<typeof scanForNotifications>[2]) => {
    const head = await s.store.db
      .selectFrom('counters')
      .select('value')
      .where('name', '=', 'version')
      .executeTakeFirstOrThrow();
    const end = Date.now() + 5_000;
    while (s.store.changes.version < Number(head.value) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    return scanForNotifications(s.store, now, opts);
  };
  const putChannels = (workflow: string, channels: unknown[], token = admin) =>
    s.api(`/v1/workflows/${workflow}/channels`, { method: 'PUT', token, body: { channels } });

  it('an admin sets a workflow’s channels; targets are checked as for persons; others may not', async () => {
    const ok = await putChannels('team-wf', [
      { kind: 'slack', target: `${team.url}/team` },
      { kind: 'email', target: 'team@example.test', digest: true },
    ]);
    expect(ok.status).toBe(200);
    for (const bad of [
      [{ kind: 'slack', target: 'ftp://hooks.example.test/x' }],
      [{ kind: 'slack', target: 'https://user:secret@hooks.example.test/x' }],
      [{ kind: 'email', target: 'not an address' }],
      [
        { kind: 'slack', target: 'https://hooks.example.test/x' },
        { kind: 'slack', target: 'https://hooks.example.test/x', digest: true },
      ],
      [{ kind: 'sms', target: '+15550100' }],
    ]) {
      const r = await putChannels('team-wf', bad);
      expect(r.status).toBe(400);
    }
    expect((await putChannels('team-wf', [], maya)).status).toBe(403);
    expect((await s.api('/v1/workflows/team-wf/channels', { token: maya })).status).toBe(403);
    // The refused requests changed nothing.
    const got = (await (await s.api('/v1/workflows/team-wf/channels', { token: admin })).json()) as WorkflowChannelsOut;
    expect(got.workflow).toBe('team-wf');
    expect(got.channels.map((c) => [c.kind, c.target, c.digest, c.updatedBy])).toEqual([
      ['email', 'team@example.test', true, 'root'],
      ['slack', `${team.url}/team`, false, 'root'],
    ]);
    const none = (await (
      await s.api('/v1/workflows/other-wf/channels', { token: admin })
    ).json()) as WorkflowChannelsOut;
    expect(none.channels).toEqual([]);
  });

  it("the team channel hears the workflow's escalations, named-account drafts, deadlines and SLAs: each once, with links that decide nothing", async () => {
    expect(
      (
        await s.api('/v1/slas', {
          method: 'PUT',
          token: admin,
          body: { workflow: 'team-wf', queue: 'owner', minutes: 60 },
        })
      ).status,
    ).toBe(200);
    const t0 = Date.now();
    const at = (min: number) => new Date(t0 + min * 60_000);
    const trigger = { kind: 'funding', occurredAt: at(0).toISOString(), expiresAt: at(60).toISOString() };
    const [named, detected, deadline, byPerson] = await post([
      draftIn({ workflow: 'team-wf', account: { name: 'Initech', tier: 'named', ownerId: 'olly' } }),
      draftIn({ workflow: 'team-wf', content: { subject: 'New pricing', body: 'Hi,\nOur pricing is per seat.\nSam' } }),
      draftIn({ workflow: 'team-wf', trigger }),
      draftIn({ workflow: 'team-wf' }),
    ]);
    const [elsewhere] = await post([
      draftIn({ workflow: 'other-wf', account: { name: 'Hooli', tier: 'named', ownerId: 'olly' } }),
    ]);
    const esc = await s.api('/v1/decisions', {
      token: maya,
      body: {
        decisions: [
          decision(byPerson!.id, { action: 'escalate', escalateTo: { kind: 'specialist', specialty: 'legal' } }),
        ],
      },
    });
    expect(esc.status).toBe(200);
    await scan(at(0));
    await watchDeadlines(s.store, at(46)); // the SLA's reminder (named) and the deadline's warning
    await watchDeadlines(s.store, at(61)); // the SLA's breach: named is handed to the admins
    await scan(at(61));
    const delivery = createDelivery(s.store, { smtpUrl: smtp.url, digestMs: 60_000 });
    await delivery.deliver(at(61.1));
    const expected: Array<[string, RegExp]> = [
      [named!.id, /named-account draft waits for its owner/],
      [detected!.id, /A draft was escalated to specialist:pricing/],
      [byPerson!.id, /A draft was escalated to specialist:legal/],
      [deadline!.id, /close to its review deadline/],
      [named!.id, /review time \(SLA\)/],
      [named!.id, /passed its review deadline and was handed to a backup/],
    ];
    await team.until((r) => r.length >= expected.length, 5_000);
    // Again, later: nothing is told twice.
    await scan(at(62));
    await watchDeadlines(s.store, at(62));
    await delivery.deliver(at(62));
    await delivery.deliver(at(63)); // the email digest is due (60 s after its oldest row)
    await new Promise((r) => setTimeout(r, 300));
    const texts = team.received.map(textOf);
    expect(texts).toHaveLength(expected.length);
    for (const [id, what] of expected) {
      const hits = texts.filter((t) => what.test(t) && t.includes(`${PUBLIC}/open/${id}`));
      expect(hits, `${what} for ${id}`).toHaveLength(1);
    }
    expect(texts.some((t) => t.includes(elsewhere!.id))).toBe(false);
    expect(team.received.every((r) => r.status === 200)).toBe(true);
    // The email channel asked for a digest: one message with every link.
    await new Promise((r) => setTimeout(r, 200));
    const mails = smtp.mails.filter((m) => m.to.includes('team@example.test'));
    expect(mails).toHaveLength(1);
    const raw = flat(mails[0]!.raw);
    expect(raw).toMatch(/Subject: Countersign \(team-wf\): 6 notifications for the team/);
    for (const id of [named!.id, detected!.id, byPerson!.id, deadline!.id])
      expect(raw).toContain(`${PUBLIC}/open/${id}`);
    // A link shows the draft's id and decides nothing.
    for (const id of [named!.id, detected!.id]) {
      const page = await s.api(`/open/${id}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('decides nothing');
    }
    expect(
      ((await (await s.api(`/v1/drafts/${detected!.id}`, { token: admin })).json()) as { status: string }).status,
    ).toBe('pending');
    delivery.close();
  });

  it('a surge of escalations: the first ones singly, the rest as ONE batch with the count when the hour closes; none lost, none twice', async () => {
    const pia = await s.token('specialist', { user: 'pia', name: 'Pia', specialty: 'pricing' });
    expect(
      (
        await s.api('/v1/me/notifications', {
          method: 'PUT',
          token: pia,
          body: { preferences: [{ channel: 'slack', target: spec.url, workflow: 'surge-wf' }] },
        })
      ).status,
    ).toBe(200);
    expect((await putChannels('surge-wf', [{ kind: 'slack', target: `${team.url}/surge` }])).status).toBe(200);
    const before = team.received.length;
    const teamTexts = () => team.received.slice(before).map(textOf);
    const batching = { limit: 4, windowMs: HOUR };
    const t0 = Date.now() + 2 * HOUR; // after the previous case's moved clock
    const at = (min: number) => new Date(t0 + min * 60_000);
    const first = await post(Array.from({ length: 9 }, (_, i) => pricing(i)));
    await scan(at(0), { batching });
    const second = await post(Array.from({ length: 5 }, (_, i) => pricing(9 + i)));
    await scan(at(10), { batching });
    const all = [...first, ...second].map((d) => d.id);
    const delivery = createDelivery(s.store, {});
    await delivery.deliver(at(10));
    await delivery.deliver(at(30)); // inside the hour: the batch waits
    await spec.until((r) => r.length >= 4, 5_000);
    await team.until(() => teamTexts().length >= 4, 5_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(spec.received).toHaveLength(4);
    expect(teamTexts()).toHaveLength(4);
    await delivery.deliver(at(61)); // the batch's hour (from its first folded escalation at 0 min) closed
    await spec.until((r) => r.length >= 5, 5_000);
    await team.until(() => teamTexts().length >= 5, 5_000);
    await delivery.deliver(at(75));
    await new Promise((r) => setTimeout(r, 200));
    expect(spec.received).toHaveLength(5);
    expect(teamTexts()).toHaveLength(5);
    for (const [texts, words] of [
      [spec.received.map(textOf), '10 more drafts escalated to you for detected content (pricing) in the last hour'],
      [teamTexts(), '10 more drafts of surge-wf escalated for detected content (pricing) in the last hour'],
    ] as const) {
      const singles = texts.slice(0, 4);
      const batch = texts[4]!;
      expect(singles.every((t) => t.includes('escalated') && openIds(t).length === 1)).toBe(true);
      expect(batch).toContain(words);
      expect(batch).toContain(`${PUBLIC}/open/queue/specialist%3Apricing`);
      // Every draft exactly once: four singly, ten in the batch.
      const told = [...singles.flatMap(openIds), ...openIds(batch)];
      expect(told.sort()).toEqual([...all].sort());
    }
    const queuePage = await s.api('/open/queue/specialist%3Apricing');
    expect(queuePage.status).toBe(200);
    expect(await queuePage.text()).toContain('decides nothing');
    // Nothing left in the outbox for Pia or the team: the folded rows went with their batch.
    const unsent = await s.store.db
      .selectFrom('notifications')
      .select('id')
      .where('user_id', 'in', ['pia', '#surge-wf'])
      .where('sent_at', 'is', null)
      .execute();
    expect(unsent).toEqual([]);
    // After the window, an escalation comes singly again.
    const [later] = await post([pricing(99)]);
    await scan(at(80), { batching });
    await delivery.deliver(at(80));
    await spec.until((r) => r.length >= 6, 5_000);
    expect(openIds(textOf(spec.received[5]!))).toEqual([later!.id]);
    delivery.close();
  });
});

describe('escalation batching on two instances over one PostgreSQL, timers running', () => {
  let c: Cluster;
  let hook: Receiver;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;

  beforeAll(async () => {
    process.env.COUNTERSIGN_PUBLIC_URL = PUBLIC;
    hook = await startReceiver();
    smtp = await smtpSink();
    c = await startCluster(2, 'postgres', {
      timers: {
        smtpUrl: smtp.url,
        tickMs: 50,
        retryMs: 150,
        escalationBatching: { limit: 3, windowMs: 3_000 },
        alertsEveryMs: 0,
        governanceEveryMs: 0,
      },
    });
  });
  afterAll(async () => {
    await c?.close();
    await hook?.close();
    await smtp?.close();
    delete process.env.COUNTERSIGN_PUBLIC_URL;
  });

  it('a specialist (webhook) and the team channel (email): 3 singles and one batch of the rest each, sent once by the leader', async () => {
    const pipe = await c.token('pipeline', 'pipe');
    const admin = await c.token('admin', 'root');
    const pia = await c.token('specialist', 'pia', { specialty: 'pricing' });
    expect(
      (
        await c.api(0, '/v1/me/notifications', {
          method: 'PUT',
          token: pia,
          body: { preferences: [{ channel: 'slack', target: hook.url }] },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await c.api(1, '/v1/workflows/surge-wf/channels', {
          method: 'PUT',
          token: admin,
          body: { channels: [{ kind: 'email', target: 'pricing-team@example.test' }] },
        })
      ).status,
    ).toBe(200);
    // Posted through both instances, whichever leads.
    const ids: string[] = [];
    for (const [i, n] of [
      [0, 5],
      [1, 3],
    ] as const) {
      const r = await c.api(i, '/v1/drafts', {
        token: pipe,
        body: { drafts: Array.from({ length: n }, (_, k) => pricing(i * 10 + k)) },
      });
      expect(r.status).toBe(200);
      ids.push(...((await r.json()) as { results: DraftResult[] }).results.map((d) => d.id));
    }
    await hook.until((r) => r.length >= 4, 15_000);
    const mails = () => smtp.mails.filter((m) => m.to.includes('pricing-team@example.test'));
    const deadline = Date.now() + 15_000;
    while (mails().length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Longer than another window: nothing more comes.
    await new Promise((r) => setTimeout(r, 3_500));
    const texts = hook.received.map(textOf);
    expect(texts).toHaveLength(4);
    expect(mails()).toHaveLength(4);
    const batch = texts.find((t) => /more drafts escalated to you/.test(t))!;
    expect(batch).toContain('5 more drafts escalated to you for detected content (pricing) in the last 3 s');
    expect([...texts.flatMap(openIds)].sort()).toEqual([...ids].sort());
    const mailBatch = mails()
      .map((m) => flat(m.raw))
      .find((m) => m.includes('5 more drafts of surge-wf escalated'))!;
    expect(mailBatch).toBeDefined();
    expect(
      mails()
        .flatMap((m) => openIds(flat(m.raw)))
        .sort(),
    ).toEqual([...ids].sort());
  });
});
