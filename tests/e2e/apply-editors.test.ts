/**
 * Insertion edge cases in real Chromium, lib in an isolated world (adapters-harness.ts):
 * - draft text that looks like markup stays text on Gmail under Trusted Types (nothing runs);
 * - the beforeinput path, against a minimal stand-in that handles `beforeinput` the way Slate and
 *   Lexical do (cancel, read the DataTransfer, re-render from its model a tick later). The real
 *   Slate/Lexical are not installed; this proves the event we build carries its data across worlds;
 * - an editor that ignores every technique is reported as not applied, with no half-insertions.
 */
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyDraftResult, ApplyResult } from '../../lib/apply';
import { isolate, launch, makeDraft, openFixture } from './adapters-harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

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

  it('with the main-world bridge installed (Firefox path), paste is built in the page’s world and Draft.js gets every line', async () => {
    const { context, page, cs } = await openFixture(browser, 'hubspot');
    try {
      const bridge = await build({
        stdin: {
          contents:
            "import { installMainWorldBridge, BRIDGE_EVENT } from './lib/apply/bridge'; installMainWorldBridge(document); window.addEventListener(BRIDGE_EVENT, () => { window.__bridged = (window.__bridged || 0) + 1; }, true);",
          resolveDir: process.cwd(),
          loader: 'ts',
        },
        bundle: true,
        format: 'iife',
        write: false,
      });
      await page.evaluate(bridge.outputFiles[0]!.text); // the page's main world, like a `world: 'MAIN'` script
      await page.evaluate(() =>
        (window as unknown as { __fixture: { openTab(t: string): void } }).__fixture.openTab('email'),
      );
      await page.waitForSelector('[data-test-id="email-composer"]:not([hidden])');
      const res = await cs.run<ApplyResult>(
        `return cs.apply.applyText(document.querySelector('[data-test-id="email-composer"] .DraftEditor-root'), arg);`,
        'line one\nline two\nline three',
      );
      expect(res).toEqual({ ok: true, kind: 'draftjs', technique: 'synthetic-paste' });
      const out = await page.evaluate(() => {
        const w = window as unknown as { __bridged?: number; __fixtureState: { composer: { text: string } } };
        return { bridged: w.__bridged ?? 0, text: w.__fixtureState.composer.text };
      });
      // One request went through the bridge (seen at window capture, before the bridge answered).
      expect(out).toEqual({ bridged: 1, text: 'line one\nline two\nline three' });
      expect(await page.getAttribute('html', 'data-countersign-bridge')).toBe('1');
    } finally {
      await context.close();
    }
  });

  it('beforeinput insertReplacementText reaches a Slate/Lexical-style editor with its data (across worlds)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.setContent(`<div id="ed" contenteditable="true" data-slate-editor="true"><p>Hello </p></div>`);
      // Main world: the page's editor keeps a model and renders from it on the next tick, like Slate.
      await page.evaluate(() => {
        const ed = document.getElementById('ed')!;
        const w = window as unknown as { __model: string; __events: string[] };
        w.__model = 'Hello ';
        w.__events = [];
        ed.addEventListener('beforeinput', (e) => {
          w.__events.push(e.inputType);
          if (e.inputType !== 'insertReplacementText' && e.inputType !== 'insertFromPaste') return;
          e.preventDefault();
          const text = e.dataTransfer?.getData('text/plain') ?? e.data ?? '';
          w.__model += text;
          setTimeout(() => {
            const p = document.createElement('p');
            p.textContent = w.__model;
            ed.replaceChildren(p);
          }, 5);
        });
      });
      const cs = await isolate(page);
      const res = await cs.run<ApplyResult>(
        `return cs.apply.applyText(document.getElementById('ed'), 'world', { placement: 'end' });`,
      );
      expect(res).toEqual({ ok: true, kind: 'slate', technique: 'beforeinput-replacement' });
      expect(await page.evaluate(() => (window as unknown as { __model: string }).__model)).toBe('Hello world');
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
});
