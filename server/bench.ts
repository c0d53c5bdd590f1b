/**
 * `npm run bench:server` — throughput of the review server against plain inserts of the same rows.
 *
 * For each database (SQLite always; PostgreSQL when BENCH_PG_URL / TEST_PG_URL or the local default
 * answers): ingest N drafts via POST /v1/drafts in batches of 100, then N decisions via
 * POST /v1/decisions in batches of 50 (one client, sequential requests, over real HTTP;
 * BENCH_CONCURRENCY=n keeps n requests in flight to measure capacity instead of latency), and the
 * same rows inserted by the plain driver (better-sqlite3 / pg) in transactions of the same size.
 * Prints throughput, the server/raw ratio, and p50/p99 latency per request.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Decision, DraftIn } from '../lib/schema';
import { silentLogger } from './log';
import { startServer } from './main';
import { openStore } from './store';
import { createToken } from './tokens';

const N = Number(process.env.BENCH_N ?? 10_000);
const DRAFT_BATCH = 100;
const DECISION_BATCH = 50;
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 1));
const PG_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function makeDrafts(): DraftIn[] {
  return Array.from({ length: N }, (_, i) => ({
    externalId: `bench-${i}-${randomBytes(4).toString('hex')}`,
    workflow: 'outbound-email',
    kind: 'email' as const,
    target: { site: 'gmail' as const, email: `p${i}@acme${i % 50}.com`, company: `Acme ${i % 50}` },
    account: { name: `Acme ${i % 50}`, dealValue: (i * 37) % 50_000 },
    content: {
      subject: `A question for Acme ${i % 50}`,
      body: `Hi Pat,\nSaw the news about Acme ${i % 50}; congratulations on the launch.\nWould a short call next week help?\nBest,\nSam`,
    },
    confidence: 0.7 + ((i * 7919) % 280) / 1000,
    rationale: 'Recent launch and hiring for the sales team',
    evidence: [{ label: 'News', snippet: 'Acme launched a new product', url: 'https://example.com/n', source: 'news' }],
    segment: `seg-${i % 20}`,
  }));
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

interface Figures {
  draftsPerSec: number;
  decisionsPerSec: number;
  draftLat: number[];
  decisionLat: number[];
}

/**
 * The server under test: by default its own process (`npm run server`'s entry point), so the
 * benchmark client does not share its event loop; BENCH_INPROCESS=1 runs it in this process.
 */
