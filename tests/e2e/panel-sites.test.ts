/**
 * On each supported site's fixture page (served at the real URL), with the production build and the
 * real server: the draft for the record in front of the person is shown first, and Approve puts its
 * text where it belongs so the page's own framework registers it (issue 4 "Tests" and "Done when").
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DraftIn } from '../../lib/shared/schema';
import { type FixtureSite, routeFixture } from '../../server/demo/pages';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

const ANA = { email: 'ana@acme.example', name: 'Ana Lopez' };
const SF_ANA = '003Hs00004AnaLoAAA';

let server: E2eServer;
let ext: LaunchedExtension;

beforeEach(async () => {
  server = await startE2eServer();
});
afterEach(async () => {
  await ext?.close();
  await server?.close();
});

async function open(site: FixtureSite, drafts: DraftIn[]) {
  const ids = await server.submit(drafts);
  ext = await launchExtension();
  const token = await server.token('reviewer', { user: 'sam', name: 'Sam Seller' });
  const options = await connectExtension(ext, { url: server.url, token });
  const url = await routeFixture(ext.context, site);
  const page = await ext.context.newPage();
  await page.goto(url);
  await options.close();
  const panel = page.getByRole('complementary', { name: 'Countersign' });
  await panel.waitFor({ timeout: 15_000 });
  await waitFor(async () => (await panel.getByRole('article').count()) >= Math.min(drafts.length, 2), {
    timeout: 20_000,
    message: 'drafts in the panel',
  });
  return { ids, page, panel };
}

const decisions = (draftId: string) =>
  server.running().store.db.selectFrom('decisions').selectAll().where('draft_id', '=', draftId).execute();

const crm = (i: number, over: Partial<DraftIn>): DraftIn =>
  ({
    ...emailDraft(i),
    kind: 'crm_update',
    content: { fields: [{ name: 'x', value: 'y' }] },
    ...over,
  }) as DraftIn;

describe('the panel on each site', () => {
  it('Outlook: the draft for the open conversation first; Approve fills the compose', async () => {
    const mine = emailDraft(9, {
      target: { site: 'outlook', email: ANA.email, name: ANA.name },
      content: { subject: 'Rollout plan', body: 'Hi Ana,\n\nThe plan is attached.\n\nSam' },
    });
    const { page, panel } = await open('outlook', [
      emailDraft(1, { target: { site: 'outlook', email: 'x@y.test', name: 'Xavier' } }),
      mine,
    ]);
    const first = panel.getByRole('article').first();
    await waitFor(async () => (await first.textContent())?.includes('Ana Lopez'), { message: 'Ana first' });
    const id = await page.evaluate(
      (to) =>
        (window as unknown as { __fixture: { openCompose(o: unknown): string } }).__fixture.openCompose({ to: [to] }),
      ANA,
    );
    await first.getByRole('button', { name: 'Approve', exact: true }).click();
    const st = await waitFor(
      () =>
        page.evaluate((cid) => {
          const c = (
            window as unknown as { __fixtureState: { composes: Record<string, { body: string; subject: string }> } }
          ).__fixtureState.composes[cid];
          return c?.body.includes('The plan is attached.') ? c : null;
        }, id),
      { message: 'Outlook compose body registered' },
    );
    expect(st.subject).toBe('Rollout plan');
  });

  it('HubSpot: the record’s CRM update first; Approve sets the fields in React state', async () => {
    const mine = crm(2, {
      target: { site: 'hubspot', recordType: '0-1', recordId: '501', name: ANA.name },
      content: {
        fields: [
          { name: 'jobtitle', label: 'Job title', value: 'COO', previous: 'VP Operations' },
          { name: 'phone', label: 'Phone number', value: '+1 555 0199' },
        ],
      },
    });
    const { page, panel } = await open('hubspot', [crm(1, { target: { site: 'hubspot', recordId: '999' } }), mine]);
    const first = panel.getByRole('article').first();
    await waitFor(async () => (await first.textContent())?.includes('Ana Lopez'), { message: 'record draft first' });
    await page.evaluate(() =>
      (window as unknown as { __fixture: { setEditing(b: boolean): void } }).__fixture.setEditing(true),
    );
    await page.waitForSelector('[data-selenium-test="property-input-jobtitle"]');
    await first.getByRole('button', { name: 'Approve', exact: true }).click();
    const props = await waitFor(
      () =>
        page.evaluate(() => {
          const p = (window as unknown as { __fixtureState: { properties: Record<string, string> } }).__fixtureState
            .properties;
          return p.jobtitle === 'COO' ? p : null;
        }),
      { message: 'HubSpot React state' },
    );
    expect(props.phone).toBe('+1 555 0199');
    await panel.getByText(/put into HubSpot/).waitFor();
  });

  it('Salesforce: the record’s update first, above Lightning; Approve commits the Lightning inputs', async () => {
    const mine = crm(3, {
      target: { site: 'salesforce', recordType: 'Contact', recordId: SF_ANA.slice(0, 15), name: ANA.name },
      content: { fields: [{ name: 'Title', label: 'Title', value: 'Chief Operating Officer' }] },
    });
    const { page, panel } = await open('salesforce', [
      crm(1, { target: { site: 'salesforce', recordId: '003000000000001' } }),
      mine,
    ]);
    const first = panel.getByRole('article').first();
    await waitFor(async () => (await first.textContent())?.includes('Ana Lopez'), { message: 'record draft first' });
    await page.evaluate(() => (window as unknown as { __fixture: { edit(): void } }).__fixture.edit());
    await first.getByRole('button', { name: 'Approve', exact: true }).click();
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
    // Above Lightning's modals (z-index ≥ 9000): the panel is what is hit at its own centre.
    const onTop = await page.evaluate(() => {
      const host = document.querySelector('countersign-panel')!;
      const aside = host.shadowRoot!.querySelector('aside')!;
      const modal = document.createElement('div');
      modal.style.cssText = 'position:fixed;inset:0;z-index:9000;background:rgba(0,0,0,.3)';
      document.body.append(modal);
      const r = aside.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + 20);
      modal.remove();
      return hit === host;
    });
    expect(onTop).toBe(true);
  });

  // Done when: on each site a keyboard-only reviewer gets through ten drafts in under a minute, and
  // the approved text for the record in front lands where it belongs, registered by the page.
  type Win = {
    __fixture: { openCompose(o: unknown): string; setEditing(b: boolean): void; edit(): void };
    __fixtureState: {
      composes: Record<string, { subject: string; body: string }>;
      properties: Record<string, string>;
    };
  };
  interface TenCase {
    site: FixtureSite;
    mine: DraftIn;
    other: (i: number) => DraftIn;
    /** Opens the compose / edit mode the draft for the record belongs in; returns a handle for `landed`. */
    prepare: (page: Page) => Promise<string>;
    landed: (page: Page, handle: string) => Promise<boolean>;
  }
  /** Mail sites: a compose to Ana is open; her draft's body must reach the compose's saved state. */
  const composeCase = (site: 'gmail' | 'outlook'): TenCase => ({
    site,
    mine: emailDraft(0, {
      target: { site, ...ANA },
      content: { subject: 'Rollout plan', body: 'Hi Ana,\n\nThe plan is attached.\n\nSam' },
    }),
    other: (i) => emailDraft(i, { target: { site, email: `lead${i}@acme.test`, name: `Lead ${i}` } }),
    prepare: (page) => page.evaluate((to) => (window as unknown as Win).__fixture.openCompose({ to: [to] }), ANA),
    landed: (page, id) =>
      page.evaluate(
        (cid) => !!(window as unknown as Win).__fixtureState.composes[cid]?.body.includes('The plan is attached.'),
        id,
      ),
  });
  const TEN: TenCase[] = [
    composeCase('gmail'),
    composeCase('outlook'),
    {
      site: 'hubspot',
      mine: crm(0, {
        target: { site: 'hubspot', recordType: '0-1', recordId: '501', name: ANA.name },
        content: { fields: [{ name: 'jobtitle', label: 'Job title', value: 'COO' }] },
      }),
      other: (i) => crm(i, { target: { site: 'hubspot', recordType: '0-1', recordId: String(900 + i) } }),
      prepare: async (page) => {
        await page.evaluate(() => (window as unknown as Win).__fixture.setEditing(true));
        await page.waitForSelector('[data-selenium-test="property-input-jobtitle"]');
        return '';
      },
      landed: (page) => page.evaluate(() => (window as unknown as Win).__fixtureState.properties.jobtitle === 'COO'),
    },
    {
      site: 'salesforce',
      mine: crm(0, {
        target: { site: 'salesforce', recordType: 'Contact', recordId: SF_ANA.slice(0, 15), name: ANA.name },
        content: { fields: [{ name: 'Title', label: 'Title', value: 'Chief Operating Officer' }] },
      }),
      other: (i) => crm(i, { target: { site: 'salesforce', recordType: 'Contact', recordId: `003Hs0000Other${i}` } }),
      prepare: async (page) => {
        await page.evaluate(() => (window as unknown as Win).__fixture.edit());
        return SF_ANA;
      },
      landed: (page, id) =>
        page.evaluate(
          (rid) =>
            (
              document.querySelector(`[data-record-id="${rid}"] [data-field="Title"]`) as HTMLElement & {
                value: string;
              }
            )?.value === 'Chief Operating Officer',
          id,
        ),
    },
  ];

  it.each(TEN)('$site: a keyboard-only reviewer gets through ten drafts in under a minute', async (t) => {
    const drafts = [t.mine, ...Array.from({ length: 9 }, (_, i) => t.other(i + 1))];
    const { ids, page, panel } = await open(t.site, drafts);
    const handle = await t.prepare(page);
    const first = panel.getByRole('article').first();
    await waitFor(async () => (await first.textContent())?.includes('Ana Lopez'), { message: 'record draft first' });
    const started = Date.now();
    await first.focus();
    for (let i = 0; i < 10; i++) {
      const before = await panel.locator('article.cs-current').getAttribute('data-draft-id');
      if (i % 3 === 2) {
        await page.keyboard.press('r');
        await panel.getByRole('checkbox', { name: 'Wrong or outdated facts' }).waitFor();
        await page.keyboard.press('Space');
        await page.keyboard.press('Enter');
      } else {
        await page.keyboard.press('a');
      }
      if (i < 9)
        await waitFor(
          async () => (await panel.locator('article.cs-current').getAttribute('data-draft-id')) !== before,
          {
            message: `draft ${i + 1} of 10 (${i % 3 === 2 ? 'reject' : 'approve'}): the panel did not move on`,
          },
        ).catch(async (e: Error) => {
          // Where the keys went: the focused element, through shadow roots.
          const focus = await page.evaluate(() => {
            let a: Element | null = document.activeElement;
            while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
            return a
              ? `${a.tagName.toLowerCase()}${a.className ? `.${String(a.className).split(' ').join('.')}` : ''}`
              : 'none';
          });
          throw new Error(`${e.message}; focus on ${focus}`);
        });
    }
    await panel.getByText('No drafts waiting for you.').waitFor();
    const took = Date.now() - started;
    expect(took).toBeLessThan(60_000);
    // The first, approved with `a`, is the draft for the record in front: the page registered it.
    await waitFor(() => t.landed(page, handle), { message: `${t.site}: approved text registered by the page` });
    // All ten reach the server once their undo windows pass, each once.
    await waitFor(
      async () => {
        const all = await Promise.all(ids.map((id) => decisions(id)));
        return all.every((d) => d.length === 1);
      },
      { timeout: 30_000, message: 'ten decisions on the server' },
    );
    const actions = (await Promise.all(ids.map((id) => decisions(id)))).map((d) => d[0]!.action);
    expect(actions[0]).toBe('approve');
    expect(actions.filter((a) => a === 'reject')).toHaveLength(3);
  });
});
