/**
 * Insertion edge cases in real Chromium, lib in an isolated world (adapters-harness.ts):
 * - draft text that looks like markup stays text on Gmail under Trusted Types (nothing runs);
 * - (the main-world bridge, Firefox's path, is tested on the built Firefox script in firefox-build.test.ts);
 * - the beforeinput path on the real Lexical (rich text) and Slate (slate-react on React 18) editors
 *   (tests/fixtures/editors/), checked in their models, not the DOM: the event built in the isolated
 *   world carries its DataTransfer into the page's world;
 * - keys typed while the text goes in (focus briefly in the page's editor) reach the panel, not the editor;
 * - an editor that ignores every technique is reported as not applied, with no half-insertions.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyDraftResult, ApplyResult } from '../../lib/page/apply';
import { type Isolated, isolate, launch, makeDraft, openFixture, until } from './adapters-harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const EDITORS = join(process.cwd(), 'tests', 'fixtures', 'editors');
/** The demo pages' workspace (server/demo/pages/package.json) holds React 18, Lexical and Slate. */
const PAGES_MODULES = join(process.cwd(), 'server', 'demo', 'pages', 'node_modules');
/** The element each editor makes editable (what an adapter would hand to applyText). */
const EDITABLE = { lexical: '#editor', slate: '[data-slate-editor="true"]' } as const;

