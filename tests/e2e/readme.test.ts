/**
 * The README cannot rot (issue 5): this test reads the shell commands in README.md's fenced blocks
 * (```sh / ```bash / ```shell / ```console) and runs the key ones against a throw-away database:
 * `npm start` (the build is the one global-setup made), `npm run server` (SQLite, and PostgreSQL when
 * the README shows DATABASE_URL=postgres://… and one is reachable), `tokens create`, `drafts simulate`
 * and `drafts import`, and the README's curl calls against the running demo server. It also checks
 * that the sections come in the order of architecture.md and that every image the README shows exists.
 *
 * Conventions it relies on: placeholders are written `<like-this>`; curl examples use
 * http://127.0.0.1:8787 and `$…TOKEN` variables (run here with the demo admin's token).
 * Not run: `npm install`, `npm test`, `npm run build*`, `npm run dev`, `npm run browser` (its own e2e test).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrafts } from '../../server/demo';
import { freshDatabase, TEST_PG_URL } from '../helpers/server';

// COUNTERSIGN_README: check another file (used to try a README draft before it lands).
const README = resolve(process.env.COUNTERSIGN_README ?? 'README.md');
const run = promisify(execFile);

interface ReadmeCommand {
  heading: string;
  command: string;
}

/** Every command line in the README's shell blocks, with the heading it sits under. */
function readmeCommands(markdown: string): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  let heading = '';
  let lang: string | null = null; // null = outside a fenced block
  let pending = '';
  for (const raw of markdown.split('\n')) {
    const fence = /^\s*(```|~~~)\s*([\w-]*)/.exec(raw);
    if (fence) {
      lang = lang === null ? fence[2]!.toLowerCase() : null;
      pending = '';
      continue;
    }
    if (lang === null) {
      const h = /^#{1,6}\s+(.*)$/.exec(raw);
      if (h) heading = h[1]!.trim();
      continue;
    }
    if (!['sh', 'bash', 'shell', 'console', 'zsh'].includes(lang)) continue;
    let line = raw.trim();
    if (!pending) {
      // Console blocks mix commands (`$ …`) with their output; other shell blocks are all commands.
      if (lang === 'console') {
        if (!line.startsWith('$ ')) continue;
        line = line.slice(2).trim();
      } else {
        if (line === '' || line.startsWith('#')) continue;
        line = line.replace(/^\$\s+/, '');
      }
    }
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const command = (pending + line).replace(/\s+#\s.*$/, '').trim();
    pending = '';
    if (command) out.push({ heading, command });
  }
  return out;
}

/** `A=1 B=2 cmd args` → { env: {A, B}, rest: 'cmd args' } */
function splitEnv(command: string): { env: Record<string, string>; rest: string } {
  const env: Record<string, string> = {};
  let rest = command;
  for (;;) {
    const m = /^([A-Z_][A-Z0-9_]*)=("[^"]*"|'[^']*'|\S*)\s+/.exec(rest);
    if (!m) break;
    env[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
    rest = rest.slice(m[0].length);
  }
  return { env, rest };
}

function fillPlaceholders(command: string, values: Record<string, string>): string {
  return command.replace(/<([^<>]+)>/g, (_all, name: string) => {
    const key = Object.keys(values).find((k) => name.toLowerCase().includes(k));
    return key ? values[key]! : 'readme-value';
  });
}

async function waitForHealth(url: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(`${url}/v1/health`)).ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`no answer from ${url}/v1/health`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A port nothing listens on now (the system picks it, then it is let go) for a command that takes
 * PORT: a random number could be in use by another server, even one that answers /v1/health.
 */
function freePort(): Promise<string> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => ok(String(port)));
    });
  });
}

/** A long-running npm command in its own process group, with its output collected. */
function startProcess(command: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn('bash', ['-c', command], {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGINT');
  } catch {}
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null)
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
}

async function pgReachable(): Promise<boolean> {
  try {
    const db = await freshDatabase('postgres');
    await db.drop();
    return true;
  } catch {
    return false;
  }
}

const hasReadme = existsSync(README);

describe.skipIf(!hasReadme)('README commands', () => {
  const markdown = hasReadme ? readFileSync(README, 'utf8') : '';
  const commands = readmeCommands(markdown);
  const find = (re: RegExp) => commands.filter((c) => re.test(c.command));
  let dir: string;
  let demo: { child: ChildProcess; output: () => string } | undefined;
  let demoUrl = '';
  let demoEnv: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-readme-'));
  });
  afterAll(async () => {
    if (demo) await stopProcess(demo.child);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has the sections of architecture.md in order, and every image it shows exists', () => {
    const headings = [...markdown.matchAll(/^#{1,3}\s+(.*)$/gm)].map((m) => m[1]!.toLowerCase());
    const order = [
      /start|quick|try|install|run/,
      /site/,
      /self-host|postgres|deploy/,
      /api/,
      /develop|test/,
      /add.*site/,
    ];
    let at = -1;
    for (const re of order) {
      const i = headings.findIndex((h, idx) => idx > at && re.test(h));
      expect(i, `a heading matching ${re} after "${headings[at] ?? '(top)'}"`).toBeGreaterThan(at);
      at = i;
    }
    const images = [...markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1]!);
    expect(images.length, 'a screenshot of the panel near the top').toBeGreaterThan(0);
    for (const src of images.filter((s) => !/^https?:/.test(s))) expect(existsSync(resolve(src)), src).toBe(true);
  });

  it('shows the two commands and the others a newcomer needs', () => {
    for (const re of [
      /^npm install$/,
      /^npm start$/,
      /^npm run browser\b/,
      /\bnpm run server\b/,
      /npm run -s cli -- tokens create\b/,
      /npm run -s cli -- drafts simulate\b/,
      /\bnpm test\b/,
      /DATABASE_URL=postgres(ql)?:\/\//,
    ]) {
      expect(find(re).length, `a command matching ${re}`).toBeGreaterThan(0);
    }
  });

  it('`npm start` prints the URL, the demo tokens, the extension folder and the sandbox URLs, and serves them', async () => {
    const start = find(/^npm start$/)[0]!;
    demoEnv = { DATABASE_URL: `sqlite:${join(dir, 'demo', 'countersign.db')}`, PORT: '0', COUNTERSIGN_SKIP_BUILD: '1' };
    demo = startProcess(start.command, demoEnv);
    const deadline = Date.now() + 60_000;
    while (!/Stop: Ctrl\+C/.test(demo.output())) {
      if (demo.child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start failed:\n${demo.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const out = demo.output();
    demoUrl = /Review server\s+(http:\/\/\S+)/.exec(out)![1]!;
    await waitForHealth(demoUrl);
    expect(out).toMatch(/Maya Chen\s+reviewer\s+cs_\S+/);
    expect(out).toMatch(/Load unpacked/);
    expect(out).toContain(resolve('.output/chrome-mv3'));
    const sandbox = [...out.matchAll(/(http:\/\/127\.0\.0\.1:\d+\/sandbox\/\S+)/g)].map((m) => m[1]!);
    expect(sandbox.length).toBe(4);
    for (const u of sandbox) expect((await fetch(u)).status, u).toBe(200);
  });

  it('`drafts simulate` and `drafts import` work as shown, against the demo server', async () => {
    expect(demoUrl).not.toBe('');
    const jsonl = join(dir, 'drafts.jsonl');
    writeFileSync(
      jsonl,
      `${generateDrafts({ count: 5, seed: 'readme', idPrefix: `readme-${Date.now()}` })
        .map((d) => JSON.stringify(d))
        .join('\n')}\n`,
    );
    const values = { count: '5', file: jsonl, jsonl, workflow: 'outbound-email', url: demoUrl, server: demoUrl };
    const lines = find(/npm run -s cli -- drafts (simulate|import)\b/);
    for (const c of lines) {
      const { rest } = splitEnv(c.command);
      let cmd = fillPlaceholders(rest, values)
        .replace(/http:\/\/(127\.0\.0\.1|localhost):8787/g, demoUrl)
        .replace(/--count\s+\d+/, '--count 5');
      // An example file the README writes itself (simulate --out x.jsonl, then import x.jsonl) stays in the temp dir.
      cmd = cmd.replace(/(\S+\.jsonl)\b/g, (f) => (f === jsonl ? f : join(dir, f.split('/').pop()!)));
      const { stdout } = await run('bash', ['-c', cmd], {
        env: { ...process.env, ...demoEnv, COUNTERSIGN_URL: demoUrl },
        timeout: 30_000,
      });
      if (!/--out\b/.test(cmd)) expect(stdout, cmd).toMatch(/^posted \d+ drafts/);
    }
  });

  it('the README curl calls answer without an error body', async () => {
    expect(demoUrl).not.toBe('');
    const admin = /Alex Rivera\s+admin\s+(cs_\S+)/.exec(demo!.output())![1]!;
    const curls = find(/^curl\b|\|\s*curl\b|^\S+=.*\bcurl\b/);
    for (const c of curls) {
      const vars = [...c.command.matchAll(/\$\{?([A-Z_]*TOKEN)\}?/g)].map((m) => m[1]!);
      const env = Object.fromEntries(vars.map((v) => [v, admin]));
      const cmd = c.command.replace(/http:\/\/(127\.0\.0\.1|localhost):8787/g, demoUrl);
      const files = [...cmd.matchAll(/@(\S+)/g)].map((m) => m[1]!);
      if (files.some((f) => !existsSync(resolve(f)))) continue;
      const { stdout } = await run('bash', ['-c', cmd], { env: { ...process.env, ...env }, timeout: 15_000 });
      expect(stdout, cmd).not.toMatch(/"error"\s*:\s*\{\s*"code"/);
    }
  });

  it('`tokens create` prints a token and nothing else; `npm run server` answers /v1/health', async () => {
    const db = `sqlite:${join(dir, 'server', 'countersign.db')}`;
    const create = find(/npm run -s cli -- tokens create\b/)[0]!;
    const { rest } = splitEnv(create.command);
    const cmd = fillPlaceholders(rest, { id: 'readme-user', user: 'readme-user', role: 'reviewer', name: 'Readme' });
    const { stdout } = await run('bash', ['-c', cmd], { env: { ...process.env, DATABASE_URL: db }, timeout: 30_000 });
    expect(stdout.trim()).toMatch(/^cs_[A-Za-z0-9_-]+$/);
    const user = /--user\s+(\S+)/.exec(cmd)![1]!;
    const role = /--role\s+(\S+)/.exec(cmd)![1]!;

    const server = find(/\bnpm run server\b/)[0]!;
    const port = await freePort();
    const p = startProcess(splitEnv(server.command).rest, { DATABASE_URL: db, PORT: port });
    try {
      await waitForHealth(`http://127.0.0.1:${port}`);
      const me = await fetch(`http://127.0.0.1:${port}/v1/me`, {
        headers: { authorization: `Bearer ${stdout.trim()}` },
      });
      expect(await me.json()).toMatchObject({ id: user, role });
    } finally {
      await stopProcess(p.child);
    }
    // `tokens revoke` as shown, with the token just made.
    for (const c of find(/npm run -s cli -- tokens revoke\b/)) {
      const revoke = fillPlaceholders(splitEnv(c.command).rest, { token: stdout.trim() });
      const r = await run('bash', ['-c', revoke], { env: { ...process.env, DATABASE_URL: db }, timeout: 30_000 });
      expect(r.stdout.trim()).toBe('revoked');
    }
  });

  it('self-hosting on PostgreSQL: `DATABASE_URL=postgres://… npm run server` answers /v1/health', async (ctx) => {
    if (!(await pgReachable())) ctx.skip();
    const line = find(/DATABASE_URL=postgres(ql)?:\/\/\S+.*npm run server/)[0];
    if (!line) ctx.skip();
    const db = await freshDatabase('postgres');
    const port = await freePort();
    const p = startProcess(splitEnv(line!.command).rest, { DATABASE_URL: db.url, PORT: port });
    try {
      await waitForHealth(`http://127.0.0.1:${port}`);
    } finally {
      await stopProcess(p.child);
      await db.drop();
    }
    expect(TEST_PG_URL).toMatch(/^postgres/);
  });
});

it('reads commands out of fenced blocks, joining continued lines and dropping prompts and comments', () => {
  const md = [
    '# Countersign',
    '## Try it',
    '```sh',
    'npm install',
    '# a comment',
    'npm start   # builds and serves',
    '```',
    '## API',
    '```console',
    '$ curl -s http://127.0.0.1:8787/v1/health \\',
    '    -H "x: y"',
    '{"ok":true}',
    '```',
    '```json',
    '{"not": "a command"}',
    '```',
  ].join('\n');
  expect(readmeCommands(md)).toEqual([
    { heading: 'Try it', command: 'npm install' },
    { heading: 'Try it', command: 'npm start' },
    { heading: 'API', command: 'curl -s http://127.0.0.1:8787/v1/health -H "x: y"' },
  ]);
});
