/**
 * The sandbox walk-through (issue 17), the path an SDR takes every day, on the Gmail sandbox page with
 * the real panel: open Ana's conversation → Reply → the panel shows the draft for her → Approve → the
 * text is in the reply → edit a word → Send. Used by `npm run browser` (headless: it writes the
 * README's screenshots at each step) and by tests/e2e/sandbox-walk.test.ts in real Chromium.
 *
 * Every step uses what a person uses: clicks on the page's own list row and buttons, the panel's
 * Approve button, the keyboard for the edit.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** Ana Lopez's conversation in the Gmail sandbox, and the words the walk edits in the approved text. */
export const WALK = {
  threadSubject: 'Quick question about the Q3 rollout',
  to: 'ana@acme.example',
  /** A phrase of the demo draft for Ana (server/demo/sandbox-drafts.ts), and the word replaced in it. */
  draftPhrase: 'Here is the rollout plan for Acme',
  from: 'Thursday',
  to_: 'Friday',
} as const;

export interface WalkResult {
  /** What the page recorded as sent. */
  sent: { to: string[]; subject: string; body: string; threadId: string | null };
  /** Screenshot files written, in order. */
  screenshots: string[];
  /** Milliseconds from the click on Approve until the text was in the reply. */
  approveToTextMs: number;
}

interface GmailWindow {
  __fixtureState: {
    composes: Record<string, { body: string; to: string[] }>;
    sent: { to: string[]; subject: string; body: string; threadId: string | null }[];
  };
}

/** Polls `fn` in the page until it returns something truthy. */
async function until<T>(page: Page, fn: () => T | Promise<T>, timeout = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('walk: timed out');
    await page.waitForTimeout(100);
  }
}

/**
 * Walks the Gmail sandbox page (already open, extension connected). `shots`: a directory to write
 * `walk-<n>-<step>.png` to, or none.
 */
export async function walkGmail(
  page: Page,
  opts: { shots?: string; say?: (s: string) => void } = {},
): Promise<WalkResult> {
  const say = opts.say ?? (() => {});
  const screenshots: string[] = [];
  const shot = async (name: string) => {
    if (!opts.shots) return;
    const file = join(opts.shots, `walk-${screenshots.length + 1}-${name}.png`);
    await page.screenshot({ path: file });
    screenshots.push(file);
  };
  const panel = page.getByRole('complementary', { name: 'Countersign' });
  await panel.waitFor({ timeout: 20_000 });

  say('  1. open the conversation with Ana Lopez');
  await page.getByRole('row').filter({ hasText: WALK.threadSubject }).click();
  await page.locator('h2.hP', { hasText: WALK.threadSubject }).waitFor();
  await shot('thread');

  say('  2. Reply');
  await page.locator('#thread-view').getByRole('button', { name: /Reply/ }).click();
  const reply = page.locator('.M9[data-compose-id]');
  await reply.waitFor();
  const card: Locator = panel
    .getByRole('article')
    .filter({ hasText: WALK.draftPhrase.slice(0, 20) })
    .first();
  try {
    await card.waitFor({ timeout: 20_000 });
  } catch {
    throw new Error(
      'walk: the panel shows no draft for Ana Lopez: it was decided already (start the demo over: npm start -- --reset)',
    );
  }
  await until(page, async () => (await panel.getByRole('article').first().textContent())?.includes('Ana Lopez'));
  await shot('reply-and-draft');

  say('  3. Approve');
  const clicked = Date.now();
  await card.getByRole('button', { name: 'Approve', exact: true }).click();
  const id = (await reply.getAttribute('data-compose-id'))!;
  await until(page, () =>
    page.evaluate(
      ([cid, phrase]) => (window as unknown as GmailWindow).__fixtureState.composes[cid!]?.body.includes(phrase!),
      [id, WALK.draftPhrase],
    ),
  );
  const approveToTextMs = Date.now() - clicked;
  await shot('approved');

  say(`  4. edit a word: ${WALK.from} → ${WALK.to_}`);
  const body = reply.locator('[g_editable]');
  // Select the word as a person double-clicking it would, then type over it.
  await body.evaluate((el, word) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.textContent?.indexOf(word) ?? -1;
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(n, at);
      range.setEnd(n, at + word.length);
      (el as HTMLElement).focus();
      const sel = getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
      return;
    }
    throw new Error(`"${word}" is not in the reply`);
  }, WALK.from);
  await page.keyboard.type(WALK.to_);
  await until(page, () =>
    page.evaluate(
      ([cid, word]) => (window as unknown as GmailWindow).__fixtureState.composes[cid!]?.body.includes(word!),
      [id, WALK.to_],
    ),
  );
  await shot('edited');

  say('  5. Send');
  await reply.getByRole('button', { name: /^Send/ }).click();
  await reply.waitFor({ state: 'detached' });
  const sent = await until(page, () =>
    page.evaluate(() => (window as unknown as GmailWindow).__fixtureState.sent.at(-1)),
  );
  await page.getByRole('alert').filter({ hasText: 'Message sent' }).waitFor();
  await shot('sent');
  return { sent, screenshots, approveToTextMs };
}
