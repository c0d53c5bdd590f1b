/**
 * `npm run bench:server` — throughput of the review server against plain inserts of the same rows.
 *
 * For each database (SQLite always; PostgreSQL when BENCH_PG_URL / TEST_PG_URL or the local default
 * answers): ingest N drafts via POST /v1/drafts in batches of 100, then N decisions via
 * POST /v1/decisions in batches of 50 (one client, sequential requests, over real HTTP;
 * BENCH_CONCURRENCY=n keeps n requests in flight to measure capacity instead of latency).
 *
 * The raw side inserts the very rows the server stored: they are read back from the server's
 * database after each phase and inserted again by the plain driver (better-sqlite3 / pg) into a
 * fresh database with the same schema, in transactions of the same size, with nothing else in the
 * timed loop. Twice: the draft / decision rows alone, and with the audit entry the server appends
 * for each (every row the server adds). Prints throughput, the server/raw ratios, and p50/p99
 * latency per request.
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

async function runServer(databaseUrl: string, drafts: DraftIn[]): Promise<Figures & { captured: Captured }> {
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
    const [storedDrafts, draftAudits] = await capture(databaseUrl, 'drafts', ids);
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
    const [decisions, decisionAudits] = await capture(databaseUrl, 'decisions', ids);
    const captured = {
      drafts: storedDrafts!,
      draftAudits: draftAudits!,
      decisions: decisions!,
      decisionAudits: decisionAudits!,
    };
    return { draftsPerSec, decisionsPerSec, draftLat, decisionLat, captured };
  } finally {
    await server.close();
  }
}

type Row = Record<string, unknown>;

/**
 * The rows the server stored for the measured drafts and decisions, read back from its database:
 * the raw side inserts exactly these (same columns, same values, same sizes). `draftAudits[i]` is
 * the audit entry the server appended with `drafts[i]`, `decisionAudits[i]` the one with `decisions[i]`.
 */
interface Captured {
  drafts: Row[];
  draftAudits: Row[];
  decisions: Row[];
  decisionAudits: Row[];
}

/** Pairs rows with their audit entries by draft id (each measured draft / decision has exactly one). */
function paired(rows: Row[], audits: Row[], what: string): Row[] {
  const byDraft = new Map(audits.map((a) => [a.draft_id, a]));
  return rows.map((r) => {
    const a = byDraft.get(r.draft_id ?? r.id);
    if (!a) throw new Error(`no audit entry stored for ${what} ${String(r.id)}`);
    const { id: _serial, ...rest } = a; // the audit log numbers its own entries
    return rest;
  });
}

/** Reads back what the server stored for the measured drafts (after ingest) or decisions (at the end). */
async function capture(databaseUrl: string, part: 'drafts' | 'decisions', draftIds: string[]): Promise<Row[][]> {
  const drafts = part === 'drafts';
  const rowsSql = drafts
    ? `select * from drafts where external_id like 'bench-%' order by created_version`
    : `select d.* from decisions d join drafts r on r.id = d.draft_id where r.external_id like 'bench-%'`;
  const auditSql = `select a.* from audit_log a join drafts r on r.id = a.draft_id where r.external_id like 'bench-%' and a.action ${drafts ? "like 'draft.%'" : "not like 'draft.%'"}`;
  let rows: Row[];
  let audits: Row[];
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new BetterSqlite3(databaseUrl.slice('sqlite:'.length), { readonly: true });
    rows = db.prepare(rowsSql).all() as Row[];
    audits = db.prepare(auditSql).all() as Row[];
    db.close();
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    rows = (await client.query(rowsSql)).rows as Row[];
    audits = (await client.query(auditSql)).rows as Row[];
    await client.end();
  }
  if (!drafts) {
    // In the order the server wrote them (the benchmark decides the drafts in the order it ingested them).
    const order = new Map(draftIds.map((id, i) => [id, i]));
    rows.sort((a, b) => order.get(a.draft_id as string)! - order.get(b.draft_id as string)!);
  }
  if (rows.length !== draftIds.length)
    throw new Error(`expected ${draftIds.length} ${part}, the server stored ${rows.length}`);
  return [rows, paired(rows, audits, part)];
}

interface Raw {
  draftsPerSec: number;
  decisionsPerSec: number;
}

