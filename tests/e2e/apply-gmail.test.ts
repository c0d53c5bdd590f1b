/**
 * Gmail adapter + insertion in real Chromium, against the Gmail fixture served at
 * https://mail.google.com/ with `require-trusted-types-for 'script'`. The lib runs in an isolated
 * world like a content script (see adapters-harness.ts); the page's registration is read from the
 * fixture's state (its autosave saw the input events and the text).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyDraftResult } from '../../lib/page/apply';
import type { PageContext } from '../../lib/page/sites';
import { launch, makeDraft, openFixture } from './adapters-harness';

interface ComposeState {
  to: string[];
  subject: string;
  body: string;
  saves: number;
  savedBody: string | null;
  savedSubject: string | null;
  inputEvents: number;
  trustedInputs: number;
}
interface GmailState {
  composes: Record<string, ComposeState>;
  violations: unknown[];
}
type Win = Window & {
  __fixtureState: GmailState;
  __fixture: {
    openCompose(o: { to?: { email: string; name: string }[]; subject?: string; body?: string }): string;
    openThread(id: string): void;
    reply(): string;
    threads: string[];
  };
};

const BODY = 'Hi Ana,\n\nHere is the rollout plan you asked for.\nIt covers all three phases.\n\nBest,\nSam';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('Gmail fixture (Trusted Types enforced)', () => {
  it('reads the thread context, follows thread switches and compose windows without URL changes', async () => {
    const { context, page, cs, errors } = await openFixture(browser, 'gmail');
    try {
      // The header really binds the page: innerHTML throws in the main world.
      const tt = await page.evaluate(() => {
        try {
          document.body.innerHTML = '<b>x</b>';
          return 'assigned';
        } catch (e) {
          return (e as Error).name;
        }
      });
      expect(tt).toBe('TypeError');

      expect(await cs.run<string>('return cs.adapter.id;')).toBe('gmail');
      const ctx = await cs.run<PageContext>('return cs.adapter.readContext(document);');
      expect(ctx).toMatchObject({ site: 'gmail', threadId: 'thread-f:1780000000000000001', editable: false });
      expect(ctx.emails).toEqual(['ana@acme.example']); // own address (from the title) left out
      expect(ctx.names).toEqual(['Ana Lopez']);

      await cs.run('cs.watch();');
      const url = page.url();
      await page.evaluate(() => (window as unknown as Win).__fixture.openThread('thread-f:1780000000000000002'));
      expect(page.url()).toBe(url);
      await expect
        .poll(() => cs.run<PageContext | undefined>('return cs.events.at(-1)?.ctx;'), { timeout: 5000 })
        .toMatchObject({ threadId: 'thread-f:1780000000000000002', emails: ['ben@globex.example'] });

      await page.evaluate(() =>
        (window as unknown as Win).__fixture.openCompose({
          to: [{ email: 'carol@initech.example', name: 'Carol Diaz' }],
        }),
      );
      await expect
        .poll(() => cs.run<PageContext | undefined>('return cs.events.at(-1)?.ctx;'), { timeout: 5000 })
        .toMatchObject({ editable: true, emails: ['ben@globex.example', 'carol@initech.example'] });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('applies subject and every body line into the compose for the draft, registered by autosave', async () => {
    const { context, page, cs } = await openFixture(browser, 'gmail');
    try {
      const ids = await page.evaluate(() => {
        const f = (window as unknown as Win).__fixture;
        return {
          ben: f.openCompose({ to: [{ email: 'ben@globex.example', name: 'Ben Okafor' }], subject: 'Pricing' }),
          ana: f.openCompose({ to: [{ email: 'ana@acme.example', name: 'Ana Lopez' }] }),
        };
      });
      // The person is typing in Ben's compose, then clicks the panel.
      await page.locator(`[data-compose-id="${ids.ben}"] [g_editable]`).click();
      await page.keyboard.type('Dear Ben, ');
      await cs.run('cs.panel();');

      const draft = makeDraft({
        target: { site: 'gmail', email: 'ana@acme.example' },
        content: { subject: 'Rollout plan', body: BODY },
      });
      expect(await cs.run('return cs.targets(arg);', draft)).toEqual([
        { part: 'subject', describe: 'Gmail subject to ana@acme.example', tag: 'input' },
        { part: 'body', describe: 'Gmail compose to ana@acme.example', tag: 'div' },
      ]);
      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', draft);
      expect(res.onPage).toBe(true);
      expect(res.parts.map((p) => [p.part, p.result.ok, p.result.technique])).toEqual([
        ['subject', true, 'exec-insert-text'],
        ['body', true, 'exec-insert-text'],
      ]);

      await page.waitForFunction((id) => (window as unknown as Win).__fixtureState.composes[id]!.saves > 0, ids.ana);
      const st = await page.evaluate(() => (window as unknown as Win).__fixtureState);
      const ana = st.composes[ids.ana]!;
      expect(ana.subject).toBe('Rollout plan');
      // Every line, in order, registered by the page's autosave from a trusted input event.
      expect(ana.savedBody?.replace(/\n+/g, '\n').trim()).toBe(BODY.replace(/\n+/g, '\n'));
      expect(ana.trustedInputs).toBeGreaterThan(0);
      // Ben's compose is untouched; no Trusted Types violation; focus went back to the panel.
      expect(st.composes[ids.ben]!.body).toBe('Dear Ben, ');
      expect(st.violations).toEqual([]);
      expect(await cs.run('return cs.panelHasFocus();')).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('inserts at the caret the person left in the body, keeping their own text', async () => {
    const { context, page, cs } = await openFixture(browser, 'gmail');
    try {
      const id = await page.evaluate(() =>
        (window as unknown as Win).__fixture.openCompose({
          to: [{ email: 'ana@acme.example', name: 'Ana Lopez' }],
          body: '-- Sam Seller, Countersign',
        }),
      );
      const body = page.locator(`[data-compose-id="${id}"] [g_editable]`);
      await body.click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('Hello Ana! ');
      await cs.run('cs.panel();'); // focus leaves for the panel: the caret is remembered
      const draft = makeDraft({
        target: { email: 'ana@acme.example' },
        content: { subject: 'x', body: 'The plan is attached.' },
      });
      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', draft);
      expect(res.ok).toBe(true);
      const text = await page.evaluate((i) => (window as unknown as Win).__fixtureState.composes[i]!.body, id);
      expect(text).toBe('Hello Ana! The plan is attached.-- Sam Seller, Countersign');
    } finally {
      await context.close();
    }
  });

  it('never writes into a compose for someone else, a blank compose, or a reply in another thread', async () => {
    const { context, page, cs } = await openFixture(browser, 'gmail');
    try {
      await page.evaluate(() => {
        const f = (window as unknown as Win).__fixture;
        f.openCompose({ to: [{ email: 'ben@globex.example', name: 'Ben Okafor' }] });
        f.openCompose({});
        f.reply(); // inline reply to Ana in thread …001
      });
      const forDan = makeDraft({ target: { email: 'dan@umbrella.example' }, content: { subject: 's', body: 'b' } });
      expect(await cs.run('return cs.targets(arg);', forDan)).toBeNull();
      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', forDan);
      expect(res).toEqual({ onPage: false, ok: false, parts: [] });

      // Addressed to Ana but for another thread: the inline reply (thread …001) is not it.
      const otherThread = makeDraft({
        target: { email: 'ana@acme.example', threadId: 'thread-f:1780000000000000099' },
        content: { subject: 's', body: 'b' },
      });
      expect(await cs.run('return cs.targets(arg);', otherThread)).toBeNull();
      // The same thread: the inline reply, body only (the reply's subject is hidden: threading).
      const sameThread = makeDraft({
        target: { email: 'ana@acme.example', threadId: 'thread-f:1780000000000000001' },
        content: { subject: 's', body: 'b' },
      });
      expect(await cs.run('return cs.targets(arg);', sameThread)).toEqual([
        { part: 'body', describe: 'Gmail compose to ana@acme.example', tag: 'div' },
      ]);
      const st = await page.evaluate(() => (window as unknown as Win).__fixtureState.composes);
      expect(Object.values(st).every((c) => c.body === '')).toBe(true);
    } finally {
      await context.close();
    }
  });
});
