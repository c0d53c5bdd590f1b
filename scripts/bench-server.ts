/**
 * `npm run bench:server` — throughput of the review server against plain inserts of the same rows.
 *
 * For each database (SQLite always; PostgreSQL when BENCH_PG_URL / TEST_PG_URL or the local default
 * answers): ingest N drafts via POST /v1/drafts in batches of 100, then N decisions via
 * POST /v1/decisions in batches of 50 (one client, sequential requests, over real HTTP;
 * BENCH_CONCURRENCY=n keeps n requests in flight to measure capacity instead of latency).
 *
 * The raw side inserts the very rows the server stored: after each request the bench reads back,
 * from the server's database, the rows stored for that batch, and inserts them again with the
 * plain driver (better-sqlite3 / pg) into a fresh database with the same schema, one transaction
 * per batch, timing only the insert. Twice: the draft / decision rows alone, and with the audit
 * entry the server appended for each (every row the server adds). Server and raw batches alternate,
 * so both are timed over the same stretch of time (this machine's speed swings by 2× from one
 * second to the next); with requests in flight the raw inserts run after the phase instead.
 * Sequential: the server's throughput is rows over the sum of its requests' times. Prints
 * throughput, the server/raw ratios, and p50/p99 latency per request.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { routes } from '../lib/shared/api/routes';
import type { Decision, DraftIn } from '../lib/shared/schema';
import { silentLogger } from '../server/log';
import { startServer } from '../server/main';
import { openStore } from '../server/store';
import { createToken } from '../server/tokens';

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
  // The server logs a JSON line per request, to a file as `npm run server >> server.log` would (a pipe
  // back to this process would have the benchmark client reading every line).
  const logPath = join(mkdtempSync(join(tmpdir(), 'cs-bench-log-')), 'server.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(import.meta.dirname, '../server/main.ts')], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      COUNTERSIGN_RATE_LIMIT: '1000000000',
    },
    stdio: ['ignore', log, 'inherit'],
  });
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const url = await (async () => {
    for (;;) {
      for (const line of readFileSync(logPath, 'utf8').split('\n')) {
        try {
          const msg = JSON.parse(line) as { msg?: string; url?: string };
          if (msg.msg === 'listening' && msg.url) return msg.url;
        } catch {
          // not a log line (yet)
        }
      }
      if (exited !== undefined) throw new Error(`server exited with ${exited}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          rmSync(dirname(logPath), { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Reads back, from the server's own database, the rows it stored for a batch (the rows and, paired with them, their audit entries). */
