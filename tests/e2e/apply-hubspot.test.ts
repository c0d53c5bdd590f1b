/**
 * HubSpot adapter + insertion in real Chromium against the HubSpot fixture (React 18 + Draft.js 0.11)
 * served at https://app.hubspot.com/contacts/…/record/0-1/…. The lib runs in an isolated world like
 * a content script (adapters-harness.ts); registration is proven from the page's React state.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyDraftResult, UndoResult } from '../../lib/page/apply';
import type { PageContext } from '../../lib/page/sites';
import { launch, makeDraft, openFixture } from './adapters-harness';

interface HubspotState {
  recordId: string;
  editing: boolean;
  properties: Record<string, string>;
  saved: { recordId: string; name: string; value: string }[];
  changes: number;
  composer: { subject: string; text: string; blocks: number };
  note: { text: string; blocks: number };
}
type Win = Window & {
  __fixtureState: HubspotState;
  __fixture: { goto(id: string): void; setEditing(b: boolean): void; openTab(t: string): void };
};
const state = (page: Page) => page.evaluate(() => structuredClone((window as unknown as Win).__fixtureState));
const fixture = (page: Page, fn: string, arg: unknown) =>
  page.evaluate(
    ([f, a]) => (window as unknown as Record<string, Record<string, (x: unknown) => void>>).__fixture![f as string]!(a),
    [fn, arg] as const,
  );

const BODY =
  'Hi Ana,\n\nFollowing up on the rollout plan.\nPhase one starts Monday.\nPhase two in March.\n\nBest,\nSam';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('HubSpot fixture (React 18, Draft.js)', () => {
  it('reads the record context from the URL and the visible panes, and follows in-app navigation', async () => {
    const { context, page, cs, errors } = await openFixture(browser, 'hubspot');
    try {
      expect(await cs.run('return cs.adapter.id;')).toBe('hubspot');
      const ctx = await cs.run<PageContext>('return cs.adapter.readContext(document);');
      expect(ctx).toEqual({
        site: 'hubspot',
        emails: ['ana@acme.example'],
        names: ['Ana Lopez'],
        company: 'Acme',
        recordType: 'contact',
        recordId: '501',
        editable: false,
      });
      await cs.run('cs.watch();');
      await fixture(page, 'goto', '502');
      await expect
        .poll(() => cs.run<PageContext | undefined>('return cs.events.at(-1)?.ctx;'), { timeout: 5000 })
        .toMatchObject({ recordId: '502', emails: ['ben@globex.example'], company: 'Globex' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('puts CRM values into React-controlled inputs (React state changes), keeping the selection in another field', async () => {
    const { context, page, cs } = await openFixture(browser, 'hubspot');
    try {
      const update = makeDraft({
        kind: 'crm_update',
        target: { site: 'hubspot', recordType: '0-1', recordId: '501' },
        content: {
          fields: [
            { name: 'jobtitle', value: 'COO' },
            { name: 'phone', value: '+1 555 0199' },
          ],
        },
      });
      // View mode: the fields are not editable, so the draft's target is not on the page.
      expect(await cs.run('return cs.targets(arg);', update)).toBeNull();
      await fixture(page, 'setEditing', true);
      await page.waitForSelector('[data-selenium-test="property-input-jobtitle"]');

      // The person selected "Lop" in Last name, then clicked the panel.
      const last = page.locator('[data-selenium-test="property-input-lastname"]');
      await last.focus();
      await last.evaluate((el: HTMLInputElement) => el.setSelectionRange(0, 3));
      await cs.run('cs.panel();');
      const prev = (await state(page)).properties;

      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', update);
      expect(res.ok).toBe(true);
      expect(res.parts.map((p) => p.result.technique)).toEqual(['exec-insert-text', 'exec-insert-text']);
      const st = await state(page);
      expect(st.properties).toMatchObject({ jobtitle: 'COO', phone: '+1 555 0199', lastname: 'Lopez' });
      expect(await page.getAttribute('[data-selenium-test="property-input-jobtitle"]', 'data-state-value')).toBe('COO');
      expect(await last.evaluate((el: HTMLInputElement) => [el.value, el.selectionStart, el.selectionEnd])).toEqual([
        'Lopez',
        0,
        3,
      ]);
      expect(await cs.run('return cs.panelHasFocus();')).toBe(true);

      // A draft for another record never lands here.
      const other = makeDraft({
        kind: 'crm_update',
        target: { site: 'hubspot', recordType: '0-1', recordId: '502' },
        content: { fields: [{ name: 'jobtitle', value: 'WRONG' }] },
      });
      expect(await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', other)).toMatchObject({ onPage: false });
      expect((await state(page)).properties.jobtitle).toBe('COO');

      // The panel's Undo (what Ctrl/Cmd+Z does): the insertions were the browser's editing, so its
      // undo takes each out in one step, latest first, and React's state follows.
      for (const [name, before] of [
        ['phone', prev.phone],
        ['jobtitle', prev.jobtitle],
      ]) {
        const undo = await cs.run<UndoResult>(
          `return cs.apply.undoInsertion(document.querySelector('[data-selenium-test="property-input-' + arg.name + '"]'), arg.before);`,
          { name, before },
        );
        expect(undo, JSON.stringify(undo)).toMatchObject({ ok: true, technique: 'exec-undo' });
      }
      expect((await state(page)).properties).toMatchObject({
        jobtitle: prev.jobtitle,
        phone: prev.phone,
        lastname: 'Lopez',
      });
      expect(await cs.run('return cs.panelHasFocus();')).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('puts an email into the Draft.js composer with every line in EditorState', async () => {
    const { context, page, cs } = await openFixture(browser, 'hubspot');
    try {
      const email = makeDraft({
        target: { site: 'hubspot', recordId: '501', email: 'ana@acme.example' },
        content: { subject: 'Rollout plan', body: BODY },
      });
      // Composer tab hidden (still in the DOM): not a target.
      expect(await cs.run('return cs.targets(arg);', email)).toBeNull();
      await fixture(page, 'openTab', 'email');
      await page.waitForSelector('[data-test-id="email-composer"]:not([hidden])');
      await cs.run('cs.panel();');

      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', email);
      expect(res.parts.map((p) => [p.part, p.result.ok, p.result.kind, p.result.technique])).toEqual([
        ['subject', true, 'input', 'exec-insert-text'],
        ['body', true, 'draftjs', 'synthetic-paste'],
      ]);
      const st = await state(page);
      expect(st.composer.subject).toBe('Rollout plan');
      // Draft.js's own model holds every line (a multi-line insertText would keep only the last).
      expect(st.composer.text).toBe(BODY);
      expect(st.composer.blocks).toBe(BODY.split('\n').length);
      expect(await cs.run('return cs.panelHasFocus();')).toBe(true);

      // Note composer (also Draft.js), for the note kind.
      await fixture(page, 'openTab', 'note');
      await page.waitForSelector('[data-test-id="note-composer"]:not([hidden])');
      const note = makeDraft({
        kind: 'note',
        target: { recordId: '501' },
        content: { text: 'Called Ana.\nWants pricing.' },
      });
      expect((await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', note)).ok).toBe(true);
      expect((await state(page)).note.text).toBe('Called Ana.\nWants pricing.');
    } finally {
      await context.close();
    }
  });

  it('an email draft for another contact does not go into this record’s composer', async () => {
    const { context, page, cs } = await openFixture(browser, 'hubspot');
    try {
      await fixture(page, 'openTab', 'email');
      const forBen = makeDraft({ target: { email: 'ben@globex.example' }, content: { subject: 's', body: 'b' } });
      expect(await cs.run('return cs.targets(arg);', forBen)).toBeNull();
      // Right record id but the composer is addressed to someone else: refused too.
      const mismatch = makeDraft({
        target: { recordId: '501', email: 'ben@globex.example' },
        content: { subject: 's', body: 'b' },
      });
      expect(await cs.run('return cs.targets(arg);', mismatch)).toBeNull();
      expect((await state(page)).composer.text).toBe('');
    } finally {
      await context.close();
    }
  });
});