/** Inserts batches of rows with the plain driver; each batch is one transaction of one or more tables. */
interface RawDriver {
  insert(batch: Array<[table: string, rows: Row[]]>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Plain inserts of the captured rows into a fresh database with the server's schema: drafts in
 * batches of 100, then decisions in batches of 50; with `withAudit`, each batch also carries the
 * audit entries the server appended for those rows (every row the server adds).
 */
async function rawRun(driver: RawDriver, c: Captured, withAudit: boolean): Promise<Raw> {
  const rate = async (rows: Row[], audits: Row[], table: string, size: number) => {
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += size) {
      const batch: Array<[string, Row[]]> = [[table, rows.slice(i, i + size)]];
      if (withAudit) batch.push(['audit_log', audits.slice(i, i + size)]);
      await driver.insert(batch);
    }
    return rows.length / ((performance.now() - t0) / 1000);
  };
  try {
    const draftsPerSec = await rate(c.drafts, c.draftAudits, 'drafts', DRAFT_BATCH);
    const decisionsPerSec = await rate(c.decisions, c.decisionAudits, 'decisions', DECISION_BATCH);
    return { draftsPerSec, decisionsPerSec };
  } finally {
    await driver.close();
  }
}

/** better-sqlite3 with the server's pragmas: one prepared single-row INSERT per table, in a transaction. */
async function sqliteDriver(path: string): Promise<RawDriver> {
  (await openStore(`sqlite:${path}`)).close(); // same schema as the server
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const statements = new Map<string, { stmt: BetterSqlite3.Statement; cols: string[] }>();
  const prepared = (table: string, row: Row) => {
    let s = statements.get(table);
    if (!s) {
      const cols = Object.keys(row);
      s = {
        stmt: db.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`),
        cols,
      };
      statements.set(table, s);
    }
    return s;
  };
  return {
    async insert(batch) {
      db.transaction(() => {
        for (const [table, rows] of batch) {
          const { stmt, cols } = prepared(table, rows[0]!);
          for (const r of rows) stmt.run(cols.map((k) => r[k]));
        }
      })();
    },
    async close() {
      db.close();
    },
  };
}

/** pg: one multi-row INSERT per table and batch, in a transaction. */
async function pgDriver(url: string): Promise<RawDriver> {
  (await openStore(url)).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async insert(batch) {
      await client.query('begin');
      for (const [table, rows] of batch) {
        const cols = Object.keys(rows[0]!);
        const values = rows.map((_, r) => `(${cols.map((_, k) => `$${r * cols.length + k + 1}`).join(', ')})`);
        await client.query(
          `insert into ${table} (${cols.join(', ')}) values ${values.join(', ')}`,
          rows.flatMap((row) => cols.map((k) => row[k])),
        );
      }
      await client.query('commit');
    },
    close: () => client.end(),
  };
}

function report(name: string, s: Figures, entity: Raw, every: Raw) {
  const ratio = (a: number, b: number) => `${f((a / b) * 100)}%`;
  console.log(
    `\n## ${name} (${N} drafts in batches of ${DRAFT_BATCH}, ${N} decisions in batches of ${DECISION_BATCH})`,
  );
  console.log(
    `ingest   server ${f(s.draftsPerSec)} drafts/s   raw: draft rows ${f(entity.draftsPerSec)}/s → ${ratio(s.draftsPerSec, entity.draftsPerSec)} · draft rows + their audit entries ${f(every.draftsPerSec)}/s → ${ratio(s.draftsPerSec, every.draftsPerSec)}`,
  );
  console.log(
    `decide   server ${f(s.decisionsPerSec)} decisions/s   raw: decision rows ${f(entity.decisionsPerSec)}/s → ${ratio(s.decisionsPerSec, entity.decisionsPerSec)} · decision rows + their audit entries ${f(every.decisionsPerSec)}/s → ${ratio(s.decisionsPerSec, every.decisionsPerSec)}`,
  );
  console.log(`POST /v1/drafts (100)      p50 ${f(pct(s.draftLat, 50))} ms   p99 ${f(pct(s.draftLat, 99))} ms`);
  console.log(`POST /v1/decisions (50)    p50 ${f(pct(s.decisionLat, 50))} ms   p99 ${f(pct(s.decisionLat, 99))} ms`);
}

/** Three fresh PostgreSQL databases (the server's and one for each raw run), or null when none answers. */
async function pgDatabases(): Promise<{ urls: [string, string, string]; drop(): Promise<void> } | null> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const tag = randomBytes(4).toString('hex');
  const names = [`cs_bench_${tag}`, `cs_bench_raw_${tag}`, `cs_bench_raw_all_${tag}`];
  for (const n of names) await admin.query(`create database ${n}`);
  await admin.end();
  const urlOf = (n: string) => {
    const u = new URL(PG_URL);
    u.pathname = `/${n}`;
    return u.toString();
  };
  return {
    urls: names.map(urlOf) as [string, string, string],
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
  console.log(
    'raw = the rows the server stored, read back from its database and inserted again with the plain driver into a fresh database with the same schema',
  );
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-'));
  try {
    const server = await runServer(`sqlite:${join(dir, 'server.db')}`, drafts);
    const entity = await rawRun(await sqliteDriver(join(dir, 'raw.db')), server.captured, false);
    const every = await rawRun(await sqliteDriver(join(dir, 'raw-all.db')), server.captured, true);
    report('SQLite (better-sqlite3, WAL, synchronous=NORMAL)', server, entity, every);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pgdb = await pgDatabases();
  if (!pgdb) {
    console.log(`\n## PostgreSQL: not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')}; skipped`);
    return;
  }
  try {
    const [serverUrl, rawUrl, rawAllUrl] = pgdb.urls;
    const server = await runServer(serverUrl, drafts);
    const entity = await rawRun(await pgDriver(rawUrl), server.captured, false);
    const every = await rawRun(await pgDriver(rawAllUrl), server.captured, true);
    report('PostgreSQL (pg, one multi-row insert per table and batch for raw)', server, entity, every);
  } finally {
    await pgdb.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
