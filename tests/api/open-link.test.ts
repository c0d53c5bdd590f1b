import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftResult } from '../../lib/shared/schema';
import { createDelivery } from '../../server/service/notify/deliver';
import { scanForNotifications } from '../../server/service/notify/events';
import { nextChange } from '../../server/store/changes';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { smtpSink } from '../helpers/smtp';
import { draftIn } from './fixtures';

// Issue 15, item 6: a notification's link (`GET /open/{id}`) decides nothing, needs no token and
// shows nothing of the draft but its id; the notification itself (email and Slack-compatible
// webhook, both real) carries that link and the record's page when the draft names one.
describe.each(TEST_DBS)('notification links (%s)', (db) => {
  let s: TestApi;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let hook: Receiver;
  let pipe: string;
  let olly: string;
  let draft: DraftResult;
  const RECORD = 'https://app.hubspot.com/contacts/77/record/0-1/4242';
  const secret = {
    subject: 'Initech renewal next steps',
    body: 'Hi Bill,\nThe rollout plan we discussed.\nBest,\nSam',
    email: 'bill@initech.example',
    account: 'Initech Holdings',
    rationale: 'Their CFO asked about the rollout last week',
    snippet: 'Initech board approved the budget',
  };

  beforeAll(async () => {
    smtp = await smtpSink();
    hook = await startReceiver();
    process.env.COUNTERSIGN_PUBLIC_URL = 'https://review.example.test';
    s = await startTestApp(db);
    pipe = await s.token('pipeline', { user: 'pipe' });
    olly = await s.token('owner', { user: 'olly', name: 'Olly' });
    const prefs = await s.api('/v1/me/notifications', {
      method: 'PUT',
      token: olly,
      body: {
        preferences: [
          { channel: 'email', target: 'olly@example.test' },
          { channel: 'slack', target: `${hook.url}/olly` },
        ],
      },
    });
    expect(prefs.status).toBe(200);
    const r = await s.api('/v1/drafts', {
      token: pipe,
      body: {
        drafts: [
          draftIn({
            target: { site: 'hubspot', email: secret.email, name: 'Bill', url: RECORD },
            account: { name: secret.account, tier: 'named', ownerId: 'olly' },
            content: { subject: secret.subject, body: secret.body },
            rationale: secret.rationale,
            evidence: [{ label: 'Board', snippet: secret.snippet }],
          }),
        ],
      },
    });
    expect(r.status).toBe(200);
    [draft] = ((await r.json()) as { results: DraftResult[] }).results as [DraftResult];
    expect(draft.queue).toBe('owner');
  });
  afterAll(async () => {
    delete process.env.COUNTERSIGN_PUBLIC_URL;
    await s?.close();
    await smtp?.close();
    await hook?.close();
  });

  /**
   * The leader's scan, once the change feed has heard of every commit so far (on PostgreSQL it hears
   * by NOTIFY, a moment after the commit; the scan reads up to the feed's version).
   */
  async function scan() {
    const head = await s.store.db
      .selectFrom('counters')
      .select('value')
      .where('name', '=', 'version')
      .executeTakeFirstOrThrow();
    expect(await nextChange(s.store.changes, Number(head.value) - 1, 5_000)).not.toBeNull();
    return scanForNotifications(s.store);
  }

  /** Everything a fetch of the link could change: the draft row, the version counter, the logs and outboxes. */
  async function state() {
    const row = await s.store.db.selectFrom('drafts').selectAll().where('id', '=', draft.id).executeTakeFirstOrThrow();
    const count = async (t: 'decisions' | 'audit_log' | 'notifications') =>
      Number(
        (
          await s.store.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const version = await s.store.db
      .selectFrom('counters')
      .select('value')
      .where('name', '=', 'version')
      .executeTakeFirstOrThrow();
    return {
      row,
      version: Number(version.value),
      decisions: await count('decisions'),
      audit: await count('audit_log'),
      notifications: await count('notifications'),
    };
  }

  it('GET /open/{id} changes nothing, needs no token, is never cached or indexed, and shows only the id', async () => {
    const before = await state();
    const pages: Response[] = [];
    // As a chat tool's link preview would: several fetches, with and without credentials.
    for (let i = 0; i < 3; i++) pages.push(await s.api(`/open/${draft.id}`));
    pages.push(await s.api(`/open/${draft.id}`, { token: olly }));
    pages.push(await s.api(`/open/${draft.id}`, { method: 'HEAD' }));
    for (const p of pages) {
      expect(p.status).toBe(200);
      expect(p.headers.get('content-type')).toMatch(/^text\/html/);
      expect(p.headers.get('cache-control')).toBe('no-store');
      expect(p.headers.get('x-robots-tag')).toMatch(/noindex/);
      expect(p.headers.get('referrer-policy')).toBe('no-referrer');
      expect(p.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    }
    const html = await pages[0]!.text();
    expect(html).toContain(`<meta name="countersign-open" content="${draft.id}">`);
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(html).toContain('decides nothing');
    for (const leak of [...Object.values(secret), RECORD, 'olly', 'Olly', 'hubspot', 'pending', 'owner'])
      expect(html).not.toContain(leak);
    // The page is the same for a draft that does not exist: it does not even tell whether one does.
    const other = await (await s.api('/open/no-such-draft')).text();
    expect(other.replaceAll('no-such-draft', draft.id)).toBe(html);
    // Nothing but GET: a POST, PUT or DELETE there is not a route.
    for (const method of ['POST', 'PUT', 'DELETE'])
      expect((await s.api(`/open/${draft.id}`, { method, body: {} })).status).toBe(404);
    expect((await s.api('/open/%3Cscript%3E')).status).toBe(404);
    expect(await state()).toEqual(before);
  });

  it('the notification (real SMTP and a real webhook receiver) carries the /open link and the record page', async () => {
    expect(await scan()).toBe(2);
    const delivery = createDelivery(s.store, { smtpUrl: smtp.url });
    expect(await delivery.deliver()).toBe(2);
    delivery.close();
    const link = `https://review.example.test/open/${draft.id}`;
    await hook.until((rs) => rs.some((r) => r.body.includes(draft.id)), 5_000);
    const text = (JSON.parse(hook.received.find((r) => r.body.includes(draft.id))!.body) as { text: string }).text;
    expect(text).toContain(`Open it to review: ${link} — opening the link decides nothing.`);
    expect(text).toContain(`The record: ${RECORD}`);
    const end = Date.now() + 5_000;
    while (!smtp.mails.some((m) => m.to.includes('olly@example.test')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    const mail = smtp.mails.find((m) => m.to.includes('olly@example.test'))!;
    const raw = mail.raw.replace(/=\r?\n/g, '');
    expect(raw).toContain(link);
    expect(raw).toContain(RECORD);
    // Following the link from the message decided nothing.
    const page = await s.api(new URL(link).pathname);
    expect(page.status).toBe(200);
    expect((await (await s.api(`/v1/drafts/${draft.id}`, { token: olly })).json()).status).toBe('pending');
  });

  it('a digest (real SMTP and a real webhook receiver) names each draft with its /open link and record page', async () => {
    const dana = await s.token('owner', { user: 'dana', name: 'Dana' });
    const prefs = await s.api('/v1/me/notifications', {
      method: 'PUT',
      token: dana,
      body: {
        preferences: [
          { channel: 'email', target: 'dana@example.test', digest: true },
          { channel: 'slack', target: `${hook.url}/dana`, digest: true },
        ],
      },
    });
    expect(prefs.status).toBe(200);
    const DANA_RECORD = 'https://app.hubspot.com/contacts/77/record/0-1/5151';
    const r = await s.api('/v1/drafts', {
      token: pipe,
      body: {
        drafts: [
          draftIn({
            target: { site: 'hubspot', email: 'ann@globex.example', url: DANA_RECORD },
            account: { name: 'Globex', tier: 'named', ownerId: 'dana' },
            content: { subject: 'Globex pilot', body: 'Hi Ann' },
          }),
          draftIn({
            target: { site: 'gmail', email: 'hank@hooli.example' },
            account: { name: 'Hooli', tier: 'named', ownerId: 'dana' },
            content: { subject: 'Hooli intro', body: 'Hi Hank' },
          }),
        ],
      },
    });
    expect(r.status).toBe(200);
    const [withRecord, without] = ((await r.json()) as { results: DraftResult[] }).results as [
      DraftResult,
      DraftResult,
    ];
    expect(await scan()).toBe(4);
    const delivery = createDelivery(s.store, { smtpUrl: smtp.url, digestMs: 0 });
    expect(await delivery.deliver()).toBe(2);
    delivery.close();
    const open = (id: string) => `https://review.example.test/open/${id}`;
    const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('• '));
    const expected = [
      `• A named-account draft waits for your review: Globex pilot — ${open(withRecord.id)} — the record: ${DANA_RECORD}`,
      `• A named-account draft waits for your review: Hooli intro — ${open(without.id)}`,
    ];

    const dana_ = (x: { body: string }) => x.body.includes('Globex pilot') || x.body.includes('Hooli intro');
    await hook.until((rs) => rs.some(dana_), 5_000);
    const post = hook.received.filter(dana_);
    expect(post).toHaveLength(1);
    expect(lines((JSON.parse(post[0]!.body) as { text: string }).text)).toEqual(expected);

    const end = Date.now() + 5_000;
    while (!smtp.mails.some((m) => m.to.includes('dana@example.test')) && Date.now() < end)
      await new Promise((res) => setTimeout(res, 50));
    const mails = smtp.mails.filter((m) => m.to.includes('dana@example.test'));
    expect(mails).toHaveLength(1);
    expect(lines(mailText(mails[0]!.raw))).toEqual(expected);
  });
});

/** The text body of a single-part mail as nodemailer writes it (quoted-printable or base64). */
function mailText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? Buffer.from(
            body
              .replace(/=\r\n/g, '')
              .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          )
        : Buffer.from(body);
  return bytes.toString('utf8').replace(/\r\n/g, '\n');
}
