import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDelivery } from '../../server/service/notify/deliver';
import { isPublicAddress } from '../../server/service/notify/outbound';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { startTestApp, type TestApi } from '../helpers/server';

// Server-side request forgery through notifications: any reviewer sets a Slack-compatible URL for
// themselves and the server posts to it from inside the team's network. By default it posts only to
// public addresses; a deployment allows its own hosts with COUNTERSIGN_NOTIFY_ALLOW_HOSTS
// (tests/api/setup.ts allows 127.0.0.1 for the other files; this one checks the default).

describe('notification URLs reach public addresses only', () => {
  let s: TestApi;
  let hook: Receiver;
  let olly: string;
  let admin: string;
  const saved = process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS;

  beforeAll(async () => {
    delete process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS;
    hook = await startReceiver();
    s = await startTestApp('sqlite');
    olly = await s.token('owner', { user: 'olly', name: 'Olly' });
    admin = await s.token('admin', { user: 'root', name: 'Root' });
  });
  afterEach(() => {
    delete process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS;
    else process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS = saved;
    await s?.close();
    await hook?.close();
  });

  const port = () => new URL(hook.url).port;
  const putMine = (target: string) =>
    s.api('/v1/me/notifications', {
      method: 'PUT',
      token: olly,
      body: { preferences: [{ channel: 'slack', target }] },
    });

  it('tells public from private, loopback, link-local and reserved addresses (v4, v6, v4 inside v6)', () => {
    const notPublic = [
      '127.0.0.1',
      '127.8.9.10',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::10.0.0.1',
      'not an address',
    ];
    const isPublic = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];
    expect(notPublic.filter(isPublicAddress)).toEqual([]);
    expect(isPublic.filter((a) => !isPublicAddress(a))).toEqual([]);
  });

  it('a person cannot save a URL that reaches this machine or the private network; the error says why', async () => {
    for (const target of [
      hook.url,
      `http://localhost:${port()}/hook`,
      `http://[::1]:${port()}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.7:8080/admin',
      'http://[::ffff:127.0.0.1]/x',
    ]) {
      const r = await putMine(target);
      expect(r.status, target).toBe(400);
      const body = (await r.json()) as { error: { message: string } };
      expect(body.error.message, target).toMatch(/private, loopback or reserved.*COUNTERSIGN_NOTIFY_ALLOW_HOSTS/);
    }
    // Nothing was stored by the refused requests.
    const mine = await s.api('/v1/me/notifications', { token: olly });
    expect(((await mine.json()) as { preferences: unknown[] }).preferences).toEqual([]);
    // A name that does not resolve now is kept (no DNS at hand, a host set up later): each send checks.
    expect((await putMine('https://hooks.nowhere.invalid/services/x')).status).toBe(200);
  });

  it("a workflow's team channel (admin) is held to the same rule", async () => {
    const r = await s.api('/v1/workflows/wf-outbound/channels', {
      method: 'PUT',
      token: admin,
      body: { channels: [{ kind: 'slack', target: `http://localhost:${port()}/team` }] },
    });
    expect(r.status).toBe(400);
  });

  it('a host the deployment allows is accepted and posted to', async () => {
    process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS = 'localhost, 127.0.0.1';
    expect((await putMine(`http://localhost:${port()}/hook`)).status).toBe(200);
    expect((await putMine(hook.url)).status).toBe(200);
  });

  it('a stored URL that reaches a private address is refused when sending too (what the connection resolves)', async () => {
    const at = new Date();
    const row = (target: string) => ({
      user_id: 'olly',
      channel: 'slack',
      target,
      event: 'escalated_to_you',
      subject: `to ${target}`,
      text: 'a draft waits for you',
      created_at: at.toISOString(),
      next_at: at.toISOString(),
    });
    // Written earlier (before this check, or while the host was allowed).
    await s.store.db
      .insertInto('notifications')
      .values([row(`http://localhost:${port()}/by-name`), row(`${hook.url}/by-address`)])
      .execute();
    const delivery = createDelivery(s.store, {});
    try {
      const before = hook.received.length;
      expect(await delivery.deliver(at)).toBe(0);
      expect(hook.received.length).toBe(before);
      const rows = await s.store.db
        .selectFrom('notifications')
        .select(['target', 'error', 'sent_at'])
        .where('event', '=', 'escalated_to_you')
        .execute();
      expect(rows).toHaveLength(2);
      for (const r of rows) {
        expect(r.sent_at).toBeNull();
        expect(r.error).toMatch(/private, loopback or reserved/);
      }
      // Allowed now: the next attempt goes through, to both.
      process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS = 'localhost,127.0.0.1';
      await s.store.db.updateTable('notifications').set({ next_at: at.toISOString() }).execute();
      expect(await delivery.deliver(at)).toBe(2);
      expect(hook.received.length).toBe(before + 2);
    } finally {
      delivery.close();
    }
  });
});
