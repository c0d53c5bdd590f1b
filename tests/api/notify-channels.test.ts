import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftResult } from '../../lib/shared/schema';
import { watchDeadlines } from '../../server/service/expiry';
import { createDelivery } from '../../server/service/notify/deliver';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn } from './fixtures';

// Notifications on either database: the SLA's 75% reminder and the trigger deadline's warning are
// two kinds, each delivered once, to a real HTTP receiver (a Slack-compatible incoming webhook).
describe.each(TEST_DBS)('notification kinds and channels (%s)', (db) => {
  let s: TestApi;
  let hook: Receiver;
  let pipe: string;
  let admin: string;
  let olly: string;

  beforeAll(async () => {
    hook = await startReceiver();
    s = await startTestApp(db);
    pipe = await s.token('pipeline', { user: 'pipe' });
    admin = await s.token('admin', { user: 'root', name: 'Root' });
    olly = await s.token('owner', { user: 'olly', name: 'Olly' });
  });
  afterAll(async () => {
    await s?.close();
    await hook?.close();
  });

  const post = async (drafts: ReturnType<typeof draftIn>[]) => {
    const r = await s.api('/v1/drafts', { token: pipe, body: { drafts } });
    expect(r.status).toBe(200);
    return ((await r.json()) as { results: DraftResult[] }).results;
  };
  const textsFor = (id: string) =>
    hook.received.map((r) => (JSON.parse(r.body) as { text: string }).text).filter((t) => t.includes(id));

  it('SLA reminder and deadline warning of one draft: two messages, each once', async () => {
    expect(
      (
        await s.api('/v1/me/notifications', {
          method: 'PUT',
          token: olly,
          body: { preferences: [{ channel: 'slack', target: `${hook.url}/olly`, workflow: 'sla-kinds' }] },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await s.api('/v1/slas', {
          method: 'PUT',
          token: admin,
          body: { workflow: 'sla-kinds', queue: 'owner', minutes: 60 },
        })
      ).status,
    ).toBe(200);
    const t0 = Date.now();
    const trigger = {
      kind: 'funding',
      occurredAt: new Date(t0).toISOString(),
      expiresAt: new Date(t0 + 3_600_000).toISOString(),
    };
    const [d] = await post([
      draftIn({ workflow: 'sla-kinds', trigger, account: { name: 'Vandelay', tier: 'named', ownerId: 'olly' } }),
    ]);
    const at = (min: number) => new Date(t0 + min * 60_000);
    expect(await watchDeadlines(s.store, at(40))).toMatchObject({ reminded: [], warned: [] });
    const r = await watchDeadlines(s.store, at(46));
    expect(r.reminded).toContain(d!.id);
    expect(r.warned).toContain(d!.id);
    // Once each: a later tick tells nobody again.
    const again = await watchDeadlines(s.store, at(50));
    expect(again.reminded).not.toContain(d!.id);
    expect(again.warned).not.toContain(d!.id);
    const delivery = createDelivery(s.store, {});
    await delivery.deliver(at(50.1));
    await delivery.deliver(at(51));
    delivery.close();
    await hook.until(() => textsFor(d!.id).length >= 2, 5_000);
    const texts = textsFor(d!.id);
    expect(texts).toHaveLength(2);
    expect(texts.filter((t) => t.includes('review time (SLA)'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('close to its review deadline'))).toHaveLength(1);
    expect(hook.received.every((x) => x.status === 200)).toBe(true);
  });

  it('a webhook target must be http(s) without credentials in the URL', async () => {
    for (const target of ['ftp://hooks.example.test/x', 'https://user:secret@hooks.example.test/x', 'not a url']) {
      const r = await s.api('/v1/me/notifications', {
        method: 'PUT',
        token: olly,
        body: { preferences: [{ channel: 'slack', target }] },
      });
      expect(r.status).toBe(400);
    }
  });
});
