import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsOut } from '../../lib/shared/schema';
import { alertLimitsFromEnv, checkAlerts } from '../../server/service/alerts';
import { startTestServer, TEST_DBS, type TestServer } from '../helpers/server';
import { smtpSink } from '../helpers/smtp';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// Issue 16 §5: governance alerts from real data, raised by the timers once per episode, delivered
// through issue 15's notification outbox to a real SMTP server, and closed (and told) when the
// condition clears. Both databases.

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe.each(TEST_DBS)('alerts on %s', (db) => {
  let s: TestServer;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let admin: string;
  let pipeline: string;
  let maya: string;

  beforeAll(async () => {
    smtp = await smtpSink();
    s = await startTestServer(db, {
      timers: {
        smtpUrl: smtp.url,
        tickMs: 100,
        alertsEveryMs: 100,
        governanceEveryMs: 0,
        alertLimits: { backlogMs: 1_500, escalationsPerHour: 3 },
      },
    });
    admin = await s.token('admin', { user: 'root' });
    pipeline = await s.token('pipeline');
    maya = await s.token('reviewer', { user: 'maya' });
    const prefs = await s.api('/v1/me/notifications', {
      token: admin,
      method: 'PUT',
      body: { preferences: [{ channel: 'email', target: 'lead@example.test', events: ['queue_backlog'] }] },
    });
    expect(prefs.status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
    await smtp?.close();
  });

  const alerts = (state: 'open' | 'all' = 'all') =>
    json<AlertsOut>(s.api(`/v1/alerts?state=${state}`, { token: admin })).then((r) => r.alerts);

  it('a queue backlog older than the limit: raised once, emailed once, closed and told when it clears', async () => {
    const [d] = await postDrafts(s, pipeline, [draftIn({ workflow: 'alerts-backlog', confidence: 0.9 })]);
    expect(d!.queue).toBe('review');
    expect(await alerts()).toEqual([]);
    await until('the backlog alert', async () => (await alerts('open')).length === 1, 8_000);
    const [a] = await alerts('open');
    expect(a).toMatchObject({ kind: 'queue_backlog', scope: 'review', count: 1, closedAt: null });
    expect(a!.message).toMatch(
      /^Backlog in the review queue: 1 draft waiting, the oldest for \d+ min \(limit 1 min\)\.$/,
    );
    await until('the email', () => smtp.mails.length >= 1);
    // Several more ticks: still one alert, one email.
    await new Promise((r) => setTimeout(r, 800));
    expect(await alerts()).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['lead@example.test']);
    expect(smtp.mails[0]!.raw).toContain('Review backlog');
    expect(smtp.mails[0]!.raw).toContain('Backlog in the review queue');
    expect(await s.api('/v1/alerts', { token: maya }).then((r) => r.status)).toBe(403);

    // Decided: the condition clears, the alert closes, the admin hears it is resolved; nothing else.
    const r = await postDecisions(s, maya, [decision(d!.id)]);
    expect(r[0]?.status).toBe('applied');
    await until('closed', async () => (await alerts('open')).length === 0);
    const [closed] = await alerts();
    expect(closed!.id).toBe(a!.id);
    expect(closed!.closedAt).not.toBeNull();
    await until('the resolved email', () => smtp.mails.length >= 2);
    expect(smtp.mails[1]!.raw).toContain('Resolved');
    await new Promise((r) => setTimeout(r, 500));
    expect(await alerts()).toHaveLength(1);
    expect(smtp.mails).toHaveLength(2);
  });

  it('every condition runs on this database (escalation surge, batched into one alert with the count)', async () => {
    // 4 legal-flagged drafts within the hour go to the legal specialists: over a limit of 3 an hour.
    await s.token('specialist', { user: 'lena', specialty: 'legal' });
    await postDrafts(
      s,
      pipeline,
      Array.from({ length: 4 }, (_, i) =>
        draftIn({ workflow: 'alerts-surge', flags: ['legal'], externalId: `surge-${i}` }),
      ),
    );
    // The timers (same limits) and a direct check race to raise it: one alert either way.
    const limits = { ...alertLimitsFromEnv(), escalationsPerHour: 3, backlogMs: 1_500 };
    await checkAlerts(s.store, new Date(), limits);
    await checkAlerts(s.store, new Date(), limits);
    await new Promise((r) => setTimeout(r, 300));
    const surges = (await alerts()).filter((a) => a.kind === 'escalation_surge');
    expect(surges).toEqual([expect.objectContaining({ scope: 'specialist:legal', count: 4, closedAt: null })]);
    expect(surges[0]!.message).toBe(
      'Escalation surge into specialist:legal: 4 escalations in the last hour (more than 3 an hour); batched into this one alert.',
    );
    // Two hours on, the surge is over: that episode closes.
    const later = await checkAlerts(s.store, new Date(Date.now() + 2 * 3_600_000), limits);
    expect(later.closed).toBeGreaterThanOrEqual(1);
    const episode = (await alerts()).find((a) => a.id === surges[0]!.id);
    expect(episode?.closedAt).not.toBeNull();
  });
});
