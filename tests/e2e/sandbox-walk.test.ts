/**
 * The sandbox walk-through (issue 17) in real Chromium with the production build and the real
 * server holding the sandbox's own demo drafts: in-app navigation moves the panel's context without
 * a reload, then open Ana's conversation → Reply → the panel shows the draft for her → Approve → the
 * text is in the reply → edit a word → Send closes the reply; the decision reaches the server.
 * The same walk `npm run browser` runs (scripts/walk.ts). On the Outlook, HubSpot and Salesforce
 * sandbox pages the panel follows the app's own navigation too: a click on another conversation or
 * record (pushState, no reload) brings that person's drafts to the top, Back brings the first one's.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALK, walkGmail } from '../../scripts/walk';
import { type FixtureSite, routeFixture } from '../../server/demo/pages';
import { sandboxDrafts } from '../../server/demo/sandbox';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, startE2eServer } from './helpers/server';

let server: E2eServer;
let ext: LaunchedExtension;
let anaDraftId: string;

beforeAll(async () => {
  server = await startE2eServer();
  const drafts = sandboxDrafts(new Date());
  const ids = await server.submit(drafts);
  anaDraftId = ids[drafts.findIndex((d) => d.externalId === 'demo-sandbox-gmail-ana-rollout')]!;
  ext = await launchExtension();
  const token = await server.token('reviewer', { user: 'sam', name: 'Sam Seller' });
  const options = await connectExtension(ext, { url: server.url, token });
  await options.close();
});
afterAll(async () => {
  await ext?.close();
  await server?.close();
});

describe('the Gmail sandbox walk-through', () => {
  it('the panel follows in-app navigation, then open → Reply → Approve → edit → Send', async () => {
    const page = await ext.context.newPage();
    await page.goto(await routeFixture(ext.context, 'gmail'));
    const panel = page.getByRole('complementary', { name: 'Countersign' });
    const first = panel.getByRole('article').first();
    await first.waitFor({ timeout: 20_000 });

    // Gmail is single-page: clicking Ben's conversation changes the hash, not the document.
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    await page.getByRole('row').filter({ hasText: 'Pricing for 200 seats' }).click();
    await expect.poll(() => page.url()).toMatch(/#inbox\/18a0000000000002$/);
    await expect.poll(() => first.textContent(), { timeout: 10_000 }).toContain('Ben Okafor');

    const result = await walkGmail(page);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(page.url()).toMatch(/#inbox\/18a0000000000001$/);
    // What was sent: to Ana, in her thread, the approved text with the person's edit.
    expect(result.sent.to).toEqual([WALK.to]);
    expect(result.sent.threadId).toBe('thread-f:1780000000000000001');
    expect(result.sent.body).toContain(WALK.draftPhrase);
    expect(result.sent.body).toContain(`Does ${WALK.to_} at 3 pm work`);
    expect(result.sent.body).not.toContain(WALK.from);
    // The reply is gone and the sent message joined the conversation.
    expect(await page.locator('.M9[data-compose-id]').count()).toBe(0);
    await page.locator('#thread-view .adn', { hasText: `Does ${WALK.to_} at 3 pm work` }).waitFor();
    // The approval reaches the server once the undo window has passed.
    const rows = await waitFor(
      async () => {
        const r = await server
          .running()
          .store.db.selectFrom('decisions')
          .selectAll()
          .where('draft_id', '=', anaDraftId)
          .execute();
        return r.length ? r : null;
      },
      { timeout: 30_000, message: 'the decision on the server' },
    );
    expect(rows.map((r) => r.action)).toEqual(['approve']);
  });
});

/** How a person moves from Ana Lopez to Ben Okafor inside each app, and the URL that follows. */
const NAVIGATION: { site: FixtureSite; toBen: (page: Page) => Promise<void>; steps?: number; benUrl: RegExp }[] = [
  {
    site: 'outlook',
    toBen: (page) => page.getByRole('option').filter({ hasText: 'Ben Okafor' }).click(),
    benUrl: /\/mail\/inbox\/id\/AAQkADAwATM0MDAAMS1hNTA1LTAwAC0wMAoAEADben$/,
  },
  {
    site: 'hubspot',
    // ‹ Contacts → the contacts list → Ben's name (the panel docks over the record's right sidebar).
    toBen: async (page) => {
      await page.getByRole('link', { name: '‹ Contacts' }).click();
      await page.waitForURL(/\/contacts\/12345678\/objects\/0-1\/views\/all\/list$/);
      await page.getByRole('row').filter({ hasText: 'ben@globex.example' }).getByRole('link').click();
    },
    steps: 2,
    benUrl: /\/contacts\/12345678\/record\/0-1\/502$/,
  },
  {
    site: 'salesforce',
    toBen: (page) => page.locator('#record-tabs').getByRole('link', { name: 'Ben Okafor' }).click(),
    benUrl: /\/lightning\/r\/Contact\/003Hs00004BenOkAAA\/view$/,
  },
];

describe('the panel follows the apps’ own navigation', () => {
  it('Outlook, HubSpot, Salesforce: another conversation or record brings its drafts first; Back returns', async () => {
    const page = await ext.context.newPage();
    const panel = page.getByRole('complementary', { name: 'Countersign' });
    const first = panel.getByRole('article').first();
    /** The people on the cards marked "For this page". */
    const forThisPage = () =>
      panel
        .getByRole('article')
        .filter({ hasText: 'For this page' })
        .evaluateAll((cards) =>
          cards.map((c) => (/(Ana Lopez|Ben Okafor|Carol Diaz)/.exec(c.textContent ?? '') ?? [''])[0]),
        );
    for (const { site, toBen, steps = 1, benUrl } of NAVIGATION) {
      await page.goto(await routeFixture(ext.context, site));
      await first.waitFor({ timeout: 20_000 });
      await expect.poll(() => first.textContent(), { message: site, timeout: 10_000 }).toContain('Ana Lopez');
      const start = page.url();
      await page.evaluate(() => {
        (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
      });

      await toBen(page);
      await expect.poll(() => page.url(), { message: site }).toMatch(benUrl);
      await expect.poll(() => first.textContent(), { message: site, timeout: 10_000 }).toContain('Ben Okafor');
      await expect.poll(forThisPage, { message: site, timeout: 10_000 }).not.toContain('Ana Lopez');
      expect(await forThisPage(), site).toContain('Ben Okafor');

      for (let i = 0; i < steps; i++) await page.goBack();
      await expect.poll(() => page.url(), { message: site }).toBe(start);
      await expect.poll(() => first.textContent(), { message: site, timeout: 10_000 }).toContain('Ana Lopez');
      await expect.poll(forThisPage, { message: site, timeout: 10_000 }).not.toContain('Ben Okafor');
      // All of it inside one document: the app never reloaded.
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), site).toBe(
        true,
      );
    }
    await page.close();
  });
});
