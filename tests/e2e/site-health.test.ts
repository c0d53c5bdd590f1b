/**
 * Issue 18 item 5, in real Chromium: a recognised Outlook page whose compose the adapter cannot find
 * (its markup changed) is counted, the count reaches the server with the next sync (no content), and
 * the admin dashboard shows "Outlook: compose not recognised 1 time today (since hh:mm)".
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { routeFixture } from '../../server/demo/pages';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

let server: E2eServer;
let ext: LaunchedExtension;

beforeEach(async () => {
  server = await startE2eServer();
});
afterEach(async () => {
  await ext?.close();
  await server?.close();
});

it('site health: a compose the adapter does not recognise is counted and shown on the dashboard', async () => {
  await server.submit([emailDraft(1, { target: { site: 'outlook', email: 'ana@acme.example', name: 'Ana Lopez' } })]);
  ext = await launchExtension();
  const reviewer = await server.token('reviewer', { user: 'sam', name: 'Sam Seller' });
  const options = await connectExtension(ext, { url: server.url, token: reviewer });
  const page = await ext.context.newPage();
  await page.goto(await routeFixture(ext.context, 'outlook'));
  await page.getByRole('complementary', { name: 'Countersign' }).waitFor({ timeout: 15_000 });
  // Outlook ships a new compose: its body lost `aria-multiline`, so none of the dated selectors match it.
  await page.evaluate(() => {
    const pane = document.body;
    const box = document.createElement('section');
    box.className = 'newComposeShell-2027';
    const body = document.createElement('div');
    body.setAttribute('contenteditable', 'true');
    body.setAttribute('role', 'textbox');
    body.setAttribute('aria-label', 'Message body, press Alt+F10 to exit');
    body.textContent = 'private text that must never leave the page';
    box.append(body);
    pane.append(box);
  });
  // The person starts writing in it.
  await page.locator('.newComposeShell-2027 [contenteditable]').click();
  await page.keyboard.type('Hello');
  const admin = await server.token('admin', { user: 'lead', name: 'Team Lead' });
  const stored = await waitFor(
    async () => {
      const r = await fetch(`${server.url}/v1/page-health`, { headers: { authorization: `Bearer ${admin}` } });
      const h = (await r.json()) as { sites: Array<{ site: string; part: string; count: number; message: string }> };
      return h.sites.find((s) => s.site === 'outlook' && s.part === 'compose') ?? null;
    },
    { timeout: 60_000, interval: 500, message: 'health count on the server' },
  );
  expect(stored.count).toBe(1);
  expect(stored.message).toMatch(/^Outlook: compose not recognised 1 time today \(since \d\d:\d\d\)$/);
  // Nothing of the page went out: the stored rows hold site, version, part, counts and times only.
  const rows = await server.running().store.db.selectFrom('site_health').selectAll().execute();
  expect(JSON.stringify(rows)).not.toContain('private text');

  // The admin sees it on the dashboard.
  await connectExtension(ext, { url: server.url, token: admin }, options);
  const dash = await ext.context.newPage();
  await dash.goto(ext.url('dashboard.html'));
  await dash.getByRole('heading', { name: 'In the page' }).waitFor({ timeout: 20_000 });
  await dash.getByText(/Outlook: compose not recognised 1 time today \(since \d\d:\d\d\)/).waitFor();
}, 120_000);
