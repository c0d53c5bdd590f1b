/**
 * The sandbox walk-through (issue 17) in real Chromium with the production build and the real
 * server holding the sandbox's own demo drafts: in-app navigation moves the panel's context without
 * a reload, then open Ana's conversation → Reply → the panel shows the draft for her → Approve → the
 * text is in the reply → edit a word → Send closes the reply; the decision reaches the server.
 * The same walk `npm run browser` runs (scripts/walk.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALK, walkGmail } from '../../scripts/walk';
import { routeFixture } from '../../server/demo/pages';
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
