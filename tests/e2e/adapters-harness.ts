/**
 * Harness for the adapter/insertion e2e tests (tests/e2e/adapters*.test.ts, apply*.test.ts).
 *
 * Approach: lib/sites + lib/apply are bundled with esbuild into one script and evaluated in an
 * ISOLATED WORLD of the page (CDP `Page.createIsolatedWorld`), which is exactly where a content
 * script runs: its own JS globals, the page's DOM, the page's Trusted Types header not binding it.
 * The page's own state (React, Draft.js, Quill, the Lightning fixture) is read from the main world
 * with `page.evaluate`. The pages are the fixtures, served at the real site URLs with
 * `context.route` (server/demo/pages/index.ts). Plain Chromium, no extension: the panel engineer's
 * e2e tests cover the built extension.
 */
import { build } from 'esbuild';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { type FixtureSite, routeFixture } from '../../server/demo/pages/index';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'];

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
}

/** What the bundle installs as `globalThis.__cs` in the isolated world. */
const ENTRY = `
import * as sites from './lib/page/sites/index';
import * as apply from './lib/page/apply/index';
import * as trust from './lib/page/panel/trust';
const ctrl = new AbortController();
const cs = {
  sites, apply, trust, ctrl,
  adapter: sites.pickAdapter(location, document),
  memory: apply.trackSelection(document, ctrl.signal),
  events: [],
  watchStarted: 0,
  watch() {
    cs.watchStarted = performance.now();
    cs.adapter.watch(document, ctrl.signal, (ctx) => cs.events.push({ at: performance.now(), ctx }));
  },
  /** Imitates the panel: a button in an open shadow root that takes focus, like clicking Approve. */
  panel() {
    let host = document.getElementById('cs-panel-host');
    if (!host) {
      host = document.createElement('div');
      host.id = 'cs-panel-host';
      const root = host.attachShadow({ mode: 'open' });
      const b = document.createElement('button');
      b.textContent = 'Approve';
      root.append(b);
      document.documentElement.append(host);
    }
    host.shadowRoot.querySelector('button').focus();
    return host;
  },
  panelHasFocus() {
    const host = document.getElementById('cs-panel-host');
    return document.activeElement === host && host.shadowRoot.activeElement?.textContent === 'Approve';
  },
  async applyDraft(draft) {
    const r = await apply.applyDraft(document, cs.adapter, draft, { memory: cs.memory });
    return r;
  },
  targets(draft) {
    const t = cs.adapter.findTargets(document, draft);
    return t && t.map((x) => ({ part: x.part, describe: x.describe, tag: x.element.localName }));
  },
};
globalThis.__cs = cs;
`;

let bundleCache: Promise<string> | null = null;

/** The lib code as one IIFE (no zod: lib/sites and lib/apply import schema types only). */
export function bundle(): Promise<string> {
  bundleCache ??= build({
    stdin: { contents: ENTRY, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'cs-harness.ts' },
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    write: false,
    minify: true,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  return bundleCache;
}

export interface Isolated {
  /** Evaluates an async function body in the isolated world; `__cs` is in scope. */
  run<T = unknown>(body: string, arg?: unknown): Promise<T>;
  cdp: CDPSession;
}

/** Creates the isolated world on the page's main frame and loads the bundle into it. */
export async function isolate(page: Page): Promise<Isolated> {
  const cdp = await page.context().newCDPSession(page);
  const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
  const { executionContextId } = (await cdp.send('Page.createIsolatedWorld', {
    frameId: frameTree.frame.id,
    worldName: 'countersign-content-script',
  })) as { executionContextId: number };
  const evaluate = async <T>(expression: string): Promise<T> => {
    const res = (await cdp.send('Runtime.evaluate', {
      expression,
      contextId: executionContextId,
      awaitPromise: true,
      returnByValue: true,
    })) as { result: { value?: T }; exceptionDetails?: { exception?: { description?: string }; text: string } };
    if (res.exceptionDetails) throw new Error(res.exceptionDetails.exception?.description ?? res.exceptionDetails.text);
    return res.result.value as T;
  };
  await evaluate(await bundle());
  return {
    cdp,
    run: <T>(body: string, arg?: unknown) =>
      evaluate<T>(`(async (arg) => { const cs = globalThis.__cs; ${body} })(${JSON.stringify(arg ?? null)})`),
  };
}

/** A fixture page at its real URL, with the lib loaded in an isolated world. */
export async function openFixture(
  browser: Browser,
  site: FixtureSite,
): Promise<{ context: BrowserContext; page: Page; cs: Isolated; errors: string[] }> {
  const context = await browser.newContext();
  const url = await routeFixture(context, site);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __fixture?: unknown }).__fixture !== undefined);
  const cs = await isolate(page);
  return { context, page, cs, errors };
}

/** A valid Draft (parsed by the real schema), with the fields a test cares about overridden. */
export { neutralDraft as makeDraft } from '../helpers/drafts';

/** Waits until `fn` (run in the main world) returns a truthy value. */
export async function until<T>(page: Page, fn: () => T, timeout = 5000): Promise<void> {
  await page.waitForFunction(fn, undefined, { timeout });
}