/** A page running one real editor (tests/fixtures/editors/<name>.js), with the lib in an isolated world. */
async function openEditor(name: keyof typeof EDITABLE): Promise<{ context: BrowserContext; page: Page; cs: Isolated }> {
  const out = await build({
    entryPoints: [join(EDITORS, `${name}.js`)],
    bundle: true,
    format: 'iife',
    write: false,
    // One React for slate-react and the page: the demo pages' React 18, not the extension's React 19.
    alias: { react: join(PAGES_MODULES, 'react'), 'react-dom': join(PAGES_MODULES, 'react-dom') },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  // Lexical edits its root element; slate-react renders its own editable inside the React root.
  const editor = name === 'lexical' ? '<div id="editor" contenteditable="true"></div>' : '<div id="editor"></div>';
  await page.setContent(`<main><input id="elsewhere" aria-label="Elsewhere">${editor}</main>`);
  await page.addScriptTag({ content: out.outputFiles[0]!.text });
  await page.waitForSelector(EDITABLE[name]);
  return { context, page, cs: await isolate(page) };
}

const blocks = (page: Page) =>
  page.evaluate(() => (window as { __editor?: { blocks(): string[] } }).__editor!.blocks());

const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

describe('insertion edge cases', () => {
  it('markup in a draft is inserted as text on Gmail, under Trusted Types, and runs nothing', async () => {
    const { context, page, cs } = await openFixture(browser, 'gmail');
    try {
      const id = await page.evaluate(() =>
        (window as unknown as { __fixture: { openCompose(o: unknown): string } }).__fixture.openCompose({
          to: [{ email: 'ana@acme.example', name: 'Ana' }],
        }),
      );
      const draft = makeDraft({
        target: { email: 'ana@acme.example' },
        content: { subject: XSS, body: `${XSS}\nsecond line` },
      });
      const res = await cs.run<ApplyDraftResult>('return cs.applyDraft(arg);', draft);
      expect(res.ok).toBe(true);
      await page.waitForTimeout(100);
      const out = await page.evaluate((i) => {
        const body = document.querySelector(`[data-compose-id="${i}"] [g_editable]`)!;
        const w = window as unknown as { __pwned?: number; __fixtureState: { violations: unknown[] } };
        return {
          pwned: w.__pwned ?? null,
          elements: [...body.querySelectorAll('img, script')].length,
          text: (body as HTMLElement).innerText,
          subject: (document.querySelector(`[data-compose-id="${i}"] input[name=subjectbox]`) as HTMLInputElement)
            .value,
          violations: w.__fixtureState.violations,
        };
      }, id);
      expect(out).toEqual({ pwned: null, elements: 0, text: `${XSS}\nsecond line`, subject: XSS, violations: [] });
    } finally {
      await context.close();
    }
  });

  it('replacing with empty text clears the editor in the framework too (what the panel’s undo uses)', async () => {
    const { context, page, cs } = await openFixture(browser, 'hubspot');
    try {
      await page.evaluate(() =>
        (window as unknown as { __fixture: { openTab(t: string): void } }).__fixture.openTab('email'),
      );
      await page.waitForSelector('[data-test-id="email-composer"]:not([hidden])');
      const sel = '[data-test-id="email-composer"] .DraftEditor-root';
      const put = (text: string) =>
        cs.run<ApplyResult>(
          `return cs.apply.applyText(document.querySelector(arg.sel), arg.text, { placement: 'replace' });`,
          {
            sel,
            text,
          },
        );
      const composer = () =>
        page.evaluate(
          () => (window as unknown as { __fixtureState: { composer: { text: string } } }).__fixtureState.composer.text,
        );
      expect((await put('one\ntwo')).ok).toBe(true);
      expect(await composer()).toBe('one\ntwo');
      expect((await put('')).ok).toBe(true);
      expect(await composer()).toBe('');
    } finally {
      await context.close();
    }
  });

  describe.each(['lexical', 'slate'] as const)('the real %s editor', (name) => {
    it('takes appended text into its model (beforeinput insertReplacementText with a DataTransfer)', async () => {
      const { context, page, cs } = await openEditor(name);
      try {
        const res = await cs.run<ApplyResult>(
          `return cs.apply.applyText(document.querySelector(arg), 'world', { placement: 'end' });`,
          EDITABLE[name],
        );
        expect(res).toEqual({ ok: true, kind: name, technique: 'beforeinput-replacement' });
        expect(await blocks(page)).toEqual(['Hello world']);
        expect(await page.evaluate(() => (window as { __editorErrors?: string[] }).__editorErrors ?? [])).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('replaces its content with every line of a multi-line draft, and gives focus back', async () => {
      const { context, page, cs } = await openEditor(name);
      try {
        await page.focus('#elsewhere');
        const res = await cs.run<ApplyResult>(
          `return cs.apply.applyText(document.querySelector(arg.sel), arg.text, { placement: 'replace' });`,
          { sel: EDITABLE[name], text: 'line one\nline two\nline three' },
        );
        expect(res).toEqual({ ok: true, kind: name, technique: 'beforeinput-replacement' });
        expect(await blocks(page)).toEqual(['line one', 'line two', 'line three']);
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('elsewhere');
      } finally {
        await context.close();
      }
    });
  });

  it('keys the person types while text goes in reach the panel they were in, not the editor', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.setContent(`<button id="panel">panel</button><div id="ed" contenteditable="true"></div>`);
      // The editor is slow to take the text (its input handler holds the page for 400 ms): the key
      // arrives while focus is in the editor, because the insertion put it there.
      await page.exposeBinding('__pressNow', () => void page.keyboard.press('j'));
      await page.evaluate(() => {
        const w = window as unknown as { __keys: string[]; __pressNow(): void };
        w.__keys = [];
        document.getElementById('panel')!.addEventListener('keydown', (e) => w.__keys.push(e.key));
        document.getElementById('ed')!.addEventListener('input', () => {
          w.__pressNow();
          const until = performance.now() + 400;
          while (performance.now() < until);
        });
      });
      await page.focus('#panel');
      const cs = await isolate(page);
      // What the panel decides on (lib/page/panel/trust.ts `byPerson`), read in the content script's
      // world: the held key comes back as a new, untrusted event the extension vouches for.
      await cs.run(
        `cs.accepted = []; document.getElementById('panel').addEventListener('keydown', (e) => cs.accepted.push([e.key, e.isTrusted, cs.trust.byPerson(e)]));`,
      );
      const res = await cs.run<ApplyResult>(`return cs.apply.applyText(document.getElementById('ed'), 'hello');`);
      expect(res.ok).toBe(true);
      await until(page, () => (window as unknown as { __keys: string[] }).__keys.length > 0);
      expect(
        await page.evaluate(() => ({
          editor: document.getElementById('ed')!.innerText,
          keys: (window as unknown as { __keys: string[] }).__keys,
          focus: document.activeElement?.id,
        })),
      ).toEqual({ editor: 'hello', keys: ['j'], focus: 'panel' });
      // A key a page script dispatches at the panel is still not the person's.
      await page.evaluate(() =>
        document.getElementById('panel')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true })),
      );
      expect(await cs.run('return cs.accepted;')).toEqual([
        ['j', false, true],
        ['a', false, false],
      ]);
    } finally {
      await context.close();
    }
  });

  it('the same for a field inside shadow roots that the insertion blurs to commit it (Salesforce Lightning)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.setContent(`<button id="panel">panel</button><lightning-input id="field"></lightning-input>`);
      await page.exposeBinding('__pressNow', () => void page.keyboard.press('j'));
      await page.evaluate(() => {
        const w = window as unknown as { __keys: string[]; __pressNow(): void };
        w.__keys = [];
        document.getElementById('panel')!.addEventListener('keydown', (e) => w.__keys.push(e.key));
        // Like Lightning: the native input two shadow roots down, slow to take the text. The
        // insertion blurs it (Lightning commits on blur), so the key arrives with focus on the
        // body until it goes back to the panel: it was lost there (the Salesforce keyboard-only
        // e2e, once in a full run).
        customElements.define(
          'lightning-input',
          class extends HTMLElement {
            constructor() {
              super();
              const primitive = document.createElement('lightning-primitive-input-simple');
              const input = document.createElement('input');
              primitive.attachShadow({ mode: 'open' }).append(input);
              this.attachShadow({ mode: 'open' }).append(primitive);
              input.addEventListener('input', () => {
                w.__pressNow();
                const until = performance.now() + 400;
                while (performance.now() < until);
              });
            }
          },
        );
      });
      await page.focus('#panel');
      const cs = await isolate(page);
      const res = await cs.run<ApplyResult>(`return cs.apply.applyText(document.getElementById('field'), 'hello');`);
      expect(res.ok).toBe(true);
      await until(page, () => (window as unknown as { __keys: string[] }).__keys.length > 0);
      expect(
        await page.evaluate(() => ({
          field: document
            .getElementById('field')!
            .shadowRoot!.querySelector('lightning-primitive-input-simple')!
            .shadowRoot!.querySelector('input')!.value,
          keys: (window as unknown as { __keys: string[] }).__keys,
          focus: document.activeElement?.id,
        })),
      ).toEqual({ field: 'hello', keys: ['j'], focus: 'panel' });
    } finally {
      await context.close();
    }
  });

  it('an editor that ignores every technique is reported as not applied, with nothing inserted', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      // Lexical-marked, but its handlers swallow everything (e.g. a read-only state).
      await page.setContent(`<div id="ed" contenteditable="true" data-lexical-editor="true"><p>Keep me</p></div>`);
      await page.evaluate(() => {
        const ed = document.getElementById('ed')!;
        ed.addEventListener('beforeinput', (e) => e.stopImmediatePropagation());
        ed.addEventListener('paste', (e) => e.stopImmediatePropagation());
      });
      const cs = await isolate(page);
      const res = await cs.run<ApplyResult>(`return cs.apply.applyText(document.getElementById('ed'), 'new text');`);
      expect(res.ok).toBe(false);
      expect(await page.locator('#ed').innerText()).toBe('Keep me');
    } finally {
      await context.close();
    }
  });

  it('a field that takes only part of the text through the editing path gets all of it through the setter', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      // maxlength cuts what the browser's editing inserts (not what a script sets): the partial
      // insertion is undone, then the value setter writes the draft's text as before.
      await page.setContent(
        `<button id="panel">panel</button><input id="f" maxlength="5" value="old"><textarea id="t">kept</textarea>`,
      );
      const events: string[] = [];
      await page.exposeFunction('__event', (e: string) => events.push(e));
      await page.evaluate(() => {
        const f = document.getElementById('f') as HTMLInputElement;
        for (const type of ['input', 'change'])
          f.addEventListener(type, () =>
            (window as unknown as { __event(e: string): void }).__event(`${type}:${f.value}`),
          );
        document.getElementById('panel')!.focus();
      });
      const cs = await isolate(page);
      const res = await cs.run<ApplyResult>(
        `return cs.apply.applyText(document.getElementById('f'), 'Chief Operating Officer', { placement: 'replace' });`,
      );
      expect(res, JSON.stringify(res)).toMatchObject({ ok: true, technique: 'prototype-setter' });
      expect(await page.inputValue('#f')).toBe('Chief Operating Officer');
      expect(events.at(-2)).toBe('input:Chief Operating Officer');
      expect(events.at(-1)).toBe('change:Chief Operating Officer');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('panel');
      // A textarea without a limit takes it through the editing path, and Ctrl+Z takes it out.
      const t = await cs.run<ApplyResult>(
        `return cs.apply.applyText(document.getElementById('t'), 'new', { placement: 'end' });`,
      );
      expect(t).toMatchObject({ ok: true, technique: 'exec-insert-text' });
      await page.focus('#t');
      await page.keyboard.press('Control+z');
      expect(await page.inputValue('#t')).toBe('kept');
    } finally {
      await context.close();
    }
  });
});
