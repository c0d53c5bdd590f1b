import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../server/cli';
import { DEMO_USERS, generateDrafts } from '../../server/demo';
import { DEMO_DRAFT_COUNT, seedDemo } from '../../server/demo/seed';
import { revokeToken } from '../../server/tokens';
import { startTestServer, TEST_DBS, type TestServer } from '../helpers/server';

async function draftCount(s: TestServer): Promise<number> {
  const row = await s.store.db
    .selectFrom('drafts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}

describe.each(TEST_DBS)('first run on %s', (db) => {
  let server: TestServer;
  let dir: string;
  let tokenFile: string;

  beforeAll(async () => {
    server = await startTestServer(db);
    dir = mkdtempSync(join(tmpdir(), 'cs-firstrun-'));
    tokenFile = join(dir, 'data', 'demo-tokens.json');
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the demo workspace once and reuses it on the next start', async () => {
    const first = await seedDemo({ store: server.store, url: server.url, tokenFile });
    expect(first.created).toBe(true);
    expect(first.users.map((u) => u.id)).toEqual(DEMO_USERS.map((u) => u.id));
    expect(first.mintedFor).toHaveLength(DEMO_USERS.length);
    expect(first.drafts.total).toBeGreaterThanOrEqual(60);
    // Reviewed history for the governance pages: calibration has data for every demo workflow.
    expect(first.history).toBeGreaterThan(0);
    const admin = first.users.find((u) => u.role === 'admin')!.token;
    for (const wf of ['outbound-email', 'crm-enrichment', 'inbound-reply']) {
      const cal = (await (await server.api(`/v1/workflows/${wf}/calibration`, { token: admin })).json()) as {
        n: number;
      };
      expect(cal.n, wf).toBeGreaterThanOrEqual(300);
    }
    expect(await draftCount(server)).toBe(first.drafts.total + first.history);
    // The demo shows every route: auto-approved, waiting for review, and too unsure (manual).
    for (const route of ['auto', 'review', 'manual']) expect(first.drafts.routes[route], route).toBeGreaterThan(0);
    // …and every kind of reviewer has something waiting.
    for (const id of ['demo-sdr-maya', 'demo-owner-priya', 'demo-pricing-sam']) {
      const token = first.users.find((u) => u.id === id)!.token;
      const queue = (await (await server.api('/v1/queue', { token })).json()) as { items: unknown[] };
      expect(queue.items.length, id).toBeGreaterThan(0);
    }
    // Tokens are kept for this machine's user only.
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);

    // Every printed token works and is the person it says.
    for (const u of first.users) {
      const me = await server.api('/v1/me', { token: u.token });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ id: u.id, name: u.name, role: u.role });
    }

    const second = await seedDemo({ store: server.store, url: server.url, tokenFile });
    expect(second.created).toBe(false);
    expect(second.mintedFor).toEqual([]);
    expect(second.users.map((u) => u.token)).toEqual(first.users.map((u) => u.token));
    expect(second.drafts.posted).toBe(0);
    expect(second.history).toBe(0);
    expect(await draftCount(server)).toBe(first.drafts.total + first.history);
    const users = await server.store.db.selectFrom('users').select('id').where('id', 'like', 'demo-%').execute();
    expect(users).toHaveLength(DEMO_USERS.length);
  });

  it('mints a fresh token at start when the saved one no longer works, and says for whom', async () => {
    const saved = JSON.parse(readFileSync(tokenFile, 'utf8')).tokens as Record<string, string>;
    await revokeToken(server.store, saved['demo-sdr-maya']!, 'test');
    const again = await seedDemo({ store: server.store, url: server.url, tokenFile });
    expect(again.mintedFor).toEqual(['demo-sdr-maya']);
    const maya = again.users.find((u) => u.id === 'demo-sdr-maya')!;
    expect(maya.token).not.toBe(saved['demo-sdr-maya']);
    expect((await server.api('/v1/me', { token: maya.token })).status).toBe(200);
    expect(JSON.parse(readFileSync(tokenFile, 'utf8')).tokens['demo-sdr-maya']).toBe(maya.token);
  });

  it('mints fresh tokens for everyone when the token file is gone, and the lost ones stop working', async () => {
    const lost = JSON.parse(readFileSync(tokenFile, 'utf8')).tokens as Record<string, string>;
    rmSync(tokenFile);
    const again = await seedDemo({ store: server.store, url: server.url, tokenFile });
    expect(again.created).toBe(false);
    expect(again.mintedFor).toHaveLength(DEMO_USERS.length);
    expect((await server.api('/v1/me', { token: lost['demo-admin']! })).status).toBe(401);
    expect((await server.api('/v1/me', { token: again.users[0]!.token })).status).toBe(200);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
  });

  it('drafts simulate posts N varied drafts and prints a summary', async () => {
    const token = await server.token('pipeline');
    const before = await draftCount(server);
    const { out, err, io } = captureIo();
    const code = await runCli(
      [
        'drafts',
        'simulate',
        '--count',
        '150',
        '--batch',
        '40',
        '--seed',
        'api-test',
        '--server',
        server.url,
        '--token',
        token,
      ],
      io,
    );
    expect(err.filter((l) => !l.startsWith('posted '))).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/^posted 150 drafts \(seed api-test\)/);
    expect(await draftCount(server)).toBe(before + 150);
    // Progress went to stderr, batch by batch (not a TTY here, so one line each).
    expect(err.filter((l) => /^posted \d+\/150/.test(l)).length).toBe(4);
    const workflows = await server.store.db
      .selectFrom('drafts')
      .select('workflow')
      .distinct()
      .where('external_id', 'like', 'sim-api-test-%')
      .execute();
    expect(workflows.map((w) => w.workflow).sort()).toEqual(['crm-enrichment', 'inbound-reply', 'outbound-email']);
  });

  it('drafts simulate --workflow keeps to that workflow', async () => {
    const token = await server.token('admin');
    const { io } = captureIo();
    const code = await runCli(
      [
        'drafts',
        'simulate',
        '--count',
        '20',
        '--workflow',
        'partner-outreach',
        '--seed',
        'wf',
        '--server',
        server.url,
        '--token',
        token,
      ],
      io,
    );
    expect(code).toBe(0);
    const rows = await server.store.db
      .selectFrom('drafts')
      .select('workflow')
      .where('external_id', 'like', 'sim-wf-%')
      .execute();
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.workflow))).toEqual(new Set(['partner-outreach']));
  });

  it('drafts import posts the valid lines and reports the others by line number', async () => {
    const token = await server.token('pipeline');
    const good = generateDrafts({ count: 4, seed: 'import', idPrefix: `import-${db}` });
    const { externalId: _drop, ...noId } = good[1]!;
    const lines = [
      JSON.stringify(good[0]),
      JSON.stringify({ ...good[2], confidence: 1.7 }), // line 2: out of range
      '',
      JSON.stringify(noId), // line 4: missing externalId
      '{"externalId": "x", ', // line 5: not JSON
      JSON.stringify(good[3]),
    ];
    const file = join(dir, 'drafts.jsonl');
    writeFileSync(file, lines.join('\n'));
    const before = await draftCount(server);
    const { out, err, io } = captureIo();
    const code = await runCli(['drafts', 'import', file, '--server', server.url, '--token', token], io);
    expect(code).toBe(1);
    const problems = err.filter((l) => l.startsWith(`${file}:`));
    expect(problems.map((l) => Number(l.slice(file.length + 1).split(':')[0]))).toEqual([2, 4, 5]);
    expect(problems[0]).toMatch(/confidence/);
    expect(problems[1]).toMatch(/externalId/);
    expect(problems[2]).toMatch(/not valid JSON/);
    expect(out.join('\n')).toMatch(/^posted 2 drafts, 3 invalid lines skipped/);
    expect(await draftCount(server)).toBe(before + 2);

    // --dry-run validates only.
    const dry = captureIo();
    expect(await runCli(['drafts', 'import', file, '--dry-run'], dry.io)).toBe(1);
    expect(dry.out.join('\n')).toBe('2 valid, 3 invalid (dry run: nothing posted)');
    expect(await draftCount(server)).toBe(before + 2);
  });

  it('drafts import says what the server refused (a reviewer may not post drafts)', async () => {
    const token = await server.token('reviewer');
    const file = join(dir, 'one.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify(generateDrafts({ count: 1, seed: 'refused', idPrefix: `refused-${db}` })[0])}\n`,
    );
    const { err, io } = captureIo();
    expect(await runCli(['drafts', 'import', file, '--server', server.url, '--token', token], io)).toBe(1);
    expect(err.join('\n')).toMatch(new RegExp(`server answered 403: .*\\(batch starting at ${file}:1\\)`));
  });

  it('drafts simulate says clearly when the server cannot be reached', async () => {
    const { err, io } = captureIo();
    const code = await runCli(
      ['drafts', 'simulate', '--count', '1', '--server', 'http://127.0.0.1:9', '--token', 'cs_nope'],
      io,
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/cannot reach the server/);
  });
});

it('the demo set is at least 60 drafts', () => {
  expect(DEMO_DRAFT_COUNT).toBeGreaterThanOrEqual(60);
});