async function launch(databaseUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  if (process.env.BENCH_INPROCESS === '1') {
    const s = await startServer({ port: 0, databaseUrl, logger: silentLogger, rateLimit: { limit: 1e9 } });
    return { url: s.url, close: () => s.close() };
  }
  // BENCH_CPU_PROF=<dir> writes a CPU profile of the server process there.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(import.meta.dirname, 'main.ts')], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      COUNTERSIGN_RATE_LIMIT: '1000000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { msg?: string; url?: string };
        if (msg.msg === 'listening' && msg.url) resolve(msg.url);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function runServer(databaseUrl: string, drafts: DraftIn[]): Promise<Figures & { ids: string[] }> {
  // Tokens are made through the store directly (what `cli tokens create` does).
  const store = await openStore(databaseUrl);
  const pipe = (await createToken(store, { user: 'bench-pipe', role: 'pipeline', actor: 'bench' })).token;
  const rev = (await createToken(store, { user: 'bench-rev', role: 'reviewer', actor: 'bench' })).token;
  await store.close();
  const server = await launch(databaseUrl);
  try {
    // Warm-up (not measured): a few requests of each kind so the JIT has compiled the hot paths.
    for (let w = 0; w < 5; w++) {
      const warm = drafts.slice(0, 20).map((d) => ({ ...d, externalId: `warm-${w}-${d.externalId}` }));
      const wr = await fetch(`${server.url}/v1/drafts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pipe}`, 'content-type': 'application/json' },
        body: JSON.stringify({ drafts: warm }),
      });
      const { results } = (await wr.json()) as { results: Array<{ id: string }> };
      await fetch(`${server.url}/v1/decisions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rev}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          decisions: results.map((r) => ({
            id: randomUUID(),
            draftId: r.id,
            action: 'approve',
            decidedAt: new Date().toISOString(),
          })),
        }),
      });
    }
    const post = async (path: string, token: string, body: unknown) => {
      const t = performance.now();
      const r = await fetch(server.url + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await r.json()) as { results: Array<{ id: string; status: string }> };
      if (r.status !== 200) throw new Error(`${path} → ${r.status} ${JSON.stringify(json).slice(0, 300)}`);
      return { json, ms: performance.now() - t };
    };
    // CONCURRENCY requests in flight (BENCH_CONCURRENCY, default 1: one client, sequential).
    const inFlight = async <T>(count: number, each: (k: number) => Promise<T>): Promise<T[]> => {
      const out: T[] = new Array(count);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
          for (let k = next++; k < count; k = next++) out[k] = await each(k);
        }),
      );
      return out;
    };
    const draftLat: number[] = [];
    let t0 = performance.now();
    const ingested = await inFlight(Math.ceil(drafts.length / DRAFT_BATCH), async (b) => {
      const { json, ms } = await post('/v1/drafts', pipe, {
        drafts: drafts.slice(b * DRAFT_BATCH, (b + 1) * DRAFT_BATCH),
      });
      draftLat.push(ms);
      return json.results.map((r) => r.id);
    });
    const ids = ingested.flat();
    const draftsPerSec = drafts.length / ((performance.now() - t0) / 1000);
    const decisionLat: number[] = [];
    t0 = performance.now();
    await inFlight(Math.ceil(ids.length / DECISION_BATCH), async (b) => {
      const decisions: Decision[] = ids.slice(b * DECISION_BATCH, (b + 1) * DECISION_BATCH).map((draftId, j) => ({
        id: randomUUID(),
        draftId,
        decidedAt: new Date().toISOString(),
        ...(j % 5 === 0
          ? { action: 'reject' as const, reasons: ['tone'] }
          : j % 7 === 0
            ? {
                action: 'edit' as const,
                reasons: ['too_long'],
                content: { subject: 'Edited', body: 'Shorter.\nBest,\nSam' },
              }
            : { action: 'approve' as const }),
      }));
      const { json, ms } = await post('/v1/decisions', rev, { decisions });
      decisionLat.push(ms);
      const bad = json.results.find((r) => r.status !== 'applied');
      if (bad) throw new Error(`decision not applied: ${JSON.stringify(bad)}`);
    });
    const decisionsPerSec = ids.length / ((performance.now() - t0) / 1000);
    return { draftsPerSec, decisionsPerSec, draftLat, decisionLat, ids };
  } finally {
    await server.close();
  }
}

/** The rows the server writes for a draft / decision, minus routing (what a plain insert would store). */
function draftRow(d: DraftIn, i: number) {
  const now = new Date().toISOString();
  return [
    randomUUID(),
    d.externalId,
    d.workflow,
    d.kind,
    JSON.stringify(d),
    d.confidence,
    'review',
    'pending',
    null,
    'review',
    '[]',
    d.segment ?? null,
    d.account.dealValue ?? null,
    i + 1,
    now,
    now,
  ];
}
const DRAFT_COLS =
  'id, external_id, workflow, kind, input_json, confidence, route, status, assignee, queue, reasons_json, segment, deal_value, version, created_at, updated_at';
const decisionRow = (draftId: string) => {
  const now = new Date().toISOString();
  return [randomUUID(), draftId, 'bench-rev', 'approve', 'applied', '[]', now, now];
};
const DECISION_COLS = 'id, draft_id, user_id, action, status, reasons_json, decided_at, received_at';

/**
 * The audit entry the server appends with each applied approval (server/service/decide.ts): the AI
 * original and the final output, the reasons and the decision's detail. The second raw comparison
 * inserts a decision row *and* this entry, i.e. every row the server adds for a decision.
 */
const AUDIT_COLS = 'at, actor, action, draft_id, workflow, original_json, final_json, reasons_json, detail_json';
const auditRow = (decision: unknown[], d: DraftIn) => {
  const content = JSON.stringify(d.content);
  return [
    new Date().toISOString(),
    'bench-rev',
    'decision.approve',
    decision[1],
    d.workflow,
    content,
    content,
    '[]',
    JSON.stringify({ decisionId: decision[0], status: 'approved', diff: null }),
  ];
};

interface Raw {
  draftsPerSec: number;
  decisionsPerSec: number;
  /** Decision rows plus their audit entries, counted as decisions per second. */
  decisionsWithAuditPerSec: number;
}

async function rawSqlite(path: string, drafts: DraftIn[]): Promise<Raw> {
  (await openStore(`sqlite:${path}`)).close(); // same schema as the server
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const ins = db.prepare(
    `insert into drafts (${DRAFT_COLS}) values (${DRAFT_COLS.split(',')
      .map(() => '?')
      .join(', ')})`,
  );
  const insD = db.prepare(
    `insert into decisions (${DECISION_COLS}) values (${DECISION_COLS.split(',')
      .map(() => '?')
      .join(', ')})`,
  );
  const ids: string[] = [];
  let t0 = performance.now();
  for (let i = 0; i < drafts.length; i += DRAFT_BATCH) {
    db.transaction(() => {
      drafts.slice(i, i + DRAFT_BATCH).forEach((d, j) => {
        const row = draftRow(d, i + j);
        ids.push(row[0] as string);
        ins.run(...row);
      });
    })();
  }
  const draftsPerSec = drafts.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 0; i < ids.length; i += DECISION_BATCH)
    db.transaction(() => {
      for (const id of ids.slice(i, i + DECISION_BATCH)) insD.run(...decisionRow(id));
    })();
  const decisionsPerSec = ids.length / ((performance.now() - t0) / 1000);
  // Again on fresh decision rows, each with its audit entry.
  const insA = db.prepare(
    `insert into audit_log (${AUDIT_COLS}) values (${AUDIT_COLS.split(',')
      .map(() => '?')
      .join(', ')})`,
  );
  t0 = performance.now();
  for (let i = 0; i < ids.length; i += DECISION_BATCH)
    db.transaction(() => {
      ids.slice(i, i + DECISION_BATCH).forEach((id, j) => {
        const row = decisionRow(id);
        insD.run(...row);
        insA.run(...auditRow(row, drafts[i + j]!));
      });
    })();
  const decisionsWithAuditPerSec = ids.length / ((performance.now() - t0) / 1000);
  db.close();
  return { draftsPerSec, decisionsPerSec, decisionsWithAuditPerSec };
}

async function rawPg(url: string, drafts: DraftIn[]): Promise<Raw> {
  (await openStore(url)).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const multi = (cols: string, rows: unknown[][]) => {
    const n = cols.split(',').length;
    const values = rows.map((_, r) => `(${Array.from({ length: n }, (_, c) => `$${r * n + c + 1}`).join(', ')})`);
    return values.join(', ');
  };
  const ids: string[] = [];
  let t0 = performance.now();
  for (let i = 0; i < drafts.length; i += DRAFT_BATCH) {
    const rows = drafts.slice(i, i + DRAFT_BATCH).map((d, j) => draftRow(d, i + j));
    for (const r of rows) ids.push(r[0] as string);
    await client.query('begin');
    await client.query(`insert into drafts (${DRAFT_COLS}) values ${multi(DRAFT_COLS, rows)}`, rows.flat());
    await client.query('commit');
  }
  const draftsPerSec = drafts.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 0; i < ids.length; i += DECISION_BATCH) {
    const rows = ids.slice(i, i + DECISION_BATCH).map(decisionRow);
    await client.query('begin');
    await client.query(`insert into decisions (${DECISION_COLS}) values ${multi(DECISION_COLS, rows)}`, rows.flat());
    await client.query('commit');
  }
  const decisionsPerSec = ids.length / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 0; i < ids.length; i += DECISION_BATCH) {
    const rows = ids.slice(i, i + DECISION_BATCH).map(decisionRow);
    const audits = rows.map((r, j) => auditRow(r, drafts[i + j]!));
    await client.query('begin');
    await client.query(`insert into decisions (${DECISION_COLS}) values ${multi(DECISION_COLS, rows)}`, rows.flat());
    await client.query(`insert into audit_log (${AUDIT_COLS}) values ${multi(AUDIT_COLS, audits)}`, audits.flat());
    await client.query('commit');
  }
  const decisionsWithAuditPerSec = ids.length / ((performance.now() - t0) / 1000);
  await client.end();
  return { draftsPerSec, decisionsPerSec, decisionsWithAuditPerSec };
}

function report(name: string, s: Figures, raw: Raw) {
  const ratio = (a: number, b: number) => `${f((a / b) * 100)}% of raw`;
  console.log(
    `\n## ${name} (${N} drafts in batches of ${DRAFT_BATCH}, ${N} decisions in batches of ${DECISION_BATCH})`,
  );
  console.log(
    `ingest   server ${f(s.draftsPerSec)} drafts/s   raw ${f(raw.draftsPerSec)} rows/s   → ${ratio(s.draftsPerSec, raw.draftsPerSec)}`,
  );
  console.log(
    `decide   server ${f(s.decisionsPerSec)} decisions/s   raw ${f(raw.decisionsPerSec)} rows/s   → ${ratio(s.decisionsPerSec, raw.decisionsPerSec)}`,
  );
  console.log(
    `decide   server ${f(s.decisionsPerSec)} decisions/s   raw decision + audit rows ${f(raw.decisionsWithAuditPerSec)}/s   → ${ratio(s.decisionsPerSec, raw.decisionsWithAuditPerSec)}`,
  );
  console.log(`POST /v1/drafts (100)      p50 ${f(pct(s.draftLat, 50))} ms   p99 ${f(pct(s.draftLat, 99))} ms`);
  console.log(`POST /v1/decisions (50)    p50 ${f(pct(s.decisionLat, 50))} ms   p99 ${f(pct(s.decisionLat, 99))} ms`);
}

async function pgDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const names = [`cs_bench_${randomBytes(4).toString('hex')}`, `cs_bench_raw_${randomBytes(4).toString('hex')}`];
  for (const n of names) await admin.query(`create database ${n}`);
  await admin.end();
  const urlOf = (n: string) => {
    const u = new URL(PG_URL);
    u.pathname = `/${n}`;
    return u.toString();
  };
  return {
    url: `${urlOf(names[0]!)}#${urlOf(names[1]!)}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      for (const n of names) await c.query(`drop database if exists ${n} with (force)`);
      await c.end();
    },
  };
}

async function main() {
  const drafts = makeDrafts();
  console.log(
    `Countersign server benchmark · node ${process.version} · ${CONCURRENCY === 1 ? 'one client, sequential requests' : `${CONCURRENCY} requests in flight`} over HTTP · server ${process.env.BENCH_INPROCESS === '1' ? 'in this process' : 'in its own process'}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-'));
  try {
    const server = await runServer(`sqlite:${join(dir, 'server.db')}`, drafts);
    const raw = await rawSqlite(join(dir, 'raw.db'), drafts);
    report('SQLite (better-sqlite3, WAL, synchronous=NORMAL)', server, raw);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pgdb = await pgDatabase();
  if (!pgdb) {
    console.log(`\n## PostgreSQL: not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')}; skipped`);
    return;
  }
  try {
    const [serverUrl, rawUrl] = pgdb.url.split('#') as [string, string];
    const server = await runServer(serverUrl, drafts);
    const raw = await rawPg(rawUrl, drafts);
    report('PostgreSQL (pg, one multi-row insert per batch for raw)', server, raw);
  } finally {
    await pgdb.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
