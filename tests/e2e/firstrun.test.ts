/**
 * First run (issue 5), end to end: the demo server `npm start` runs (in-process here, on a throw-away
 * database, with the build global-setup made), its sandbox pages, the demo drafts lining up with the
 * records on those pages in the real panel, and `npm run browser` headless — which writes the
 * README's and the store's screenshots (1280×800) and the animated walk-through; here into a temporary
 * directory (--out): tests never write into the checkout.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import UPNG from 'upng-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SDR_ID } from '../../server/demo';
import { FIXTURE_SITES, routeFixture } from '../../server/demo/pages';
import { SANDBOX_PAGES } from '../../server/demo/sandbox';
import type { SeedResult } from '../../server/demo/seed';
import type { RunningServer } from '../../server/main';
import { startDemo } from '../../server/start';
import { connectExtension, launchExtension } from './helpers/extension';

const run = promisify(execFile);

describe('first run', () => {
  let dir: string;
  let databaseUrl: string;
  let server: RunningServer;
  let seed: SeedResult;
  let banner = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-firstrun-'));
    databaseUrl = `sqlite:${join(dir, 'countersign.db')}`;
    ({ server, seed } = await startDemo({
      build: false,
      port: 0,
      databaseUrl,
      print: (s) => {
        banner += `${s}\n`;
      },
    }));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints what a newcomer needs and serves the sandbox pages', async () => {
    expect(seed.created).toBe(true);
    expect(banner).toContain(`Review server   ${server.url}`);
    for (const u of seed.users) expect(banner).toContain(u.token);
    expect(banner).toContain(resolve('.output/chrome-mv3'));
    for (const p of SANDBOX_PAGES) {
      expect(banner).toContain(`${server.url}${p.path}`);
      const res = await fetch(`${server.url}${p.path.split('#')[0]}`);
      expect(res.status, p.path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
    // Gmail's Trusted Types header comes with the page, as on mail.google.com.
    const gmail = await fetch(`${server.url}/sandbox/gmail/mail/u/0/`);
    expect(gmail.headers.get('content-security-policy')).toContain('require-trusted-types-for');
    // Assets resolve under the app's deep paths; /sandbox/<site> alone redirects to the page.
    const asset = await fetch(`${server.url}/sandbox/hubspot/contacts/12345678/record/0-1/vendor/draft.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const bare = await fetch(`${server.url}/sandbox/salesforce`, { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect((await fetch(`${server.url}/sandbox/pipedrive/`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/sandbox`)).text()).toContain('/sandbox/gmail/');
  });

  it('shows the demo SDR the drafts for the record in front of them first, on every sandbox page', async () => {
    const sdr = seed.users.find((u) => u.id === DEMO_SDR_ID)!;
    const ext = await launchExtension();
    try {
      const options = await connectExtension(ext, { url: server.url, token: sdr.token });
      await options.close();
      for (const site of FIXTURE_SITES) {
        const page = await ext.context.newPage();
        await page.goto(await routeFixture(ext.context, site));
        const panel = page.getByRole('complementary', { name: 'Countersign' });
        const first = panel.getByRole('article').first();
        await first.waitFor({ timeout: 20_000 });
        // Every sandbox page opens on Ana Lopez at Acme; the demo has drafts for her on each site.
        await expect.poll(() => first.textContent(), { timeout: 10_000 }).toContain('Ana Lopez');
        expect(await first.textContent()).toMatch(/\d+%/);
        await page.close();
      }
    } finally {
      await ext.close();
    }
  });

  it('`npm run browser` headless connects as the demo SDR, walks, and writes the screenshots and the animation', async () => {
    const out = join(dir, 'screenshots');
    const checkout = resolve('docs/screenshots');
    const before = new Map(readdirSync(checkout).map((f) => [f, statSync(join(checkout, f)).mtimeMs]));
    const { stdout } = await run('npx', ['tsx', 'scripts/browser.ts', '--headless', '--no-build', '--out', out], {
      env: { ...process.env, COUNTERSIGN_URL: server.url, DATABASE_URL: databaseUrl },
      timeout: 120_000,
    });
    expect(stdout).toContain('Connected to');
    expect(stdout).toContain('as Maya Chen');
    expect(stdout).toMatch(/sent to ana@acme\.example/);
    const walk = ['walk-1-thread', 'walk-2-reply-and-draft', 'walk-3-approved', 'walk-4-edited', 'walk-5-sent'];
    for (const name of [...FIXTURE_SITES.map((s) => `sandbox-${s}`), ...walk]) {
      const file = join(out, `${name}.png`);
      expect(existsSync(file), file).toBe(true);
      // The Chrome Web Store's screenshot size.
      const png = UPNG.decode(new Uint8Array(readFileSync(file)).buffer);
      expect([png.width, png.height], name).toEqual([1280, 800]);
    }
    // The walk as one small animated PNG: the inbox and the five steps, looping.
    const apng = readFileSync(join(out, 'walk-through.png'));
    expect(apng.byteLength).toBeLessThan(250_000);
    const anim = UPNG.decode(new Uint8Array(apng).buffer);
    expect([anim.width, anim.height]).toEqual([1280, 800]);
    expect(anim.tabs.acTL).toEqual({ num_frames: 6, num_plays: 0 });
    expect(anim.frames.map((f) => f.delay).every((d) => d >= 1000)).toBe(true);
    // Nothing in the checkout was written.
    const after = new Map(readdirSync(checkout).map((f) => [f, statSync(join(checkout, f)).mtimeMs]));
    expect(after).toEqual(before);
  });

  it('a second start reuses the workspace and prints the same tokens', async () => {
    const before = seed.users.map((u) => u.token);
    await server.close();
    let again = '';
    ({ server, seed } = await startDemo({
      build: false,
      port: 0,
      databaseUrl,
      print: (s) => {
        again += `${s}\n`;
      },
    }));
    expect(seed.created).toBe(false);
    expect(seed.users.map((u) => u.token)).toEqual(before);
    expect(again).toMatch(/found from an earlier start and reused/);
    expect(again).toMatch(/the same tokens as at the last start/);
  });
});