interface Reader {
  drafts(ids: string[]): Promise<[rows: Row[], audits: Row[]]>;
  decisions(draftIds: string[], decisionIds: string[]): Promise<[rows: Row[], audits: Row[]]>;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;

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

async function openReader(databaseUrl: string): Promise<Reader> {
  const list = (n: number, numbered: boolean) =>
    Array.from({ length: n }, (_, i) => (numbered ? `$${i + 1}` : '?')).join(', ');
  let all: (sqlText: string, params: unknown[]) => Promise<Row[]>;
  let close: () => Promise<void>;
  const pgDb = !databaseUrl.startsWith('sqlite:');
  if (!pgDb) {
    const db = new BetterSqlite3(databaseUrl.slice('sqlite:'.length), { readonly: true });
    all = async (t, p) => db.prepare(t).all(...p) as Row[];
    close = async () => {
      db.close();
    };
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    all = async (t, p) => (await client.query(t, p)).rows as Row[];
    close = () => client.end();
  }
  // The audit log is read forward from the last entry seen (it has no index by draft; a lookup by
  // draft id would scan it whole for every batch).
  // Entries read but not yet claimed by their batch (with requests in flight, a read can take in
  // another batch's entries), by draft id and kind.
  let lastAudit = 0;
  const unclaimed = new Map<string, Row>();
  const newAudits = async (draftIds: string[], prefix: string) => {
    const entries = await all(`select * from audit_log where id > ${pgDb ? '$1' : '?'} order by id`, [lastAudit]);
    if (entries.length) lastAudit = Number(entries.at(-1)!.id);
    for (const e of entries) {
      const kind = String(e.action).split('.')[0];
      unclaimed.set(`${kind}:${String(e.draft_id)}`, e);
    }
    const kind = prefix.split('.')[0];
    const mine: Row[] = [];
    for (const id of draftIds) {
      const e = unclaimed.get(`${kind}:${id}`);
      if (e) {
        unclaimed.delete(`${kind}:${id}`);
        mine.push(e);
      }
    }
    return mine;
  };
  return {
    async drafts(ids) {
      const rows = await all(
        `select * from drafts where id in (${list(ids.length, pgDb)}) order by created_version`,
        ids,
      );
      if (rows.length !== ids.length)
        throw new Error(`expected ${ids.length} drafts, the server stored ${rows.length}`);
      return [rows, paired(rows, await newAudits(ids, 'draft.'), 'draft')];
    },
    async decisions(draftIds, decisionIds) {
      const order = new Map(decisionIds.map((id, i) => [id, i]));
      const rows = (
        await all(`select * from decisions where id in (${list(decisionIds.length, pgDb)})`, decisionIds)
      ).sort((a, b) => order.get(a.id as string)! - order.get(b.id as string)!);
      if (rows.length !== decisionIds.length)
        throw new Error(`expected ${decisionIds.length} decisions, the server stored ${rows.length}`);
      return [rows, paired(rows, await newAudits(draftIds, 'decision.'), 'decision')];
    },
    close,
  };
}

/** Inserts batches of rows with the plain driver; each batch is one transaction of one or more tables. */
interface RawDriver {
  insert(batch: Array<[table: string, rows: Row[]]>): Promise<void>;
  close(): Promise<void>;
}

/** The two raw databases: the draft / decision rows alone, and with the audit entries the server appended. */
interface RawPair {
  rows: RawDriver;
  withAudit: RawDriver;
}

/** Seconds spent on raw inserts of one phase. */
interface RawTime {
  rows: number;
  withAudit: number;
}

/**
 * Inserts one captured batch raw into both databases, timing each insert alone (the capture, a
 * read of the server's database, is not timed).
 */
async function rawBatch(raw: RawPair, table: string, rows: Row[], audits: Row[], time: RawTime) {
  let t = performance.now();
  await raw.rows.insert([[table, rows]]);
  time.rows += (performance.now() - t) / 1000;
  t = performance.now();
  await raw.withAudit.insert([
    [table, rows],
    ['audit_log', audits],
  ]);
  time.withAudit += (performance.now() - t) / 1000;
}

interface Phase {
  /** Server throughput (rows per second). */
  perSec: number;
  /** Latency of each request (ms). */
  lat: number[];
  raw: { rowsPerSec: number; withAuditPerSec: number };
}

/**
 * One benchmark on one database: ingest, then decisions, each batch followed by the raw inserts of
 * the rows the server stored for it (sequential client), or all raw inserts after the phase (with
 * requests in flight, where the raw side would compete with the server for the CPU).
 */
async function runServer(
  databaseUrl: string,
  drafts: DraftIn[],
  raw: RawPair,
): Promise<{ ingest: Phase; decide: Phase }> {
  // Tokens are made through the store directly (what `cli tokens create` does).
  const store = await openStore(databaseUrl);
  const pipe = (await createToken(store, { user: 'bench-pipe', role: 'pipeline', actor: 'bench' })).token;
  const rev = (await createToken(store, { user: 'bench-rev', role: 'reviewer', actor: 'bench' })).token;
  await store.close();
  const server = await launch(databaseUrl);
  // The client does as little as it can inside the timed loops, so the figures are the server's:
  // request bodies are serialised before the clock starts, and requests go over node:http with
  // kept-alive connections (one per request in flight), answers read as one buffer.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const base = new URL(server.url);
  const post = (path: string, token: string, body: string) =>
    new Promise<{ json: { results: Array<{ id: string; status: string }> }; ms: number }>((resolve, reject) => {
      const t = performance.now();
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          path,
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - t;
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`${path} → ${res.statusCode} ${text.slice(0, 300)}`));
            else resolve({ json: JSON.parse(text), ms });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const reader = await openReader(databaseUrl);
  try {
    // Warm-up (not measured): a few requests of each kind so the JIT has compiled the hot paths.
    for (let w = 0; w < 5; w++) {
      const warm = drafts.slice(0, 20).map((d) => ({ ...d, externalId: `warm-${w}-${d.externalId}` }));
      const { json } = await post(routes.postDrafts.path, pipe, JSON.stringify({ drafts: warm }));
      const decisions = json.results.map((r) => ({
        id: randomUUID(),
        draftId: r.id,
        action: 'approve',
        decidedAt: new Date().toISOString(),
      }));
      await post(routes.decisions.path, rev, JSON.stringify({ decisions }));
    }
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
    const sequential = CONCURRENCY === 1;
    /**
     * Runs a phase: the requests, and the raw inserts of what the server stored for each batch.
     * Sequential: throughput from the requests' own times (the raw inserts run between them);
     * in flight: from the phase's elapsed time, raw inserts afterwards.
     */
    const phase = async (
      bodies: string[],
      path: string,
      token: string,
      table: string,
      rowCount: number,
      captureBatch: (k: number, ids: string[]) => Promise<[Row[], Row[]]>,
    ): Promise<{ phase: Phase; ids: string[][] }> => {
      const lat: number[] = [];
      const time: RawTime = { rows: 0, withAudit: 0 };
      const later: Array<[Row[], Row[]]> = [];
      const t0 = performance.now();
      const ids = await inFlight(bodies.length, async (k) => {
        const { json, ms } = await post(path, token, bodies[k]!);
        lat.push(ms);
        // Every decision must apply (a conflict or rejection would be cheaper than the real work).
        const bad = table === 'decisions' && json.results.find((r) => r.status !== 'applied');
        if (bad) throw new Error(`decision not applied: ${JSON.stringify(bad)}`);
        const batchIds = json.results.map((r) => r.id);
        const [rows, audits] = await captureBatch(k, batchIds);
        if (sequential) await rawBatch(raw, table, rows, audits, time);
        else later.push([rows, audits]);
        return batchIds;
      });
      const elapsed = (performance.now() - t0) / 1000;
      for (const [rows, audits] of later) await rawBatch(raw, table, rows, audits, time);
      const serverSeconds = sequential ? lat.reduce((a, b) => a + b, 0) / 1000 : elapsed;
      return {
        phase: {
          perSec: rowCount / serverSeconds,
          lat,
          raw: { rowsPerSec: rowCount / time.rows, withAuditPerSec: rowCount / time.withAudit },
        },
        ids,
      };
    };

    const draftBodies = Array.from({ length: Math.ceil(drafts.length / DRAFT_BATCH) }, (_, b) =>
      JSON.stringify({ drafts: drafts.slice(b * DRAFT_BATCH, (b + 1) * DRAFT_BATCH) }),
    );
    const ingest = await phase(draftBodies, routes.postDrafts.path, pipe, 'drafts', drafts.length, (_k, ids) =>
      reader.drafts(ids),
    );
    const draftIds = ingest.ids.flat();

    const batches = Array.from({ length: Math.ceil(draftIds.length / DECISION_BATCH) }, (_, b) =>
      draftIds.slice(b * DECISION_BATCH, (b + 1) * DECISION_BATCH).map(
        (draftId, j): Decision => ({
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
        }),
      ),
    );
    const decide = await phase(
      batches.map((decisions) => JSON.stringify({ decisions })),
      routes.decisions.path,
      rev,
      'decisions',
      draftIds.length,
      (k, decisionIds) =>
        reader.decisions(
          batches[k]!.map((d) => d.draftId),
          decisionIds,
        ),
    );
    return { ingest: ingest.phase, decide: decide.phase };
  } finally {
    agent.destroy();
    await reader.close();
    await server.close();
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

function report(name: string, r: { ingest: Phase; decide: Phase }) {
  const ratio = (a: number, b: number) => `${f((a / b) * 100)}%`;
  console.log(
    `\n## ${name} (${N} drafts in batches of ${DRAFT_BATCH}, ${N} decisions in batches of ${DECISION_BATCH})`,
  );
  const line = (what: string, p: Phase, unit: string, rows: string) =>
    console.log(
      `${what} server ${f(p.perSec)} ${unit}/s   raw: ${rows} rows ${f(p.raw.rowsPerSec)}/s → ${ratio(p.perSec, p.raw.rowsPerSec)} · ${rows} rows + their audit entries ${f(p.raw.withAuditPerSec)}/s → ${ratio(p.perSec, p.raw.withAuditPerSec)}`,
    );
  line('ingest  ', r.ingest, 'drafts', 'draft');
  line('decide  ', r.decide, 'decisions', 'decision');
  console.log(`POST /v1/drafts (100)      p50 ${f(pct(r.ingest.lat, 50))} ms   p99 ${f(pct(r.ingest.lat, 99))} ms`);
  console.log(`POST /v1/decisions (50)    p50 ${f(pct(r.decide.lat, 50))} ms   p99 ${f(pct(r.decide.lat, 99))} ms`);
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
    'raw = the rows the server stored for each batch, read back from its database and inserted again with the plain driver into a fresh database with the same schema, right after the request (sequential) or after the phase (in flight)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-'));
  try {
    const raw = {
      rows: await sqliteDriver(join(dir, 'raw.db')),
      withAudit: await sqliteDriver(join(dir, 'raw-all.db')),
    };
    try {
      report(
        'SQLite (better-sqlite3, WAL, synchronous=NORMAL)',
        await runServer(`sqlite:${join(dir, 'server.db')}`, drafts, raw),
      );
    } finally {
      await raw.rows.close();
      await raw.withAudit.close();
    }
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
    const raw = { rows: await pgDriver(rawUrl), withAudit: await pgDriver(rawAllUrl) };
    try {
      report(
        'PostgreSQL (pg, one multi-row insert per table and batch for raw)',
        await runServer(serverUrl, drafts, raw),
      );
    } finally {
      await raw.rows.close();
      await raw.withAudit.close();
    }
  } finally {
    await pgdb.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
