/**
 * The Firefox build in Firefox (issue 17): Firefox ESR (Debian's firefox-esr) over WebDriver BiDi,
 * the production Firefox build installed as a temporary add-on, the real review server. The same
 * core walk as the Chromium suite: options connect, the panel on the Gmail, Outlook, HubSpot and
 * Salesforce fixtures, approve → applied (the Draft.js paste through the main-world bridge included), the
 * decision synced to the server, and decisions made while the server is down delivered after.
 *
 * One browser for the whole file (a Firefox launch is seconds); every test opens its own tab.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftIn } from '../../lib/shared/schema';
import { waitFor } from './helpers/extension';
import { clickButton, type LaunchedFirefox, launchFirefox, panelCard, panelText } from './helpers/firefox';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

const ANA = { email: 'ana@acme.example', name: 'Ana Lopez' };
const BEN = { email: 'ben@globex.example', name: 'Ben Okafor' };
const SF_ANA = '003Hs00004AnaLoAAA';

type Win = {
  __fixture: {
    openCompose(o: unknown): string;
    openTab(t: string): void;
    setEditing(b: boolean): void;
    edit(): void;
  };
  __fixtureState: {
    composes: Record<string, { body: string; subject: string; trustedInputs: number }>;
    properties: Record<string, string>;
    composer: { text: string; subject: string };
  };
};

const crm = (i: number, over: Partial<DraftIn>): DraftIn =>
  ({ ...emailDraft(i), kind: 'crm_update', content: { fields: [{ name: 'x', value: 'y' }] }, ...over }) as DraftIn;

const DRAFTS = {
  gmail: emailDraft(1, {
    target: { site: 'gmail', ...ANA },
    content: { subject: 'Rollout plan (Firefox)', body: 'Hi Ana,\n\nThe rollout plan is attached.\n\nSam' },
  }),
  hubspotFields: crm(2, {
    target: { site: 'hubspot', recordType: '0-1', recordId: '501', name: ANA.name },
    content: { fields: [{ name: 'jobtitle', label: 'Job title', value: 'COO', previous: 'VP Operations' }] },
  }),
  hubspotEmail: emailDraft(3, {
    target: { site: 'hubspot', recordType: '0-1', recordId: '501', ...ANA },
    content: { subject: 'Draft.js in Firefox', body: 'line one\nline two\nline three' },
  }),
  salesforce: crm(4, {
    target: { site: 'salesforce', recordType: 'Contact', recordId: SF_ANA.slice(0, 15), name: ANA.name },
    content: { fields: [{ name: 'Title', label: 'Title', value: 'Chief Operating Officer' }] },
  }),
  outlook: emailDraft(6, {
    target: { site: 'outlook', ...BEN },
    content: {
      subject: 'Onboarding plan for Globex (Firefox)',
      body: 'Hi Ben,\n\nThe onboarding plan is attached.\n\nSam',
    },
  }),
  offline: emailDraft(5, {
    target: { site: 'gmail', ...BEN },
    content: { subject: 'Seats while offline', body: 'Hi Ben,\n\n200 seats are fine.\n\nSam' },
  }),
} satisfies Record<string, DraftIn>;

let server: E2eServer;
let ff: LaunchedFirefox;
let ids: Record<keyof typeof DRAFTS, string>;
let options: Page;

beforeAll(async () => {
  server = await startE2eServer();
  const keys = Object.keys(DRAFTS) as (keyof typeof DRAFTS)[];
  const got = await server.submit(keys.map((k) => DRAFTS[k]));
  ids = Object.fromEntries(keys.map((k, i) => [k, got[i]!])) as typeof ids;
  // The Firefox build the suite's global setup made (`npm run zip`, tests/e2e/global-setup.ts).
  ff = await launchFirefox();
}, 180_000);
afterAll(async () => {
  await ff?.close();
  await server?.close();
});

const serverDecisions = (draftId: string) =>
  server.running().store.db.selectFrom('decisions').selectAll().where('draft_id', '=', draftId).execute();

/** Waits until the server holds one decision for the draft (after the panel's undo window). */
async function decidedOnServer(draftId: string) {
  const rows = await waitFor(
    async () => ((await serverDecisions(draftId)).length > 0 ? serverDecisions(draftId) : null),
    {
      timeout: 30_000,
      message: `decision for ${draftId} on the server`,
    },
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('Firefox ESR with the Firefox build', () => {
  it('options: connects to the review server as a person would', async () => {
    options = await ff.openExtensionPage('options.html', 'form input[type=password]');
    const [url, token] = await options.$$('form input');
    await url!.type(server.url);
    await token!.type(await server.token('reviewer', { user: 'sam', name: 'Sam Seller' }));
    await (await options.$('form button[type=submit]'))!.click();
    await waitFor(() => options.evaluate(() => !!document.body.textContent?.includes('Connected as')), {
      timeout: 15_000,
      message: 'Connected as',
    });
    expect(await options.evaluate(() => document.querySelector('strong')?.textContent ?? '')).toBe('Sam Seller');
    // The options page runs in Firefox as a moz-extension:// page at the fixed address (asked of the
    // page itself: Firefox does not report extension-page navigations over BiDi, page.url() stays blank).
    expect(await options.evaluate(() => location.href)).toBe(ff.url('options.html'));
  });

  it('Gmail: the panel shows the draft for the open compose; Approve puts it in the body (Trusted Types page)', async () => {
    const page = await ff.openFixture('gmail');
    const id = await page.evaluate((to) => (window as unknown as Win).__fixture.openCompose({ to: [to] }), ANA);
    const card = await panelCard(page, 'Rollout plan (Firefox)');
    await clickButton(card, 'Approve');
    const st = await waitFor(
      () =>
        page.evaluate((cid) => {
          const c = (window as unknown as Win).__fixtureState.composes[cid];
          return c?.body.includes('The rollout plan is attached.') ? c : null;
        }, id),
      { message: 'Gmail compose body registered' },
    );
    expect(st.subject).toBe('Rollout plan (Firefox)');
    // No Trusted Types violation: the extension never assigned HTML strings on the page.
    expect(
      await page.evaluate(
        () => (window as unknown as { __fixtureState: { violations: unknown[] } }).__fixtureState.violations,
      ),
    ).toEqual([]);
    const row = await decidedOnServer(ids.gmail);
    expect(row.action).toBe('approve');
    expect(row.status).toBe('applied');
    await page.close();
  });

  it('Outlook on the web: the panel shows the draft for the compose’s recipient; Approve fills subject and body', async () => {
    const page = await ff.openFixture('outlook');
    const id = await page.evaluate((to) => (window as unknown as Win).__fixture.openCompose({ to: [to] }), BEN);
    const card = await panelCard(page, 'Onboarding plan for Globex (Firefox)');
    await clickButton(card, 'Approve');
    const st = await waitFor(
      () =>
        page.evaluate((cid) => {
          const c = (window as unknown as Win).__fixtureState.composes[cid];
          return c?.body.includes('The onboarding plan is attached.') ? c : null;
        }, id),
      { message: 'Outlook compose body registered' },
    );
    expect(st.subject).toBe('Onboarding plan for Globex (Firefox)');
    // Typed as the page's own editor sees typing (input events it trusts), not set behind its back.
    expect(st.trustedInputs).toBeGreaterThan(0);
    const row = await decidedOnServer(ids.outlook);
    expect(row.action).toBe('approve');
    expect(row.status).toBe('applied');
    await page.close();
  });

  it('HubSpot: Approve sets the record’s fields in React state, and the email goes into Draft.js through the bridge', async () => {
    const page = await ff.openFixture('hubspot');
    // The main-world bridge (content script with world: MAIN) ran on the page.
    expect(await page.evaluate(() => document.documentElement.dataset.countersignBridge)).toBe('1');
    await page.evaluate(() => (window as unknown as Win).__fixture.setEditing(true));
    await page.waitForSelector('[data-selenium-test="property-input-jobtitle"]');
    await clickButton(await panelCard(page, 'Job title'), 'Approve');
    await waitFor(() => page.evaluate(() => (window as unknown as Win).__fixtureState.properties.jobtitle === 'COO'), {
      message: 'HubSpot React state has the new job title',
    });

    await page.evaluate(() => (window as unknown as Win).__fixture.openTab('email'));
    await page.waitForSelector('[data-test-id="email-composer"]:not([hidden])');
    await clickButton(await panelCard(page, 'Draft.js in Firefox'), 'Approve');
    // Every line in Draft.js's own EditorState: the synthetic paste was built in the page's world.
    const composer = await waitFor(
      () =>
        page.evaluate(() => {
          const c = (window as unknown as Win).__fixtureState.composer;
          return c.text.includes('line three') ? c : null;
        }),
      { message: 'Draft.js EditorState has the email' },
    );
    expect(composer.text).toBe('line one\nline two\nline three');
    expect((await decidedOnServer(ids.hubspotFields)).action).toBe('approve');
    expect((await decidedOnServer(ids.hubspotEmail)).action).toBe('approve');
    await page.close();
  });

  it('Salesforce: Approve commits the Lightning inputs of the open record', async () => {
    const page = await ff.openFixture('salesforce');
    await page.evaluate(() => (window as unknown as Win).__fixture.edit());
    await clickButton(await panelCard(page, 'Chief Operating Officer'), 'Approve');
    await waitFor(
      () =>
        page.evaluate(
          (id) =>
            (document.querySelector(`[data-record-id="${id}"] [data-field="Title"]`) as HTMLElement & { value: string })
              ?.value === 'Chief Operating Officer',
          SF_ANA,
        ),
      { message: 'Lightning component value' },
    );
    expect((await decidedOnServer(ids.salesforce)).status).toBe('applied');
    await page.close();
  });

  it('offline: a decision made while the server is down is applied, kept, and delivered once it is back', async () => {
    const page = await ff.openFixture('gmail');
    const id = await page.evaluate((to) => (window as unknown as Win).__fixture.openCompose({ to: [to] }), BEN);
    await panelCard(page, 'Seats while offline');
    await server.stop();
    try {
      // The live stream's failed reconnect makes the panel pull and re-render its cards: the card is
      // found again after the stop (a handle taken before it can point at a replaced node, and a
      // click on that lands nowhere — a person clicks the card that is on screen).
      await new Promise((r) => setTimeout(r, 1_000));
      const card = await panelCard(page, 'Seats while offline');
      await clickButton(card, 'Approve');
      await waitFor(
        () =>
          page.evaluate(
            (cid) => !!(window as unknown as Win).__fixtureState.composes[cid]?.body.includes('200 seats are fine.'),
            id,
          ),
        { message: 'applied while offline' },
      );
      // After the undo window the worker tries to push, fails, and keeps the decision.
      const popup = await ff.openExtensionPage('popup.html', '[data-testid="unsynced"]');
      await waitFor(async () => (await popup.$eval('[data-testid="unsynced"]', (e) => e.textContent)) === '1', {
        timeout: 30_000,
        message: 'one decision kept unsynced',
      });
      await waitFor(() => popup.evaluate(() => !!document.body.textContent?.includes('Decisions are kept here')), {
        timeout: 15_000,
        message: 'the popup says decisions are kept',
      });
      await server.start();
      await clickButton((await popup.$('body'))!, 'Sync now');
      await waitFor(async () => (await popup.$eval('[data-testid="unsynced"]', (e) => e.textContent)) === '0', {
        timeout: 20_000,
        message: 'unsynced → 0',
      });
      await popup.close();
    } finally {
      await server.start();
    }
    expect((await decidedOnServer(ids.offline)).action).toBe('approve');
    expect(await panelText(page)).not.toContain('Seats while offline');
    await page.close();
  });
});
