/**
 * `npm run browser` (issue 5): Chromium with the built extension, already connected as the demo SDR,
 * on the four sandbox pages — served at the real sites' URLs through Playwright routing, so the
 * shipped manifest's match patterns are what runs and no permission dialog is involved.
 *
 * Headed when $DISPLAY is set (close the window to stop); otherwise headless: it waits for the panel
 * on each page, writes screenshots to docs/screenshots/ (or --out) at 1280×800, the size the Chrome
 * Web Store asks for, then walks the path an SDR takes on the Gmail page (scripts/walk.ts: open Ana's
 * conversation → Reply → Approve → edit a word → Send), writing a screenshot at each step and the
 * whole walk as one animated PNG (walk-through.png, scripts/walk-animation.ts), and exits. These are
 * the README's and the store listings' pictures; tests run it with --out in a temporary directory.
 *
 * Uses the server at $COUNTERSIGN_URL (default http://127.0.0.1:8787) when one answers there (e.g.
 * `npm start` in another terminal); otherwise starts the demo server itself on the same database.
 *
 * Flags: --headless (even with a display), --no-build, --out <dir> (screenshots), --server URL, --token T.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { DEMO_SDR_ID, DEMO_USERS } from '../server/demo';
import { FIXTURE_SITES, type FixtureSite, routeFixture } from '../server/demo/pages';
import { demoToken, tokenFileFor } from '../server/demo/seed';
import { buildExtension, EXTENSION_DIR, startDemo } from '../server/start';
import { connectExtension, launchExtension } from '../tests/e2e/helpers/extension';
import { walkGmail } from './walk';
import { encodeAnimation } from './walk-animation';

const PANEL_TIMEOUT_MS = 20_000;
/** Chrome Web Store screenshots are 1280×800 (or 640×400); AMO takes any size. */
const SCREENSHOT_SIZE = { width: 1280, height: 800 } as const;
/** The animated walk-through stays small enough for a README (palette shrinks until it fits). */
const ANIMATION_MAX_BYTES = 250_000;
/** How long each picture of the walk shows: the inbox, then the walk's five steps (scripts/walk.ts). */
const ANIMATION_DELAYS_MS = [1800, 1500, 2500, 2000, 2000, 3000];

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Waits for the panel and a draft card in it; false when it does not show (the message says why). */
async function waitForPanel(page: Page, site: FixtureSite): Promise<boolean> {
  const panel = page.getByRole('complementary', { name: 'Countersign' });
  try {
    await panel.waitFor({ timeout: PANEL_TIMEOUT_MS });
    await panel.getByRole('article').first().waitFor({ timeout: PANEL_TIMEOUT_MS });
    return true;
  } catch {
    process.stderr.write(`  ${site}: the panel did not show a draft within ${PANEL_TIMEOUT_MS / 1000} s\n`);
    return false;
  }
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      headless: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      out: { type: 'string', default: 'docs/screenshots' },
      server: { type: 'string' },
      token: { type: 'string' },
    },
    strict: true,
  });
  const headless = values.headless || !process.env.DISPLAY;
  const say = (s: string) => process.stdout.write(`${s}\n`);

  if (!values['no-build'] || !existsSync(join(EXTENSION_DIR, 'manifest.json'))) {
    say('Building the extension (wxt build)…');
    await buildExtension();
  }

  // The review server: the running one, or our own demo server on the default database.
  let url = (values.server ?? process.env.COUNTERSIGN_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
  let stopServer: (() => Promise<void>) | undefined;
  if (!(await healthy(url))) {
    const u = new URL(url);
    say(`No server answers at ${url}; starting the demo server…`);
    const { server } = await startDemo({
      build: false,
      port: Number(u.port || 8787),
      host: u.hostname,
      databaseUrl: process.env.DATABASE_URL,
      print: () => {},
    });
    url = server.url;
    stopServer = () => server.close();
  }
  const sdr = DEMO_USERS.find((u) => u.id === DEMO_SDR_ID)!;
  const token = values.token ?? process.env.COUNTERSIGN_TOKEN ?? demoToken(DEMO_SDR_ID);
  if (!token) {
    process.stderr.write(
      `No demo token for ${sdr.name} in ${tokenFileFor(process.env.DATABASE_URL)}: run \`npm start\` once, or pass --token.\n`,
    );
    await stopServer?.();
    return 1;
  }

  say(`Launching Chromium (${headless ? 'headless' : 'headed'}) with the extension…`);
  const ext = await launchExtension({ extensionDir: resolve(EXTENSION_DIR), headless });
  let code = 0;
  try {
    const options = await connectExtension(ext, { url, token });
    say(`Connected to ${url} as ${sdr.name}.`);
    const pages: { site: FixtureSite; page: Page }[] = [];
    for (const site of FIXTURE_SITES) {
      const realUrl = await routeFixture(ext.context, site);
      const page = await ext.context.newPage();
      // Screenshots at the store's size (a laptop's): the app and the panel side by side.
      if (headless) await page.setViewportSize(SCREENSHOT_SIZE);
      await page.goto(realUrl);
      pages.push({ site, page });
      say(`  ${site.padEnd(10)} ${realUrl}`);
    }
    await options.close();

    if (headless) {
      const dir = resolve(values.out);
      mkdirSync(dir, { recursive: true });
      for (const { site, page } of pages) {
        await page.bringToFront();
        const ok = await waitForPanel(page, site);
        if (!ok) code = 1;
        const file = join(dir, `sandbox-${site}.png`);
        await page.screenshot({ path: file });
        say(`  screenshot ${file}${ok ? '' : ' (without the panel)'}`);
      }
      say('Walking the Gmail sandbox as an SDR would:');
      const gmail = pages.find((p) => p.site === 'gmail')!.page;
      await gmail.bringToFront();
      try {
        const walk = await walkGmail(gmail, { shots: dir, say });
        say(
          `  sent to ${walk.sent.to.join(', ')}: "${walk.sent.subject}" (approve → text in the reply: ${walk.approveToTextMs} ms)`,
        );
        for (const f of walk.screenshots) say(`  screenshot ${f}`);
        const frames = [join(dir, 'sandbox-gmail.png'), ...walk.screenshots];
        const anim = encodeAnimation(
          frames.map((f, i) => ({ png: readFileSync(f), delayMs: ANIMATION_DELAYS_MS[i] ?? 2000 })),
          { maxBytes: ANIMATION_MAX_BYTES },
        );
        const file = join(dir, 'walk-through.png');
        writeFileSync(file, anim.apng);
        say(
          `  animation ${file} (${anim.frames} frames, ${anim.width}×${anim.height}, ${anim.colours} colours, ${Math.round(anim.apng.byteLength / 1024)} KB)`,
        );
      } catch (e) {
        process.stderr.write(`  ${e instanceof Error ? e.message : String(e)}\n`);
        code = 1;
      }
    } else {
      await pages[0]!.page.bringToFront();
      say('Close the browser window (or press Ctrl+C) to stop.');
      await new Promise<void>((done) => {
        ext.context.once('close', () => done());
        // Ctrl+C: close the browser and our server cleanly (the finally below) instead of dying mid-way.
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
    }
  } finally {
    await ext.close();
    await stopServer?.();
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`npm run browser failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
