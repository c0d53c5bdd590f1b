/**
 * The Firefox build (`npm run build:firefox`, MV3): it ships the main-world bridge the insertion
 * techniques need there (lib/page/apply/bridge.ts), and the Chromium build does not. Here the shipped
 * bridge script is also run in Chromium's main world — which is what a `world: 'MAIN'` content script
 * is — with the insertion code in an isolated world, on the HubSpot fixture's real Draft.js; the
 * whole build in Firefox itself is tests/e2e/firefox.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../lib/page/apply';
import { SITE_MATCHES } from '../../lib/page/sites';
import { launch, openFixture } from './adapters-harness';
import { EXTENSION_DIR } from './helpers/extension';

const FIREFOX_DIR = resolve('.output/firefox-mv3');

interface ContentScript {
  matches: string[];
  js: string[];
  run_at?: string;
  world?: string;
}
interface Manifest {
  manifest_version: number;
  content_scripts: ContentScript[];
  host_permissions: string[];
  browser_specific_settings?: { gecko?: { id?: string; strict_min_version?: string } };
}
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;

let browser: Browser;
// The Firefox build is the one the suite's global setup made (`npm run zip`, tests/e2e/global-setup.ts).
beforeAll(async () => {
  browser = await launch();
}, 180_000);
afterAll(async () => {
  await browser?.close();
});

describe('Firefox build', () => {
  it('ships the bridge as a main-world script on the supported sites only; Chromium ships none', () => {
    const ff = manifest(FIREFOX_DIR);
    expect(ff.manifest_version).toBe(3);
    const bridge = ff.content_scripts.find((c) => c.js.includes('content-scripts/bridge.js'));
    expect(bridge).toMatchObject({ world: 'MAIN', run_at: 'document_start' });
    expect([...(bridge?.matches ?? [])].sort()).toEqual([...SITE_MATCHES].sort());
    const review = ff.content_scripts.find((c) => c.js.includes('content-scripts/review.js'));
    expect(review?.world).toBeUndefined();
    expect(ff.browser_specific_settings?.gecko).toMatchObject({ strict_min_version: '128.0' });
    // The bridge is a page-world script: small, and with no extension API in it.
    const code = readFileSync(join(FIREFOX_DIR, 'content-scripts', 'bridge.js'), 'utf8');
    expect(gzipSync(code).length).toBeLessThan(2_000);
    expect(code).not.toMatch(/runtime\.sendMessage|storage\.local/);

    const chrome = manifest(EXTENSION_DIR);
    expect(chrome.content_scripts.some((c) => c.world === 'MAIN')).toBe(false);
    expect(existsSync(join(EXTENSION_DIR, 'content-scripts', 'bridge.js'))).toBe(false);
  });

  it('with the shipped bridge in the page’s world, the paste is built there and Draft.js gets every line', async () => {
    const { context, page, cs } = await openFixture(browser, 'hubspot');
    try {
      await page.evaluate(() => {
        window.addEventListener(
          'countersign:synthetic',
          () => {
            const w = window as unknown as { __bridged?: number };
            w.__bridged = (w.__bridged ?? 0) + 1;
          },
          true,
        );
      });
      await page.evaluate(readFileSync(join(FIREFOX_DIR, 'content-scripts', 'bridge.js'), 'utf8'));
      expect(await page.getAttribute('html', 'data-countersign-bridge')).toBe('1');
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
      // The request reached the page's world once: this window capture listener sees it on its way
      // down, before the bridge answers it at the document and stops it there.
      expect(out).toEqual({ bridged: 1, text: 'line one\nline two\nline three' });
    } finally {
      await context.close();
    }
  });
});
