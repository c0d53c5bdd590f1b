import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftWithDecisions } from '../../lib/shared/schema';
import { draftIn } from '../api/fixtures';
import { type Receiver, startReceiver } from '../helpers/receiver';
import {
  connectExtension,
  extensionWithGrants,
  type LaunchedExtension,
  launchExtension,
  waitFor,
} from './helpers/extension';
import { type E2eServer, startE2eServer } from './helpers/server';

// Issue 15, item 6, in real Chromium with the built extension: a notification's link (taken from a
// real Slack-compatible webhook post the server's own timers sent) opens the dashboard's draft view;
// opening it changed nothing; approving there reaches the server once, through the worker's outbox.
//
// The person allowed notification links for their server (options page; the browser's prompt, which
// automation cannot answer, is stood in for by a copy of the build that asks for the same two
// permissions at install: `scripting` and the loopback origin, the sandbox's optional ones).
describe('notification links open the dashboard draft view', () => {
  let server: E2eServer;
  let hook: Receiver;
  let ext: LaunchedExtension;
  let build: ReturnType<typeof extensionWithGrants>;
  let olly: string;
  let admin: string;

  beforeAll(async () => {
    server = await startE2eServer();
    // The server's links point at itself (COUNTERSIGN_PUBLIC_URL is read when a notification is written).
    process.env.COUNTERSIGN_PUBLIC_URL = server.url;
    // The team's Slack-compatible receiver is on this machine: allowed, as a deployment would.
    process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS = '127.0.0.1';
    hook = await startReceiver();
    build = extensionWithGrants({ permissions: ['scripting'], origins: ['http://127.0.0.1/*'] });
    ext = await launchExtension({ extensionDir: build.dir });
    olly = await server.token('owner', { user: 'olly', name: 'Olly' });
    admin = await server.token('admin', { user: 'root', name: 'Root' });
    const put = await fetch(`${server.url}/v1/me/notifications`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${olly}`, 'content-type': 'application/json' },
      body: JSON.stringify({ preferences: [{ channel: 'slack', target: `${hook.url}/olly` }] }),
    });
    expect(put.status).toBe(200);
    await (await connectExtension(ext, { url: server.url, token: olly })).close();
  }, 60_000);
  afterAll(async () => {
    delete process.env.COUNTERSIGN_PUBLIC_URL;
    await ext?.close();
    build?.remove();
    await hook?.close();
    await server?.close();
  });

  const draftOnServer = async (id: string) =>
    (await (
      await fetch(`${server.url}/v1/drafts/${id}`, { headers: { authorization: `Bearer ${admin}` } })
    ).json()) as DraftWithDecisions;

  it('the link from the notification lands in the draft view; approving there reaches the server once', async () => {
    const record = 'https://app.hubspot.com/contacts/77/record/0-1/5150';
    const [id] = await server.submit([
      draftIn({
        target: { site: 'hubspot', email: 'lou@vandelay.example', name: 'Lou', url: record },
        account: { name: 'Vandelay Industries', tier: 'named', ownerId: 'olly' },
        content: { subject: 'Vandelay import plans', body: 'Hi Lou,\nAbout the latex shipment.\nBest,\nSam' },
      }),
    ]);
    // The server's own timers (1 s tick) tell Olly: the webhook post carries the link.
    const posts = await hook.until((rs) => rs.some((r) => r.body.includes(id!)), 15_000);
    const text = (JSON.parse(posts.find((r) => r.body.includes(id!))!.body) as { text: string }).text;
    const link = /(http:\/\/127\.0\.0\.1:\d+\/open\/[\w.:-]+)/.exec(text)?.[1];
    expect(link).toBe(`${server.url}/open/${id}`);
    expect(text).toContain(record);

    const before = await draftOnServer(id!);
    expect(before.status).toBe('pending');
    const page = await ext.context.newPage();
    await page.goto(link!);
    // The extension's open-link script hands the tab to the dashboard's draft view.
    await page.waitForURL(ext.url(`dashboard.html?draft=${encodeURIComponent(id!)}`), { timeout: 15_000 });
    const view = page.getByTestId('draft-review');
    await view.getByText('Vandelay import plans').waitFor({ timeout: 15_000 });
    expect(await view.getByTestId('draft-waits-for').innerText()).toBe('you');
    expect(await view.getByRole('link', { name: "Open the record's page" }).getAttribute('href')).toBe(record);
    // Opening the link (and the view) changed nothing on the server.
    const opened = await draftOnServer(id!);
    expect(opened.status).toBe('pending');
    expect(opened.decisions).toEqual([]);
    expect(opened.version).toBe(before.version);

    await view.getByRole('button', { name: 'Approve' }).click();
    await view.getByText('Your approval reached the server.').waitFor({ timeout: 15_000 });
    const after = await waitFor(async () => {
      const d = await draftOnServer(id!);
      return d.status === 'approved' ? d : null;
    });
    expect(after.decidedBy).toBe('olly');
    // Once: one decision on the server, even after further syncs.
    await page.reload();
    await view.getByTestId('draft-blocked').waitFor({ timeout: 15_000 });
    expect(await view.getByTestId('draft-blocked').innerText()).toMatch(/^Already decided: approved by you/);
    expect(await view.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect((await draftOnServer(id!)).decisions.map((d) => [d.userId, d.action, d.status])).toEqual([
      ['olly', 'approve', 'applied'],
    ]);
    await page.close();
  }, 60_000);
});
