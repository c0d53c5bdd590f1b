import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page, type Route, type Worker } from 'playwright-core';

/**
 * Shared e2e infrastructure (issue 3): real Chromium with the production build of the extension.
 * See docs/toolchain.md for the flags and why each is there.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The built extension; `COUNTERSIGN_EXTENSION_DIR` points elsewhere (e.g. a private build). */
export const EXTENSION_DIR = resolve(process.env.COUNTERSIGN_EXTENSION_DIR ?? '.output/chrome-mv3');

export interface LaunchedExtension {
  context: BrowserContext;
  extensionId: string;
  /** chrome-extension://<id>/<path> */
  url(path: string): string;
  /** The current service worker (waits for a new one if the last was stopped). */
  worker(): Promise<Worker>;
  /** Opens the options page in a new tab. */
  openOptions(): Promise<Page>;
  /** Opens the popup's page in a tab (a real popup cannot be opened by automation). */
  openPopup(): Promise<Page>;
  /** Stops the extension's service worker the way Chrome does after 30 s idle (CDP). */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  extensionDir?: string;
  headless?: boolean;
}

/**
 * Launches Chromium with the extension loaded. The build is copied to a temp dir first so another
 * process rebuilding `.output/` during the test cannot change what is loaded under it.
 */
export async function launchExtension(opts: LaunchOptions = {}): Promise<LaunchedExtension> {
  const source = opts.extensionDir ?? EXTENSION_DIR;
  if (!existsSync(join(source, 'manifest.json'))) {
    throw new Error(`No built extension at ${source}: run \`npx wxt build\` (tests/e2e/global-setup.ts does)`);
  }
  const root = mkdtempSync(join(tmpdir(), 'cs-e2e-'));
  const extDir = join(root, 'ext');
  cpSync(source, extDir, { recursive: true });
  const context = await chromium.launchPersistentContext(join(root, 'profile'), {
    executablePath: CHROMIUM,
    headless: opts.headless ?? true,
    args: [
      `--disable-extensions-except=${extDir}`,
      `--load-extension=${extDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const first = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL(first.url()).host;
  const url = (path: string) => `chrome-extension://${extensionId}/${path.replace(/^\//, '')}`;

  async function worker(): Promise<Worker> {
    const live = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`));
    if (live) return live;
    // Waking it: any extension page (or message) starts the worker again.
    return context.waitForEvent('serviceworker', { timeout: 15_000 });
  }

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(url(path));
    return page;
  }

  async function stopWorker(): Promise<void> {
    // Closing the worker's target stops it as Chrome's own shutdown does (idle, or a worker that
    // stopped answering): the JS context is gone mid-whatever-it-was-doing, a long task included
    // (Chrome ends a running task by force). (ServiceWorker.stopAllWorkers on a page session does
    // not reach extension workers.)
    const page = context.pages()[0] ?? (await context.newPage());
    const cdp = await context.newCDPSession(page);
    try {
      const { targetInfos } = (await cdp.send('Target.getTargets')) as {
        targetInfos: { targetId: string; type: string; url: string }[];
      };
      const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.includes(extensionId));
      if (!target) throw new Error('no service worker target for the extension');
      await cdp.send('Target.closeTarget', { targetId: target.targetId });
    } finally {
      await cdp.detach().catch(() => {});
    }
    // Playwright does not reliably report the worker's end; tests check its effects instead
    // (e.g. the proxy sees the in-flight request dropped, TestProxy.dropped).
  }

  return {
    context,
    extensionId,
    url,
    worker,
    openOptions: () => open('options.html'),
    openPopup: () => open('popup.html'),
    stopWorker,
    async close() {
      await context.close().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A copy of the built extension whose manifest asks for `grants` up front, for a test that needs an
 * optional permission the person would grant through the browser's prompt (automation cannot answer
 * it: the prompt waits). Only the grant's timing differs: the code under test still checks
 * `permissions.contains` and registers what it registers at run time. The copy is in the temp dir;
 * remove it with the returned `remove`.
 */
export function extensionWithGrants(grants: { permissions?: string[]; origins?: string[] }): {
  dir: string;
  remove(): void;
} {
  const root = mkdtempSync(join(tmpdir(), 'cs-e2e-granted-'));
  const dir = join(root, 'ext');
  cpSync(EXTENSION_DIR, dir, { recursive: true });
  const file = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as { permissions?: string[]; host_permissions?: string[] };
  m.permissions = [...(m.permissions ?? []), ...(grants.permissions ?? [])];
  m.host_permissions = [...(m.host_permissions ?? []), ...(grants.origins ?? [])];
  writeFileSync(file, JSON.stringify(m, null, 2));
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Connects the extension to a server through its own options page, as a person would, and waits
 * for "Connected as". Returns the options page (left open).
 */
export async function connectExtension(
  ext: LaunchedExtension,
  server: { url: string; token: string },
  page?: Page,
): Promise<Page> {
  const options = page ?? (await ext.openOptions());
  await options.getByLabel('Server URL').fill(server.url);
  await options.getByLabel('Access token').fill(server.token);
  await options.getByRole('button', { name: 'Connect', exact: true }).click();
  // While connecting the button reads "Connecting…"; it is back once the attempt is over.
  await options.getByRole('button', { name: 'Connect', exact: true }).waitFor({ timeout: 15_000 });
  const alert = options.locator('form [role="alert"]');
  if (await alert.count()) throw new Error(`Connect failed: ${await alert.first().textContent()}`);
  await options.getByText('Connected as').waitFor({ timeout: 15_000 });
  return options;
}

/**
 * Sends a typed request to the worker from an extension page, exactly as the panel does through
 * lib/shared/schema/protocol.ts (same envelope; the worker checks sender and payload).
 */
export async function sendToWorker<T = unknown>(page: Page, type: string, payload: unknown): Promise<T> {
  return page.evaluate(
    async ({ type, payload }) => {
      const c = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } })
        .chrome;
      for (let i = 0; ; i++) {
        try {
          const reply = (await c.runtime.sendMessage({ countersign: 1, type, payload })) as
            | { ok: true; data: unknown }
            | { ok: false; error: { code: string; message: string } };
          if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
          return reply.data;
        } catch (err) {
          if (i < 50 && /Receiving end does not exist|Could not establish connection/.test(String(err))) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          throw err;
        }
      }
    },
    { type, payload },
  ) as Promise<T>;
}

/**
 * Serves a fixture at a real site URL (e.g. `https://mail.google.com/mail/u/0/`), so the shipped
 * manifest's match patterns are what gets tested (docs/toolchain.md).
 */
export async function routeFixture(
  context: BrowserContext,
  pattern: string,
  body: string | ((route: Route) => string | Promise<string>),
  contentType = 'text/html; charset=utf-8',
): Promise<void> {
  await context.route(pattern, async (route) => {
    const html = typeof body === 'string' ? body : await body(route);
    await route.fulfill({ status: 200, contentType, body: html });
  });
}

/** Polls `fn` until it returns a truthy value (vitest's expect does not retry). */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  opts: { timeout?: number; interval?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeout ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${opts.message ?? 'waitFor timed out'}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.interval ?? 100));
  }
}

/** The toolbar badge text as the worker last set it (issue 3: drafts waiting for me). */
export async function badgeText(ext: LaunchedExtension): Promise<string> {
  const worker = await ext.worker();
  return worker.evaluate(() =>
    (
      globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }
    ).chrome.action.getBadgeText({}),
  );
}
