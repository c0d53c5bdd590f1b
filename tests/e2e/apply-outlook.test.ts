/**
 * Outlook adapter + insertion in real Chromium against the Outlook fixture served at
 * https://outlook.office.com/mail/. The lib runs in an isolated world like a content script
 * (adapters-harness.ts); registration is read from the page's input listeners.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyDraftResult } from '../../lib/page/apply';
import type { PageContext } from '../../lib/page/sites';
import { launch, makeDraft, openFixture } from './adapters-harness';

interface ComposeState {
  to: string[];
  subject: string;
  body: string;
  inputEvents: number;
  trustedInputs: number;
}
type Win = Window & {
  __fixtureState: { conversationId: string; composes: Record<string, ComposeState> };
  __fixture: {
    select(id: string): void;
    openCompose(o: { to?: { email: string; name: string }[]; subject?: string; popout?: boolean }): string;
    conversations: string[];
  };
};
const composes = (page: Page) =>
  page.evaluate(() => structuredClone((window as unknown as Win).__fixtureState.composes));

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('Outlook fixture', () => {
  it('reads the reading pane and compose recipients ("Name <email>" chips) and follows selection', async () => {
    const { context, page, cs, errors } = await openFixture(browser, 'outlook');
    try {
      expect(await cs.run('return cs.adapter.id;')).toBe('outlook');
      const ctx = await cs.run<PageContext>('return cs.adapter.readContext(document);');
      expect(ctx).toMatchObject({
        site: 'outlook',
        emails: ['ana@acme.example'],
        names: ['Ana Lopez'],
        editable: false,
      });
      expect(ctx.threadId).toMatch(/^AAQk/);
      await cs.run('cs.watch();');
      await page.evaluate(() => {
        const f = (window as unknown as Win).__fixture;
        f.select(f.conversations[1]!);
        f.openCompose({ to: [{ email: 'ben@globex.example', name: 'Ben Okafor' }], subject: 'RE: Intro' });
      });
      await expect
        .poll(() => cs.run<PageContext | undefined>('return cs.events.at(-1)?.ctx;'), { timeout: 5000 })
        .toMatchObject({ emails: ['ben@globex.example'], names: ['Ben Okafor'], editable: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('applies into the compose addressed to the draft’s recipient only (docked and pop-out)', async () => {
    const { context, page, cs } = await openFixture(browser, 'outlook');
    try {
      const ids = await page.evaluate(() => {
        const f = (window as unknown as Win).__fixture;
        return {
          ana: f.openCompose({ to: [{ email: 'ana@acme.example', name: 'Ana Lopez' }] }),
          ben: f.openCompose({ to: [{ email: 'ben@globex.example', name: 'Ben Okafor' }], popout: true }),
        };
      });
      await cs.run('cs.panel();');
      const draft = makeDraft({
        target: { site: 'outlook', email: 'ben@globex.example' },
        content: { subject: 'Pricing for 200 seats', body: 'Hi Ben,\nPricing is attached.\nSam' },
      });
      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', draft);
      expect(res.parts.map((p) => [p.part, p.result.ok, p.result.technique])).toEqual([
        ['subject', true, 'exec-insert-text'],
        ['body', true, 'exec-insert-text'],
      ]);
      const st = await composes(page);
      expect(st[ids.ben]).toMatchObject({
        subject: 'Pricing for 200 seats',
        body: 'Hi Ben,\nPricing is attached.\nSam',
      });
      expect(st[ids.ben]!.trustedInputs).toBeGreaterThan(0);
      expect(st[ids.ana]).toMatchObject({ subject: '', body: '' });

      const forCarol = makeDraft({ target: { email: 'carol@initech.example' }, content: { subject: 's', body: 'b' } });
      expect(await cs.run('return cs.targets(arg);', forCarol)).toBeNull();
    } finally {
      await context.close();
    }
  });
});
