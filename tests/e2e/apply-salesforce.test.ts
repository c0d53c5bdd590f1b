/**
 * Salesforce adapter + insertion in real Chromium against the Lightning fixture at
 * https://countersign-dev.lightning.force.com/lightning/r/Contact/…/view: cached record pages with one
 * active, lightning-input with the native field two shadow roots down, Quill 2 rich text. The lib
 * runs in an isolated world like a content script (adapters-harness.ts); registration is proven from
 * the components' own values and the record form's state.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyDraftResult, UndoResult } from '../../lib/page/apply';
import type { PageContext } from '../../lib/page/sites';
import { launch, makeDraft, openFixture } from './adapters-harness';

const ANA = '003Hs00004AnaLoAAA';
const BEN = '003Hs00004BenOkAAA';

interface RecordState {
  editing: boolean;
  values: Record<string, string>;
  draftValues: Record<string, string>;
  quillText: Record<string, string>;
  dirty: boolean;
  composedInputs: number;
}
type Win = Window & {
  __fixtureState: { activeRecordId: string; records: Record<string, RecordState> };
  __fixture: { open(id: string): void; edit(id?: string): void };
};
const record = (page: Page, id: string) =>
  page.evaluate((i) => structuredClone((window as unknown as Win).__fixtureState.records[i]!), id);
/** The component's committed value (`host.value`), read in the page's world. */
const componentValue = (page: Page, id: string, field: string) =>
  page.evaluate(
    ([i, f]) =>
      (document.querySelector(`[data-record-id="${i}"] [data-field="${f}"]`) as HTMLElement & { value: string }).value,
    [id, field] as const,
  );

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('Salesforce Lightning fixture', () => {
  it('reads only the active cached record page and follows record switches', async () => {
    const { context, page, cs, errors } = await openFixture(browser, 'salesforce');
    try {
      expect(await cs.run('return cs.adapter.id;')).toBe('salesforce');
      expect(await page.locator('.windowViewMode-normal').count()).toBe(3);
      const ctx = await cs.run<PageContext>('return cs.adapter.readContext(document);');
      expect(ctx).toEqual({
        site: 'salesforce',
        emails: ['ana@acme.example'],
        names: ['Ana Lopez'],
        company: 'Acme',
        recordType: 'Contact',
        recordId: ANA,
        editable: false,
      });
      await cs.run('cs.watch();');
      await page.evaluate((id) => (window as unknown as Win).__fixture.open(id), BEN);
      await expect
        .poll(() => cs.run<PageContext | undefined>('return cs.events.at(-1)?.ctx;'), { timeout: 5000 })
        .toMatchObject({ recordId: BEN, emails: ['ben@globex.example'], names: ['Ben Okafor'] });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('commits values through the shadow-DOM native input and Quill, only in the active record', async () => {
    const { context, page, cs } = await openFixture(browser, 'salesforce');
    try {
      // Ben's cached page is also in edit mode: same field names, must stay untouched.
      await page.evaluate(
        ([a, b]) => {
          const f = (window as unknown as Win).__fixture;
          f.edit(b);
          f.edit(a);
        },
        [ANA, BEN] as const,
      );
      await cs.run('cs.panel();');
      const update = makeDraft({
        kind: 'crm_update',
        target: { site: 'salesforce', recordType: 'Contact', recordId: ANA.slice(0, 15) },
        content: {
          fields: [
            { name: 'Title', value: 'Chief Operating Officer' },
            { name: 'Description', value: 'Met at Dreamforce.\nInterested in the rollout.' },
          ],
        },
      });
      const titleBefore = await componentValue(page, ANA, 'Title');
      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', update);
      expect(res.parts.map((p) => [p.result.ok, p.result.kind, p.result.technique])).toEqual([
        [true, 'lightning', 'lightning-exec-insert-text'],
        [true, 'quill', 'synthetic-paste'],
      ]);
      expect(await componentValue(page, ANA, 'Title')).toBe('Chief Operating Officer');
      const ana = await record(page, ANA);
      expect(ana.draftValues.Title).toBe('Chief Operating Officer'); // the component re-emitted change
      expect(ana.dirty).toBe(true); // the composed input event reached the record form
      // Quill's own model has both lines (getText ends with Quill's trailing newline).
      expect(ana.quillText.Description).toBe('Met at Dreamforce.\nInterested in the rollout.\n');
      expect(await cs.run('return cs.panelHasFocus();')).toBe(true);

      // The panel's Undo on the Lightning field: the browser's undo in the inner native field (the
      // insertion was the browser's editing there), committed by the component like typing.
      const undo = await cs.run<UndoResult>(
        `return cs.apply.undoInsertion(document.querySelector('[data-record-id="' + arg.id + '"] [data-field="Title"]'), arg.before);`,
        { id: ANA, before: titleBefore },
      );
      expect(undo, JSON.stringify(undo)).toMatchObject({ ok: true, kind: 'lightning', technique: 'exec-undo' });
      expect(await componentValue(page, ANA, 'Title')).toBe(titleBefore);
      expect((await record(page, ANA)).draftValues.Title).toBe(titleBefore);
      expect(await cs.run('return cs.panelHasFocus();')).toBe(true);
      // Back in, for the rest of the case.
      expect((await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', update)).ok).toBe(true);

      const ben = await record(page, BEN);
      expect(ben.draftValues).toEqual({});
      expect(ben.dirty).toBe(false);
      expect(await componentValue(page, BEN, 'Title')).toBe('CTO');

      // A draft for Ben while Ana is in front: not on the page.
      const forBen = makeDraft({
        kind: 'crm_update',
        target: { recordId: BEN },
        content: { fields: [{ name: 'Title', value: 'WRONG' }] },
      });
      expect(await cs.run('return cs.targets(arg);', forBen)).toBeNull();
      // After switching to Ben, it lands in Ben's page only.
      await page.evaluate((id) => (window as unknown as Win).__fixture.open(id), BEN);
      const res2 = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', forBen);
      expect(res2.ok).toBe(true);
      expect(await componentValue(page, BEN, 'Title')).toBe('WRONG');
      expect(await componentValue(page, ANA, 'Title')).toBe('Chief Operating Officer');
    } finally {
      await context.close();
    }
  });

  it('assigning host.value alone is not a commit (why the shadow walk is needed)', async () => {
    const { context, page } = await openFixture(browser, 'salesforce');
    try {
      await page.evaluate(() => (window as unknown as Win).__fixture.edit());
      await page.evaluate((id) => {
        const el = document.querySelector(`[data-record-id="${id}"] [data-field="Title"]`) as HTMLElement & {
          value: string;
        };
        el.value = 'Displayed only';
      }, ANA);
      expect(await componentValue(page, ANA, 'Title')).toBe('VP Operations');
      expect((await record(page, ANA)).dirty).toBe(false);
    } finally {
      await context.close();
    }
  });

  it('email drafts are not injected (the composer is CKEditor in third-party iframes)', async () => {
    const { context, cs } = await openFixture(browser, 'salesforce');
    try {
      const email = makeDraft({
        target: { recordId: ANA, email: 'ana@acme.example' },
        content: { subject: 's', body: 'b' },
      });
      expect(await cs.run('return cs.targets(arg);', email)).toBeNull();
    } finally {
      await context.close();
    }
  });
});
