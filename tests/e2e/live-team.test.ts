/**
 * Live team review (issue 15) in real Chromium: two browsers, each with the production build of the
 * extension, two reviewers on one queue, each connected to a DIFFERENT server instance of one
 * PostgreSQL (as behind a load balancer). A card one person is on shows "<name> is reviewing" in the
 * other's panel (and comes last there); a decision in one panel takes the card out of the other
 * within a second of reaching the server (GET /v1/sync/stream → the worker pulls → the panel).
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeFixture } from '../../server/demo/pages';
import { type Cluster, startCluster } from '../helpers/cluster';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { emailDraft } from './helpers/server';

let c: Cluster;
const browsers: LaunchedExtension[] = [];

beforeAll(async () => {
  c = await startCluster(2, 'postgres', { timers: false });
});
afterAll(async () => {
  for (const b of browsers) await b.close();
  await c?.close();
});

const card = (panel: Locator, text: string) => panel.getByRole('article').filter({ hasText: text });

/** One reviewer's browser: the extension connected to instance `i`, the Gmail fixture open with the panel. */
async function reviewer(i: number, token: string): Promise<{ page: Page; panel: Locator }> {
  const ext = await launchExtension();
  browsers.push(ext);
  const options = await connectExtension(ext, { url: c.instances[i]!.url, token });
  const page = await ext.context.newPage();
  await page.goto(await routeFixture(ext.context, 'gmail'));
  await options.close();
  const panel = page.getByRole('complementary', { name: 'Countersign' });
  await panel.waitFor({ timeout: 20_000 });
  await waitFor(async () => (await panel.getByRole('article').count()) === 3, {
    timeout: 30_000,
    message: `three cards in panel ${i}`,
  });
  return { page, panel };
}

describe('two reviewers on one queue, two browsers, two server instances', () => {
  it('a claimed card shows who holds it; a decision in one panel leaves the other within 1 s', async () => {
    const pipe = await c.token('pipeline', 'pipe');
    const r = await c.api(0, '/v1/drafts', {
      token: pipe,
      body: {
        drafts: [0, 1, 2].map((i) =>
          emailDraft(i, { target: { site: 'gmail', email: `lead${i}@acme.test`, name: `Lead ${i}` } }),
        ),
      },
    });
    expect(r.status).toBe(200);
    const maya = await c.token('reviewer', 'maya', { name: 'Maya' });
    const sam = await c.token('reviewer', 'sam', { name: 'Sam' });
    const store = c.instances[0]!.store;
    const claimOf = async () =>
      store.db
        .selectFrom('drafts')
        .select(['id', 'claimed_by', 'input_json'])
        .where('claimed_by', 'is not', null)
        .execute();

    // Maya first (instance 0): the card she is on is claimed for her.
    const a = await reviewer(0, maya);
    const [held] = await waitFor(
      async () => {
        const rows = await claimOf();
        return rows.length === 1 && rows[0]!.claimed_by === 'maya' ? rows : null;
      },
      { timeout: 20_000, message: "Maya's claim on the server" },
    );
    const name = (JSON.parse(held!.input_json) as { target: { name: string } }).target.name;

    // Sam (instance 1): that card says Maya is reviewing it, and comes last in his order.
    const b = await reviewer(1, sam);
    const claimed = card(b.panel, name);
    await waitFor(async () => (await claimed.textContent())?.includes('Maya is reviewing'), {
      timeout: 10_000,
      message: '"Maya is reviewing" in the other panel',
    });
    expect(await b.panel.getByRole('article').last().textContent()).toContain(name);
    // Sam's own current card is a different one, claimed for him; Maya's claim stands.
    await waitFor(async () => (await claimOf()).some((x) => x.claimed_by === 'sam'), { message: "Sam's claim" });
    expect((await claimOf()).find((x) => x.id === held!.id)?.claimed_by).toBe('maya');

    // When the card leaves Sam's panel, watched from the test (same machine clock as the server's).
    const gone = (async () => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if ((await card(b.panel, name).count()) === 0) return Date.now();
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("the card never left Sam's panel");
    })();

    // Maya rejects her card; it goes to the server after the undo window.
    const mine = card(a.panel, name);
    await mine.getByRole('button', { name: 'Reject', exact: true }).click();
    await mine.getByRole('checkbox', { name: 'Wrong or outdated facts' }).check();
    await mine.getByRole('button', { name: 'Confirm reject' }).click();
    const decided = await waitFor(
      async () =>
        store.db
          .selectFrom('decisions')
          .select(['received_at', 'status'])
          .where('draft_id', '=', held!.id)
          .executeTakeFirst(),
      { timeout: 40_000, message: "Maya's decision on the server" },
    );
    expect(decided.status).toBe('applied');
    const goneAt = await gone;
    const lag = goneAt - Date.parse(decided.received_at);
    console.log(`[live-team] decision on instance 0 → card gone from the panel on instance 1: ${lag} ms`);
    expect(lag).toBeLessThan(1_000);
    expect(await b.panel.getByRole('article').count()).toBe(2);
    // …and Sam's panel says what happened: "Maya rejected “…” a moment ago".
    const settled = b.panel.getByRole('list', { name: 'Settled by others' });
    await waitFor(async () => /Maya rejected “.+” a moment ago/.test((await settled.textContent()) ?? ''), {
      timeout: 5_000,
      message: '"Maya rejected … a moment ago" in the other panel',
    });
  });
});
