/**
 * Only the person's own input decides (issue 13 item 2; contract "The extension"): a script of the
 * page the panel sits in (Gmail here) reaches into the panel's open shadow root and clicks every
 * Approve button, presses `a` and Enter, types into the edit form, ticks a reason and submits it.
 * Nothing is decided, nothing is inserted into the compose. The person's own click (Playwright's real
 * input through CDP, which the browser marks `isTrusted`) still decides and inserts.
 * Real Chromium, the production build, the real server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { routeFixture } from '../../server/demo/pages';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

const ANA = { email: 'ana@acme.example', name: 'Ana Lopez' };
const THREAD = 'thread-f:1780000000000000001';

let server: E2eServer;
let ext: LaunchedExtension;

beforeEach(async () => {
  server = await startE2eServer();
});
afterEach(async () => {
  await ext?.close();
  await server?.close();
});

type Win = Window & {
  __fixtureState: { composes: Record<string, { subject: string; body: string }> };
  __fixture: { openCompose(o: { to?: { email: string; name: string }[] }): string };
};

async function allDecisions() {
  return server.running().store.db.selectFrom('decisions').select(['id', 'draft_id', 'action']).execute();
}

/** What any script of the page can do to the panel: it runs in the page's own world. */
function attack(page: import('playwright-core').Page) {
  return page.evaluate(() => {
    const root = document.querySelector('countersign-panel')?.shadowRoot;
    if (!root) throw new Error('no panel');
    const aside = root.querySelector('aside')!;
    const buttons = () => [...root.querySelectorAll('button')];
    let clicked = 0;
    for (const b of buttons()) {
      if (/^(Approve|Save and approve|Confirm)/.test(b.textContent ?? '')) {
        b.click();
        clicked++;
      }
    }
    const press = (target: Element, key: string) =>
      target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true, cancelable: true }));
    const card = root.querySelector<HTMLElement>('article');
    card?.focus();
    for (const key of ['a', 'Enter', 'j', 'a', 'Enter']) {
      press(root.activeElement ?? aside, key);
      press(aside, key);
    }
    // A form open in the panel: type into it, tick a reason, submit it every way a script can.
    for (const form of root.querySelectorAll('form')) {
      const body = form.querySelector('textarea');
      if (body) {
        Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(body, 'INJECTED BY PAGE');
        body.dispatchEvent(new Event('input', { bubbles: true }));
      }
      form.querySelector<HTMLInputElement>('input[type=checkbox]')?.click();
      form.querySelector<HTMLButtonElement>('button[type=submit]')?.click();
      form.requestSubmit();
    }
    return clicked;
  });
}

describe('a hostile page script cannot decide for the person (Gmail fixture, real server)', () => {
  it('scripted clicks, keys, typing and submits decide and insert nothing; the person’s click still does', async () => {
    const ids = await server.submit([
      emailDraft(0, {
        target: { site: 'gmail', email: ANA.email, name: ANA.name, company: 'Acme', threadId: THREAD },
        content: { subject: 'Rollout plan', body: 'Hi Ana,\n\nHere is the rollout plan.' },
      }),
      emailDraft(1, { segment: 'fintech-q4' }),
      emailDraft(2, { segment: 'fintech-q4' }),
      emailDraft(3, { target: { site: 'gmail', email: 'lead3@acme.test', name: 'Lead 3' } }),
      // Below the review threshold: routed manual, no one-click Approve (contract "The extension").
      emailDraft(4, { target: { site: 'gmail', email: 'lead4@acme.test', name: 'Lead 4' }, confidence: 0.4 }),
    ]);
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'sam', name: 'Sam Seller' });
    const options = await connectExtension(ext, { url: server.url, token });
    const page = await ext.context.newPage();
    // Tall enough that the virtual list renders every card: the script gets every button there is.
    await page.setViewportSize({ width: 1280, height: 3200 });
    await page.goto(await routeFixture(ext.context, 'gmail'));
    await options.close();
    const panel = page.getByRole('complementary', { name: 'Countersign' });
    await waitFor(async () => (await panel.getByRole('article').count()) === 5, {
      timeout: 20_000,
      message: 'five drafts in the panel',
    });
    const manual = panel.getByRole('article').filter({ hasText: 'Lead 4' });
    expect(await manual.textContent()).toContain('Routed manual');
    expect(await manual.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect(await manual.getByRole('button', { name: 'Edit', exact: true }).count()).toBe(1);
    const composeId = await page.evaluate((to) => (window as unknown as Win).__fixture.openCompose({ to: [to] }), ANA);
    const compose = () => page.evaluate((id) => (window as unknown as Win).__fixtureState.composes[id]!, composeId);
    await page.bringToFront();

    // Round 1: the cards as they are (Approve buttons, Approve all, keys).
    const clicked = await attack(page);
    expect(clicked).toBeGreaterThanOrEqual(4); // 4 Approve (not the manual draft's) + "Approve all 2"
    // Round 2: the person opened Edit on Lead 3's card; the page writes into it and submits.
    const lead3 = panel.getByRole('article').filter({ hasText: 'Lead 3' });
    await lead3.getByRole('button', { name: 'Edit', exact: true }).click();
    await lead3.getByRole('textbox', { name: 'Draft body' }).waitFor();
    await attack(page);
    expect(await lead3.getByRole('textbox', { name: 'Draft body' }).inputValue()).not.toContain('INJECTED');
    expect(await lead3.getByRole('checkbox', { name: 'Tone or style' }).isChecked()).toBe(false);

    // A decision shows at once: its card leaves the list, the text goes into the compose and Undo
    // appears (for the 10 s undo window). After two frames the panel has rendered whatever the
    // script's events did. That nothing reached the server either is checked below, when the
    // person's own two decisions are there: they were made after the script ran, so anything it had
    // decided would have waited out its undo window and been pushed before them (or with them).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(await allDecisions()).toEqual([]);
    expect(await panel.getByRole('article').count()).toBe(5);
    const c = await compose();
    expect(c.subject).toBe('');
    expect(c.body.trim()).toBe('');
    expect(await panel.getByRole('button', { name: 'Undo' }).count()).toBe(0);

    // The person's own click decides and inserts.
    const ana = panel.getByRole('article').filter({ hasText: ANA.name });
    await ana.getByRole('button', { name: 'Approve', exact: true }).click();
    await waitFor(async () => (await compose()).body.includes('rollout plan'), { message: 'text in the compose' });
    // The person edits and saves Lead 3's draft (deciding Ana's closed the form): the person's text.
    await lead3.getByRole('button', { name: 'Edit', exact: true }).click();
    await lead3.getByRole('textbox', { name: 'Draft body' }).fill('Hi Lead 3,\n\nWritten by me.');
    await lead3.getByRole('checkbox', { name: 'Tone or style' }).check();
    await lead3.getByRole('button', { name: 'Save and approve' }).click();
    const decided = await waitFor(
      async () => {
        const all = await allDecisions();
        return all.length === 2 ? all : null;
      },
      { timeout: 25_000, message: 'two decisions on the server' },
    );
    expect(decided.map((d) => [d.draft_id, d.action]).sort()).toEqual(
      [
        [ids[0], 'approve'],
        [ids[3], 'edit'],
      ].sort(),
    );
    const edit = await server
      .running()
      .store.db.selectFrom('decisions')
      .selectAll()
      .where('draft_id', '=', ids[3]!)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(edit)).toContain('Written by me.');
    expect(JSON.stringify(edit)).not.toContain('INJECTED');
  });
});
