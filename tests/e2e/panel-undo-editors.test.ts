/**
 * The panel's Undo button, clicked in the real panel (production build, real server), after an
 * approved email went into a composer built on Draft.js and on Slate (issue 18 item 3): the text
 * comes out through the editor's own model, the page's React tree stays mounted (no `removeChild`
 * errors: an empty replacement over several blocks used to unmount Draft.js), the editor still
 * takes typing afterwards, and focus is back on the panel. The composer is the HubSpot fixture's
 * (Draft.js 0.11 UMD on React 18); for Slate the same page mounts a real Slate editor as the body
 * (tests/fixtures/editors/panel/slate-composer.js, bundled here with esbuild against the page's React).
 * One server, one browser, one page; both editors in one test.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FIXTURE_URLS, fixtureResponse } from '../../server/demo/pages';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

const BEN = { email: 'ben@globex.example', name: 'Ben Okafor' };
const SUBJECT = 'Rollout plan';
// Several blocks: the browser's delete over several blocks is what unmounted Draft.js.
const BODY = 'Hi Ben,\n\nThe plan for the EMEA pilot at Acme is attached.\n\nSam';
const PANEL_DIR = join(process.cwd(), 'tests', 'fixtures', 'editors', 'panel');

let server: E2eServer;
let ext: LaunchedExtension;
beforeAll(async () => {
  server = await startE2eServer();
});
afterAll(async () => {
  await ext?.close();
  await server?.close();
});

type Win = {
  __fixture: { openTab(name: string): void };
  __fixtureState: { composer: { subject: string; text: string; blocks: number } };
  __slateComposer?: { lines(): string[] | null; renders(): number };
};

/** What the composer holds, read from the editor's model: Draft.js's EditorState (the fixture mirrors it) or Slate's children. */
const held = (page: Page, slate: boolean) =>
  page.evaluate((slate) => {
    const w = window as unknown as Win;
    const body = slate ? (w.__slateComposer!.lines() ?? []).join('\n') : w.__fixtureState.composer.text;
    return { subject: w.__fixtureState.composer.subject, body };
  }, slate);

it('Undo in the panel takes an applied email out of Draft.js and Slate composers through their models', async () => {
  const slateBundle = build({
    entryPoints: [join(PANEL_DIR, 'slate-composer.js')],
    bundle: true,
    format: 'iife',
    write: false,
    minify: true,
    target: 'chrome120',
    alias: { react: join(PANEL_DIR, 'react-global.cjs'), 'react-dom': join(PANEL_DIR, 'react-dom-global.cjs') },
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  await server.submit([
    emailDraft(0, {
      target: { site: 'hubspot', recordType: '0-1', recordId: '502', ...BEN },
      content: { subject: SUBJECT, body: BODY },
    }),
  ]);
  ext = await launchExtension();
  const token = await server.token('reviewer', { user: 'sam', name: 'Sam Seller' });
  const options = await connectExtension(ext, { url: server.url, token });

  // The HubSpot fixture at its real URL; with `?slate` the page first loads the Slate composer.
  await ext.context.route(FIXTURE_URLS.hubspot.pattern, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('/slate-composer.js'))
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: await slateBundle });
    const res = fixtureResponse('hubspot', url.href);
    if (url.searchParams.has('slate') && res.contentType.startsWith('text/html')) {
      const html = res.body
        .toString('utf8')
        .replace('<script src="app.js">', '<script src="slate-composer.js"></script>\n<script src="app.js">');
      return route.fulfill({ ...res, body: Buffer.from(html) });
    }
    return route.fulfill(res);
  });
  const page = await ext.context.newPage();
  await options.close();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && /removeChild|NotFoundError|Minified React error|unmount/i.test(m.text()))
      errors.push(m.text());
  });
  const panel = page.getByRole('complementary', { name: 'Countersign' });
  const record = FIXTURE_URLS.hubspot.url.replace('/record/0-1/501', '/record/0-1/502');

  for (const editor of ['draftjs', 'slate'] as const) {
    const slate = editor === 'slate';
    await page.goto(slate ? `${record}${record.includes('?') ? '&' : '?'}slate` : record);
    await panel.waitFor({ timeout: 15_000 });
    await page.evaluate(() => (window as unknown as Win).__fixture.openTab('email'));
    const bodyEl = page.locator('[data-test-id="email-composer"] [contenteditable="true"]');
    await bodyEl.waitFor();
    expect(await bodyEl.getAttribute(slate ? 'data-slate-editor' : 'class'), editor).toMatch(
      slate ? /true/ : /public-DraftEditor-content/,
    );
    expect(await held(page, slate)).toEqual({ subject: '', body: '' });

    const card: Locator = panel.getByRole('article').filter({ hasText: BEN.name }).first();
    await card.waitFor({ timeout: 15_000 });
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await waitFor(async () => (await held(page, slate)).body === BODY, {
      message: `${editor}: the email in the composer's model`,
    });
    expect((await held(page, slate)).subject).toBe(SUBJECT);

    await panel.getByRole('button', { name: 'Undo' }).click();
    await waitFor(
      async () => {
        const h = await held(page, slate);
        return h.subject === '' && h.body === '';
      },
      { message: `${editor}: the composer's model empty again after the panel's Undo` },
    );
    // Once the revert is over, focus is back in the panel, on the card that came back (not left in
    // the composer), and the panel says nothing failed (a failed revert names the part).
    await waitFor(
      () =>
        page.evaluate(() => {
          const a = document.activeElement;
          return a?.shadowRoot?.activeElement?.localName === 'article' && !a.closest('[data-test-id="email-composer"]');
        }),
      { message: `${editor}: focus back on the panel's card` },
    );
    await card.waitFor();
    const said = await panel.getByText(/^Undone/).allTextContents();
    expect(said.join(' '), editor).not.toMatch(/could not be taken out/);

    // The React tree is intact: the same editor is mounted and still takes typing into its model.
    await bodyEl.click();
    await page.keyboard.type('Thanks');
    await waitFor(async () => (await held(page, slate)).body === 'Thanks', {
      message: `${editor}: typing after the undo reaches the model`,
    });
    expect(errors, editor).toEqual([]);
  }
}, 60_000);
