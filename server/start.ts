/**
 * `npm start` (issue 5): build the extension, start the review server on the embedded SQLite
 * default, create the demo workspace on first start (reuse it afterwards), and print everything a
 * newcomer needs: the server URL, the demo tokens, where the built extension is and how to load it,
 * and the sandbox URLs.
 *
 * Every start moves the demo's trigger deadlines and history forward to now (server/demo/refresh.ts),
 * so a workspace reused days later still looks current.
 *
 * Flags: `--no-build` (or COUNTERSIGN_SKIP_BUILD=1) skips `wxt build`; `--reset` deletes the demo
 * workspace and its tokens first and starts the demo over. PORT, HOST and DATABASE_URL
 * work as for `npm run server`. Request logs go to server.log beside the database (./data/ by default).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_SDR_ID } from './demo';
import { type RefreshResult, refreshDemoTimes, resetDemo } from './demo/refresh';
import { SANDBOX_PAGES, sandboxDrafts, sandboxRoutes } from './demo/sandbox';
import { type SeedResult, seedDemo, tokenFileFor } from './demo/seed';
import { jsonLogger } from './log';
import { type RunningServer, startServer } from './main';

export const EXTENSION_DIR = '.output/chrome-mv3';

/** Runs `wxt build`, quietly unless it fails. */
export function buildExtension(extraArgs: string[] = []): Promise<void> {
  const bin = resolve('node_modules/.bin/wxt');
  return new Promise((ok, fail) => {
    const args = ['build', ...extraArgs];
    const child = spawn(existsSync(bin) ? bin : 'npx', existsSync(bin) ? args : ['wxt', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A caller's NODE_ENV (vitest sets "test") makes the React plugin emit the development JSX
      // runtime (jsxDEV) against React's production build, and the panel would not render.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? ok() : fail(new Error(`wxt build failed (exit ${code}):\n${output.slice(-4000)}`)),
    );
  });
}

export interface Banner {
  url: string;
  database: string;
  seed: SeedResult;
  extensionDir: string;
  built: boolean;
  logFile: string;
  /** How far this start moved the demo's times forward. */
  refresh?: RefreshResult;
  /** The workspace was deleted and created again (--reset). */
  reset?: boolean;
}

function duration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${min} min`;
  if (min < 48 * 60) return `${Math.round(min / 60)} h`;
  return `${Math.round(min / 1440)} days`;
}

/** The text `npm start` prints once everything is up. */
export function bannerText(b: Banner): string {
  const lines: string[] = [];
  const sdr = b.seed.users.find((u) => u.id === DEMO_SDR_ID)!;
  const pipeline = b.seed.users.find((u) => u.role === 'pipeline')!;
  lines.push('', 'Countersign is running.', '');
  lines.push(`  Review server   ${b.url}   (health: ${b.url}/v1/health, API description: ${b.url}/openapi.json)`);
  lines.push(`  Database        ${b.database}`);
  lines.push(`  Server log      ${b.logFile}`);
  const r = b.seed.drafts.routes;
  const routed = b.seed.drafts.posted
    ? ` (${r.auto ?? 0} auto-approved, ${r.review ?? 0} for review, ${r.manual ?? 0} to write by hand)`
    : '';
  if (b.reset) lines.push('  Demo workspace  deleted (--reset) and started over');
  lines.push(
    b.seed.created
      ? `  Demo workspace  created: ${b.seed.drafts.total} drafts in outbound-email, crm-enrichment and inbound-reply${routed}`
      : `  Demo workspace  found from an earlier start and reused (${b.seed.drafts.total} demo drafts)`,
  );
  if (b.seed.history > 0)
    lines.push(
      `                  and ${b.seed.history} drafts reviewed over the last 30 days (history for the governance dashboard)`,
    );
  if (b.refresh && b.refresh.shiftedBy > 0)
    lines.push(
      `                  times moved forward ${duration(b.refresh.shiftedBy)} to now: trigger deadlines and history are current (npm start -- --reset starts over)`,
    );
  for (const w of b.seed.warnings) lines.push(`  Warning         ${w}`);
  lines.push('');
  const minted =
    b.seed.mintedFor.length === 0
      ? 'the same tokens as at the last start'
      : b.seed.created
        ? 'minted at this start'
        : `minted fresh at this start for ${b.seed.mintedFor.length === b.seed.users.length ? 'everyone' : b.seed.mintedFor.join(', ')}: the saved ones were missing or no longer worked, and are revoked`;
  lines.push(`  Demo access tokens (${minted}; kept in ${b.seed.tokenFile}, readable only by you):`);
  const w = Math.max(...b.seed.users.map((u) => u.name.length));
  const rw = Math.max(...b.seed.users.map((u) => u.role.length + (u.specialty ? u.specialty.length + 3 : 0)));
  for (const u of b.seed.users) {
    const role = u.specialty ? `${u.role} (${u.specialty})` : u.role;
    lines.push(`    ${u.name.padEnd(w)}  ${role.padEnd(rw)}  ${u.token}`);
  }
  lines.push('');
  lines.push(
    `  Browser extension  ${b.built ? 'built in' : 'not rebuilt (--no-build); last build in'} ${resolve(b.extensionDir)}`,
  );
  lines.push(
    '    1. Open chrome://extensions, switch on "Developer mode", click "Load unpacked" and pick that folder.',
  );
  lines.push(
    `    2. In the extension's options: Server URL ${b.url}, Access token = ${sdr.name}'s token above, Connect.`,
  );
  lines.push('    3. Still in the options, click "Enable sandbox pages" and allow access to 127.0.0.1 when asked.');
  const admin = b.seed.users.find((u) => u.role === 'admin')!;
  lines.push(
    `    Governance dashboard: connect with ${admin.name}'s (admin) token and open the extension's dashboard.html page.`,
  );
  lines.push('');
  lines.push('  Sandbox pages (imitations of the real apps, with demo records that have drafts waiting):');
  for (const p of SANDBOX_PAGES) lines.push(`    ${p.title.padEnd(11)} ${b.url}${p.path}`);
  lines.push('');
  lines.push('  Or skip steps 1–3:  npm run browser   (Chromium with the extension connected as Maya, on the sandbox)');
  lines.push(`  Play the AI pipeline: npm run -s cli -- drafts simulate --count 500   (uses ${pipeline.name}'s token)`);
  lines.push(`  Stop: Ctrl+C. The data stays in ${b.database.replace(/^SQLite /, '')}; the next npm start reuses it.`);
  lines.push('');
  return lines.join('\n');
}

export interface StartDemoOptions {
  build?: boolean;
  port?: number;
  host?: string;
  databaseUrl?: string;
  tokenFile?: string;
  /** Delete the demo workspace and its tokens first (`npm start -- --reset`). */
  reset?: boolean;
  /** The time the demo is fresh for (default: now). */
  now?: Date;
  /** Where the banner and progress go (default stdout). */
  print?: (s: string) => void;
}

export async function startDemo(opts: StartDemoOptions = {}): Promise<{ server: RunningServer; seed: SeedResult }> {
  const print = opts.print ?? ((s: string) => process.stdout.write(`${s}\n`));
  const build = opts.build ?? true;
  if (build) {
    print('Building the extension (wxt build)…');
    const t = Date.now();
    await buildExtension();
    print(`  built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  // Request logs go beside the database (like the demo tokens), keeping the terminal for the banner.
  const logFile = join(dirname(tokenFileFor(opts.databaseUrl)), 'server.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const boot = (port: number) =>
    startServer({
      port,
      host: opts.host ?? '127.0.0.1',
      databaseUrl: opts.databaseUrl,
      logger: jsonLogger((line) => log.write(`${line}\n`)),
      extraRoutes: [sandboxRoutes],
      // Expiry and the other timers wait until the demo's deadlines are moved to now (below).
      timers: { paused: true },
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        throw new Error(
          `port ${opts.port ?? 8787} is already in use (another npm start or npm run server?). Stop it, or run PORT=8790 npm start.`,
        );
      throw e;
    });
  let server = await boot(opts.port ?? 8787);
  // Listening on every interface (HOST=0.0.0.0): print the loopback address, which a browser can open
  // and the sandbox permission (127.0.0.1) covers.
  const url = server.url.replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, 'http://127.0.0.1');
  print(`Server listening on ${server.url}; preparing the demo workspace…`);
  const tokenFile = opts.tokenFile ?? tokenFileFor(opts.databaseUrl);
  const now = opts.now ?? new Date();
  if (opts.reset) {
    let deleteFile: string | null;
    try {
      ({ deleteFile } = await resetDemo(server.store, { tokenFile, databaseUrl: opts.databaseUrl }));
    } catch (e) {
      await server.close();
      throw e;
    }
    if (deleteFile) {
      // The embedded database is the demo's own file: close it, delete it, open a new one.
      const port = server.port;
      await server.close();
      for (const f of [deleteFile, `${deleteFile}-wal`, `${deleteFile}-shm`]) rmSync(f, { force: true });
      server = await boot(port);
    }
  }
  const seed = await seedDemo({
    store: server.store,
    url,
    tokenFile,
    now,
    extraDrafts: sandboxDrafts(now),
  });
  const refresh = await refreshDemoTimes(server.store, now, { created: seed.created });
  server.timers?.resume();
  const database =
    server.store.dialect === 'sqlite'
      ? `SQLite ${opts.databaseUrl?.startsWith('sqlite:') ? opts.databaseUrl.slice(7) : './data/countersign.db'}`
      : 'PostgreSQL (DATABASE_URL)';
  print(
    bannerText({ url, database, seed, extensionDir: EXTENSION_DIR, built: build, logFile, refresh, reset: opts.reset }),
  );
  const close = server.close;
  server.close = async () => {
    await close();
    log.end();
  };
  return { server, seed };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const noBuild = process.argv.includes('--no-build') || process.env.COUNTERSIGN_SKIP_BUILD === '1';
  const reset = process.argv.includes('--reset');
  const port = process.env.PORT ? Number(process.env.PORT) : 8787;
  startDemo({
    build: !noBuild,
    port,
    host: process.env.HOST || '127.0.0.1',
    databaseUrl: process.env.DATABASE_URL,
    reset,
  }).then(
    ({ server }) => {
      const stop = () => {
        process.stdout.write('Stopping…\n');
        setTimeout(() => process.exit(1), 10_000).unref();
        server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e) => {
      process.stderr.write(`npm start failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
