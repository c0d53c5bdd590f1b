import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type HTTPRequest, type Page } from 'puppeteer-core';
import { FIXTURE_URLS, type FixtureSite, fixtureResponse } from '../../../server/demo/pages';

/**
 * Firefox ESR with the Firefox build of the extension (issue 17), driven over WebDriver BiDi by
 * puppeteer-core. Debian's `firefox-esr` package (.ci/run installs it when missing).
 *
 * - `browser.installExtension(dir)` installs the unpacked build as a temporary add-on, the way
 *   about:debugging's "Load Temporary Add-on" does; its host permissions are granted at install.
 * - The pref `extensions.webextensions.uuids` fixes the add-on's `moz-extension://<uuid>/` address
 *   (Firefox picks a random one per profile otherwise).
 * - `--remote-allow-system-access`: without it, automation may not open extension pages.
 * - Fixture pages are served at the real https URLs by request interception on each page, so the
 *   shipped manifest's match patterns are what gets tested.
 */

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const FIREFOX_EXTENSION_DIR = resolve(process.env.COUNTERSIGN_FIREFOX_DIR ?? '.output/firefox-mv3');
/** A fixed address for the add-on's pages in the test profile. */
export const FIREFOX_UUID = '6f0c5e2a-8d1b-4c47-9a3e-c0a7e1b5d417';

export interface LaunchedFirefox {
  browser: Browser;
  geckoId: string;
  /** moz-extension://<uuid>/<path> */
  url(path: string): string;
  /** Opens an extension page in a new tab and waits for `selector` in it. */
  openExtensionPage(path: string, selector: string): Promise<Page>;
  /** A new tab showing a fixture at its real URL. */
  openFixture(site: FixtureSite, url?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchFirefox(
  opts: { extensionDir?: string; headless?: boolean } = {},
): Promise<LaunchedFirefox> {
  const source = opts.extensionDir ?? FIREFOX_EXTENSION_DIR;
  if (!existsSync(join(source, 'manifest.json'))) {
    throw new Error(`No Firefox build at ${source}: run \`npm run build:firefox\``);
  }
  if (!existsSync(FIREFOX)) throw new Error(`No Firefox at ${FIREFOX}: apt-get install firefox-esr (.ci/run does)`);
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as {
    browser_specific_settings?: { gecko?: { id?: string } };
  };
  const geckoId = manifest.browser_specific_settings?.gecko?.id;
  if (!geckoId) throw new Error('the Firefox build has no gecko id');
  // A copy, so another process rebuilding .output/ cannot change what is installed under the test.
  const root = mkdtempSync(join(tmpdir(), 'cs-ff-'));
  const extDir = join(root, 'ext');
  cpSync(source, extDir, { recursive: true });
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: opts.headless ?? true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: FIREFOX_UUID }),
    },
  });
  try {
    const installed = await browser.installExtension(extDir);
    if (installed !== geckoId) throw new Error(`installed ${installed}, expected ${geckoId}`);
  } catch (e) {
    await browser.close();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const url = (path: string) => `moz-extension://${FIREFOX_UUID}/${path.replace(/^\//, '')}`;

  return {
    browser,
    geckoId,
    url,
    async openExtensionPage(path, selector) {
      const page = await browser.newPage();
      // Firefox does not report the load of a moz-extension:// page to BiDi as a navigation that
      // completes, so the goto is not awaited: the page is ready when its content is.
      page.goto(url(path), { timeout: 0 }).catch(() => {});
      await untilIn(page, selector);
      return page;
    },
    async openFixture(site, at) {
      const page = await browser.newPage();
      await routeFixture(page, site);
      await page.goto(at ?? FIXTURE_URLS[site].url, { waitUntil: 'load' });
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Waits for `selector` in an extension page. Not `waitForSelector`: in a moz-extension:// page Firefox
 * 153's BiDi fails to serialize an evaluation that returns null ("right-hand side of 'in' should be
 * an object, got null"), which is what the polling returns while the element is missing; and
 * evaluations fail while about:blank is being replaced. So: a boolean, polled, errors retried.
 */
export async function untilIn(page: Page, selector: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      if (await page.evaluate((s) => !!document.querySelector(s), selector)) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${selector} did not appear in ${page.url()}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Serves a fixture at its real site URL in this page (request interception); other requests go on. */
export async function routeFixture(page: Page, site: FixtureSite): Promise<void> {
  const origin = new URL(FIXTURE_URLS[site].url).origin;
  await page.setRequestInterception(true);
  page.on('request', (req: HTTPRequest) => {
    if (req.isInterceptResolutionHandled()) return;
    if (!req.url().startsWith(`${origin}/`)) {
      void req.continue();
      return;
    }
    const r = fixtureResponse(site, req.url());
    void req.respond({ status: r.status, contentType: r.contentType, headers: r.headers, body: r.body });
  });
}

/** The panel's draft card whose text contains `text` (the panel is an open shadow root). */
export async function panelCard(page: Page, text: string, timeout = 20_000): Promise<ElementHandle<HTMLElement>> {
  const handle = await page.waitForFunction(
    (t: string) => {
      const root = document.querySelector('countersign-panel')?.shadowRoot;
      const cards = [...(root?.querySelectorAll<HTMLElement>('aside[aria-label="Countersign"] article') ?? [])];
      return cards.find((a) => a.textContent?.includes(t)) ?? null;
    },
    { timeout, polling: 100 },
    text,
  );
  return handle as ElementHandle<HTMLElement>;
}

/** Clicks (real pointer input) the button named `name` inside `scope`. */
export async function clickButton(scope: ElementHandle<Element>, name: string): Promise<void> {
  const handle = await scope.evaluateHandle(
    (el, n) =>
      [...el.querySelectorAll('button')].find(
        (b) => b.getAttribute('aria-label') === n || b.textContent?.trim() === n,
      ) ?? null,
    name,
  );
  const button = handle.asElement() as ElementHandle<HTMLButtonElement> | null;
  if (!button) throw new Error(`no button "${name}"`);
  await button.click();
}

/** The panel's whole text (for waiting on a status line). */
export function panelText(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector('countersign-panel')?.shadowRoot?.textContent ?? '');
}
