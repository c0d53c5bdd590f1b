/**
 * `npm run bench:governance` — governance at scale (issue 16).
 *
 * For each size (BENCH_SIZES, default "100000"; e.g. "100000,1000000") and each database
 * (BENCH_DBS, default "sqlite,postgres"; PostgreSQL at BENCH_PG_URL / TEST_PG_URL): seeds a fresh
 * database with bulk inserts (drafts over 90 days in 3 workflows, 50 reviewers; 80% decided by a
 * person, 15% auto-approved, 5% open; outcomes on 10%), brings the governance rollups up to date
 * (timed: the one-off backfill), starts the real server as a child process and prints:
 * - p95 (and p50) of every governance endpoint over BENCH_REPS requests (default 20) after a first,
 *   cold one printed on its own,
 * - the feedback export: lines, bytes, time, and the server's RSS before and at the end of it,
 * - the server's peak RSS (VmHWM) over the run,
 * - one evaluator pass (rollup refresh + every workflow evaluated) after one day of new data,
 * - CPU time beside wall time (server per request; the evaluator's process), which a busy machine
 *   inflates far less,
 * - at the end, every figure side by side: per size, one column per database, with the target.
 * BENCH_PART=evaluator runs only the evaluator pass (no server, endpoints or export); BENCH_PROFILE=path
 * writes a CPU profile of this process over the pass (path-<db>-<size>.cpuprofile); BENCH_QUERIES=1 prints
 * the pass's PostgreSQL statements by total time; BENCH_PASSES=n repeats the written-out pass n times and
 * prints their median.
 * `npm run bench:governance:1m` runs 100,000 and 1,000,000 drafts (the issue's scale; tens of minutes).
 * BENCH_CACHE=1 keeps each seeded and backfilled database (SQLite file / PostgreSQL template database,
 * keyed by size, a hash of the seed and FACTS_VERSION (server/service/governance/facts.ts): a faster
 * derivation with the same output does not invalidate it) and starts later runs from a copy of
 * it: the seed and backfill figures are then the ones measured when the copy was made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { resolveDeps } from '../server/app';
import { evaluateAll } from '../server/service/governance/evaluate';
import { FACTS_VERSION } from '../server/service/governance/facts';
import { refreshCounts, refreshGovernance } from '../server/service/governance/refresh';
import { openStore, type Store } from '../server/store';
import { createToken } from '../server/tokens';
import { seed, WORKFLOWS } from './governance-seed';

const SIZES = (process.env.BENCH_SIZES ?? '100000').split(',').map(Number);
const DBS = (process.env.BENCH_DBS ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const REPS = Number(process.env.BENCH_REPS ?? 20);
const PG_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY = 86_400_000;
const DAYS = 90;
const CACHE = process.env.BENCH_CACHE === '1';
/** BENCH_PART=evaluator: only the evaluator pass (no server, no endpoints, no export). */
const ONLY_EVALUATOR = process.env.BENCH_PART === 'evaluator';
/** BENCH_PROFILE=path: a CPU profile of this process over the evaluator pass, to path-<db>-<size>.cpuprofile. */
const PROFILE = process.env.BENCH_PROFILE;
/** BENCH_QUERIES=1: PostgreSQL's statements over the evaluator pass, by total time (timed here, round trip included). */
const QUERIES = process.env.BENCH_QUERIES === '1' || process.env.BENCH_QUERIES === 'timeline';
/**
 * BENCH_PASSES=n: the written-out pass n times (a new day of data before each), with their median:
 * one pass varies by ±150–250 ms on a 2-core machine shared with the database.
 */
const PASSES = Math.max(1, Number(process.env.BENCH_PASSES ?? 1));
const statements = {
  on: false,
  byText: new Map<string, { n: number; ms: number }>(),
  timeline: [] as { t0: number; t1: number; key: string }[],
};
if (QUERIES) {
  const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
    const r = query.apply(this, args);
    if (statements.on && typeof text === 'string' && r instanceof Promise) {
      const t0 = performance.now();
      const key = text.replace(/\s+/g, ' ').slice(0, 140);
      void r.then(
        () => {
          const s = statements.byText.get(key) ?? { n: 0, ms: 0 };
          s.n++;
          const t1 = performance.now();
          s.ms += t1 - t0;
          statements.byText.set(key, s);
          statements.timeline.push({ t0, t1, key });
        },
        () => {},
      );
    }
    return r;
  } as typeof pg.Client.prototype.query;
}

function printStatements(): void {
  const all = [...statements.byText].sort((a, b) => b[1].ms - a[1].ms);
  const total = all.reduce((t, [, s]) => t + s.ms, 0);
  console.log(`statements over the pass: ${total.toFixed(0)} ms in all (PostgreSQL; wall time, round trip included)`);
  for (const [text, s] of all.slice(0, 30))
    console.log(`${s.ms.toFixed(1).padStart(8)} ms ${String(s.n).padStart(5)}×  ${text}`);
  if (process.env.BENCH_QUERIES === 'timeline') {
    // Each statement from its start (ms into the pass), its time, and the time before it with no
    // statement out (this process's own work).
    const tl = statements.timeline.sort((a, b) => a.t0 - b.t0);
    const start = tl[0]?.t0 ?? 0;
    let end = start;
    for (const x of tl) {
      const at = (x.t0 - start).toFixed(0).padStart(6);
      const took = (x.t1 - x.t0).toFixed(1).padStart(6);
      const gap = Math.max(0, x.t0 - end)
        .toFixed(1)
        .padStart(6);
      console.log(`${at} +${took}  gap ${gap}  ${x.key.slice(0, 90)}`);
      end = Math.max(end, x.t1);
    }
  }
  statements.byText.clear();
  statements.timeline = [];
}
/**
 * CPU time (ms) of every PostgreSQL process on this machine (backends, writers, checkpointer), from
 * /proc; null where none runs here (a remote server). The pass's PostgreSQL CPU is the difference:
 * less noisy than its wall time when the machine is shared, and what the database itself spent.
 */
function postgresCpuMs(): number | null {
  let ticks = 0;
  let found = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      // utime and stime: fields 14 and 15 of the line, 12 and 13 after the name.
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    } catch {
      // Gone meanwhile.
    }
  }
  // Clock ticks: 100 per second on Linux.
  return found ? ticks * 10 : null;
}

/**
 * How fast this machine is just now: JSON.stringify of 10,000 fact-like rows, fastest of 5 (~7 ms
 * on this 2-core machine when it was quiet, ~10 ms when it ran ~40% slower). Printed beside each
 * pass: the same code's pass varies with it, and a change is judged by passes at similar speeds.
 */
const PROBE_ROWS = Array.from({ length: 10_000 }, (_, i) => ({
  draft_id: `d-${i.toString(36).padStart(8, '0')}`,
  workflow: 'outbound-email',
  created_at: new Date(Date.UTC(2026, 10, 1) + i * 7_777).toISOString(),
  confidence: (i % 997) / 997,
  route: i % 3 ? 'review' : 'auto',
  verdict: i % 5 ? 'approved' : null,
  n_decisions: i % 4,
}));
function cpuProbeMs(): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    JSON.stringify(PROBE_ROWS);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

// The stall guard (store/pg-guard.ts) probes after 300 ms without an answer; on a loaded machine a
// minute-long bulk insert or backfill statement trips it and loses the run. Off unless set.
process.env.COUNTERSIGN_PG_STALL_MS ??= '0';
const CACHE_DIR = join(tmpdir(), 'cs-bench-gov-cache');
/**
 * What a cached database depends on: the seed, and what the facts and rollups derived from it hold
 * (FACTS_VERSION; the tables themselves are migrated on opening, like any deployed database).
 */
const CACHE_KEY = createHash('sha256')
  .update(`${readFileSync('scripts/governance-seed.ts', 'utf8')}\u0000facts v${FACTS_VERSION}`)
  .digest('hex')
  .slice(0, 10);

interface Seeded {
  /** Null when not measured in one go (a copy made from an interrupted and resumed run). */
  seedS: number | null;
  backfillS: number | null;
  counted: number;
}

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const cacheName = (db: string, n: number) => `cs_bench_gov_cache_${db}_${n}_${CACHE_KEY}`;

/** A cached copy of this size's seeded database, copied into `url`'s (empty, never opened) place. */
async function fromCache(db: 'sqlite' | 'postgres', n: number, url: string): Promise<Seeded | null> {
  const meta = join(CACHE_DIR, `${cacheName(db, n)}.json`);
  if (!CACHE || !existsSync(meta)) return null;
  if (db === 'sqlite') copyFileSync(join(CACHE_DIR, `${cacheName(db, n)}.db`), url.slice('sqlite:'.length));
  else {
    const name = new URL(url).pathname.slice(1);
    await pgAdmin((c) => c.query(`drop database ${name}`));
    await pgAdmin((c) => c.query(`create database ${name} template ${cacheName(db, n)}`));
  }
  return JSON.parse(readFileSync(meta, 'utf8')) as Seeded;
}

/** Keeps a copy of the (closed) seeded database for later runs. */
async function toCache(db: 'sqlite' | 'postgres', n: number, url: string, seeded: Seeded): Promise<void> {
  if (!CACHE) return;
  mkdirSync(CACHE_DIR, { recursive: true });
  if (db === 'sqlite') copyFileSync(url.slice('sqlite:'.length), join(CACHE_DIR, `${cacheName(db, n)}.db`));
  else {
    const name = new URL(url).pathname.slice(1);
    await pgAdmin((c) => c.query(`drop database if exists ${cacheName(db, n)}`));
    await pgAdmin((c) => c.query(`create database ${cacheName(db, n)} template ${name}`));
  }
  writeFileSync(join(CACHE_DIR, `${cacheName(db, n)}.json`), JSON.stringify(seeded));
}

async function freshDb(db: 'sqlite' | 'postgres'): Promise<{ url: string; drop(): Promise<void> }> {
  if (db === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cs-bench-gov-'));
    return { url: `sqlite:${join(dir, 'bench.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `cs_bench_gov_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU time (user + system) the process has used so far, in ms (clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10;
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** Every figure of a run by name, for the side-by-side table at the end (per size: SQLite | PostgreSQL). */
const results = new Map<string, Map<string, string>>();
const figure = (db: string, n: number, name: string, value: string) => {
  const key = `${n}\u0000${name}`;
  const row = results.get(key) ?? new Map<string, string>();
  row.set(db, value);
  results.set(key, row);
};
/** The issue's targets, printed beside the figures. */
const TARGETS: Record<string, string> = {
  'export: server RSS peak': '< 300 MB',
  'server peak RSS (VmHWM)': '< 300 MB',
};

function get(url: string, token: string): Promise<{ status: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

async function startChild(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['server/main.ts'], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, COUNTERSIGN_GOVERNANCE_INTERVAL_MS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  child.stdout!.resume();
  return { child, url: `http://127.0.0.1:${port}` };
}

/** The server process (tsx starts node as its child): the one listening. */
function serverPid(child: ChildProcess): number {
  try {
    const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/);
    return Number(kids[0]) || child.pid!;
  } catch {
    return child.pid!;
  }
}

async function run(db: 'sqlite' | 'postgres', n: number): Promise<void> {
  const fresh = await freshDb(db);
  const now = Date.now();
  let seeded = await fromCache(db, n, fresh.url);
  // As the server opens it (server/main.ts): on SQLite, WAL checkpoints in a background thread, not
  // in the evaluator's own commits.
  const open = () => openStore(fresh.url, { backgroundCheckpoints: true });
  let store = await open();
  try {
    if (!seeded) {
      const t0 = performance.now();
      await seed(store, n, now - DAYS * DAY, DAYS - 1, 16);
      // A bulk import has no planner statistics yet (and autovacuum may be off, as on the test
      // server): collect them as autovacuum would have for tables grown over 90 days.
      if (store.dialect === 'postgres') await sql`analyze drafts, decisions, outcomes`.execute(store.db);
      const seedS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const counted = await refreshGovernance(store);
      seeded = { seedS, backfillS: (performance.now() - t1) / 1000, counted };
      if (CACHE) {
        await store.close();
        await toCache(db, n, fresh.url, seeded);
        store = await open();
      }
    } else await refreshGovernance(store);
    const { seedS, backfillS, counted } = seeded;
    const counts = await store.db
      .selectFrom('drafts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const decided = await store.db
      .selectFrom('decisions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const outs = await store.db
      .selectFrom('outcomes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const { token } = await createToken(store, { user: 'bench-admin', role: 'admin', actor: 'bench' });
    console.log(
      `\n== ${db}, ${Number(counts.n).toLocaleString()} drafts (${Number(decided.n).toLocaleString()} decisions, ${Number(outs.n).toLocaleString()} outcomes) ==`,
    );
    console.log(
      `seed ${seedS?.toFixed(1) ?? '–'} s; rollup backfill of ${counted.toLocaleString()} drafts ${backfillS?.toFixed(1) ?? '–'} s`,
    );
    figure(db, n, 'rollup backfill (one-off)', backfillS === null ? '–' : `${backfillS.toFixed(0)} s`);

    if (!ONLY_EVALUATOR) await endpoints(db, n, now, fresh.url, token);
    await evaluatorPasses(db, n, now, store);
  } finally {
    await store.close();
    await fresh.drop();
  }
}

/** Every governance endpoint's first request and p50/p95 over REPS, the export, the server's RSS. */
async function endpoints(db: 'sqlite' | 'postgres', n: number, now: number, databaseUrl: string, token: string) {
  const { child, url } = await startChild(databaseUrl);
  const pid = serverPid(child);
  try {
    const since = new Date(now - 30 * DAY).toISOString();
    const wf = WORKFLOWS[0];
    const endpoints: [string, string][] = [
      ['metrics (all)', '/v1/metrics'],
      ['metrics (workflow, 30 days)', `/v1/metrics?workflow=${wf}&since=${since}`],
      ['calibration', `/v1/workflows/${wf}/calibration`],
      ['calibration (30 days, m2)', `/v1/workflows/${wf}/calibration?since=${since}&modelVersion=m2`],
      ['recommendation', `/v1/workflows/${wf}/recommendation`],
      ['simulate', `/v1/workflows/${wf}/simulate?autoThreshold=0.95&reviewThreshold=0.7`],
      // Thresholds off the 0.01 grid: their steps' facts read and compared (figures.ts simulationFigures).
      ['simulate (off the grid)', `/v1/workflows/${wf}/simulate?autoThreshold=0.955&reviewThreshold=0.705`],
      ['autonomy', `/v1/workflows/${wf}/autonomy`],
      ['governance workflows', '/v1/governance/workflows'],
    ];
    console.log(`server RSS at start ${mb(rssOf(pid).rss)}; machine load average ${loadavg()[0]!.toFixed(1)}`);
    figure(db, n, 'load average at start', loadavg()[0]!.toFixed(1));
    // CPU ms: the server process's own CPU time per request (on SQLite the database's work too, on
    // PostgreSQL not the database server's), a figure a busy machine inflates far less than wall time.
    // The first request to each endpoint (cold: the pages it reads not yet in the cache, right after a
    // start or a migration) is printed on its own; p50 and p95 are over the REPS requests after it.
    console.log(
      'endpoint                          first ms   p50 ms   p95 ms   server CPU ms/request   server RSS after',
    );
    for (const [name, path] of endpoints) {
      const first = await get(url + path, token);
      if (first.status !== 200) throw new Error(`${path}: ${first.status}`);
      const times: number[] = [];
      const cpu0 = cpuOf(pid);
      for (let i = 0; i < REPS; i++) {
        const r = await get(url + path, token);
        if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
        times.push(r.ms);
      }
      const cpu = (cpuOf(pid) - cpu0) / REPS;
      console.log(
        `${name.padEnd(32)} ${first.ms.toFixed(1).padStart(8)} ${quantile(times, 0.5).toFixed(1).padStart(8)} ${quantile(times, 0.95).toFixed(1).padStart(8)} ${cpu.toFixed(0).padStart(8)}              ${mb(rssOf(pid).rss)}`,
      );
      figure(db, n, `first ${name}`, `${first.ms.toFixed(0)} ms`);
      figure(db, n, `CPU/request ${name}`, `${cpu.toFixed(0)} ms`);
      figure(db, n, `p95 ${name}`, `${quantile(times, 0.95).toFixed(0)} ms`);
      TARGETS[`p95 ${name}`] = '< 300 ms';
    }
    const before = rssOf(pid).rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid).rss);
    }, 50);
    const ex = await get(`${url}/v1/export/feedback.jsonl`, token);
    clearInterval(sampler);
    console.log(
      `export: ${mb(ex.bytes)} streamed in ${(ex.ms / 1000).toFixed(1)} s; server RSS ${mb(before)} before, peak ${mb(peak)} during`,
    );
    console.log(`server peak RSS (VmHWM) over the run: ${mb(rssOf(pid).hwm)}`);
    figure(db, n, 'export: time', `${(ex.ms / 1000).toFixed(1)} s`);
    figure(db, n, 'export: size', mb(ex.bytes));
    figure(db, n, 'export: server RSS before', mb(before));
    figure(db, n, 'export: server RSS peak', mb(peak));
    figure(db, n, 'server peak RSS (VmHWM)', mb(rssOf(pid).hwm));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/**
 * One day of new data, then one evaluator pass (refresh from the watermark + every workflow), twice:
 * right after the day is written in one bulk insert (its pages still dirty in PostgreSQL's shared
 * buffers or SQLite's WAL: the pass's reads first write them out), and after another day written out
 * by a checkpoint first, as a day's data arriving over a day would have been many times
 * (PostgreSQL's checkpoint_timeout is 5 minutes; SQLite checkpoints every 1,000 pages), on a day of its
 * own (BENCH_PASSES=n: n such passes, each on the next day).
 */
async function evaluatorPasses(db: 'sqlite' | 'postgres', n: number, now: number, store: Store) {
  await evaluatorPass(db, n, now, store, 99, false);
  const written: Pass[] = [];
  for (let i = 0; i < PASSES; i++) written.push(await evaluatorPass(db, n, now, store, 100 + i, true, i > 0));
  if (PASSES > 1) {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const walls = written.map((p) => p.wall);
    console.log(`written-out passes: ${walls.map((t) => t.toFixed(0)).join(', ')} ms`);
    figure(db, n, `evaluator pass (written out, median of ${PASSES})`, `${median(walls).toFixed(0)} ms`);
    figure(
      db,
      n,
      `  fastest – slowest of ${PASSES}`,
      `${Math.min(...walls).toFixed(0)}–${Math.max(...walls).toFixed(0)}`,
    );
    figure(db, n, `  CPU here, median`, `${median(written.map((p) => p.cpu)).toFixed(0)} ms`);
    const pgCpus = written.flatMap((p) => (p.pgCpu === null ? [] : [p.pgCpu]));
    if (pgCpus.length) figure(db, n, `  CPU in PostgreSQL, median`, `${median(pgCpus).toFixed(0)} ms`);
    figure(db, n, `  CPU probe (JSON.stringify), median`, `${median(written.map((p) => p.probe)).toFixed(1)} ms`);
    TARGETS[`evaluator pass (written out, median of ${PASSES})`] = '< 1000 ms';
  }
}

/** One pass: its wall time, this process's CPU, PostgreSQL's processes' CPU (null: not measured). */
interface Pass {
  wall: number;
  cpu: number;
  pgCpu: number | null;
  /** `cpuProbeMs` just before it. */
  probe: number;
}

async function evaluatorPass(
  db: 'sqlite' | 'postgres',
  n: number,
  now: number,
  store: Store,
  seedNo: number,
  checkpoint: boolean,
  repeat = false,
): Promise<Pass> {
  // The written-out passes each on a day of its own (from today on): a second day of data on the same
  // day would double its reviewers' days, whose approval runs are recomputed whole.
  await seed(store, Math.round(n / DAYS), checkpoint ? now + (seedNo - 100) * DAY : now - DAY, 1, seedNo);
  if (checkpoint)
    await sql.raw(store.dialect === 'postgres' ? 'checkpoint' : 'pragma wal_checkpoint(truncate)').execute(store.db);
  for (const w of WORKFLOWS)
    await store.write((trx) =>
      trx
        .insertInto('workflows')
        .values({
          workflow: w,
          policy_json: JSON.stringify({ level: 'audit', autoAdjust: true }),
          updated_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.column('workflow').doNothing())
        .execute(),
    );
  const profiler = PROFILE ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  statements.on = QUERIES;
  const probe = cpuProbeMs();
  // Garbage collection in this process during the pass (ms; of it, full collections).
  const gc = { all: 0, major: 0 };
  const gcCount = (entries: readonly PerformanceEntry[]) => {
    for (const e of entries) {
      gc.all += e.duration;
      if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        gc.major += e.duration;
    }
  };
  const gcSeen = new PerformanceObserver((list) => gcCount(list.getEntries()));
  gcSeen.observe({ entryTypes: ['gc'] });
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  const pg2 = db === 'postgres' ? postgresCpuMs() : null;
  // As the evaluator's timer runs it (`runEvaluation`): every workflow evaluated, each first bringing
  // the sums up to date (one shared refresh); the refresh's last part, the approval runs, goes on
  // beside the evaluation. The pass ends when both have.
  let t3 = 0;
  let c3 = c2;
  let pg3: number | null = null;
  const counted = refreshCounts(store).then(() => {
    t3 = performance.now();
    c3 = process.cpuUsage(c2);
    pg3 = pg2 === null ? null : postgresCpuMs();
  });
  await Promise.all([counted, evaluateAll(resolveDeps({ store })), refreshGovernance(store)]);
  const t4 = performance.now();
  const c4 = process.cpuUsage(c2);
  gcCount(gcSeen.takeRecords());
  gcSeen.disconnect();
  const pg4 = pg2 === null ? null : postgresCpuMs();
  const pgCpu = pg2 === null || pg4 === null ? null : pg4 - pg2;
  statements.on = false;
  if (QUERIES) printStatements();
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    const file = `${PROFILE}-${db}-${n}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    console.log(`CPU profile of the pass: ${file}`);
    profiler.disconnect();
  }
  const passCpu = (c4.user + c4.system) / 1000;
  const when = checkpoint ? 'written out' : 'just bulk-written';
  console.log(
    `evaluator pass after one day of new data (${Math.round(n / DAYS).toLocaleString()} drafts, ${when}; CPU probe ${probe.toFixed(1)} ms): ${(t4 - t2).toFixed(0)} ms (sums from the watermark ${(t3 - t2).toFixed(0)} ms, then ${WORKFLOWS.length} workflows evaluated beside the approval runs ${(t4 - t3).toFixed(0)} ms; CPU here ${((c3.user + c3.system) / 1000).toFixed(0)} + ${((c4.user + c4.system - c3.user - c3.system) / 1000).toFixed(0)} ms${pg2 === null || pg3 === null || pg4 === null ? '' : `, in PostgreSQL ${pg3 - pg2} + ${pg4 - pg3} ms`}); ${passCpu.toFixed(0)} ms CPU in this process (GC ${gc.all.toFixed(0)} ms, full ${gc.major.toFixed(0)} ms; ${db === 'postgres' ? (pgCpu === null ? "PostgreSQL's own work not counted" : `PostgreSQL's processes ${pgCpu} ms more`) : "SQLite's work included, its checkpoint thread too"})`,
  );
  if (!repeat) {
    figure(db, n, `evaluator pass (${when})`, `${(t4 - t2).toFixed(0)} ms`);
    figure(db, n, `pass CPU here (${when})`, `${passCpu.toFixed(0)} ms`);
    if (pgCpu !== null) figure(db, n, `pass CPU in PostgreSQL (${when})`, `${pgCpu} ms`);
    TARGETS[`evaluator pass (${when})`] = '< 1000 ms';
  }
  return { wall: t4 - t2, cpu: passCpu, pgCpu, probe };
}

for (const n of SIZES) for (const db of DBS) await run(db, n);

// Side by side: every figure per size, one column per database, with the issue's target.
const NAMES: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
console.log(`\n== summary (${REPS} requests per endpoint) ==`);
for (const n of SIZES) {
  console.log(
    `\n${n.toLocaleString()} drafts`.padEnd(38) + DBS.map((d) => NAMES[d]!.padStart(12)).join('') + '  target',
  );
  for (const [key, row] of results) {
    const [size, name] = key.split('\u0000') as [string, string];
    if (Number(size) !== n) continue;
    console.log(
      `${name.padEnd(37) + DBS.map((d) => (row.get(d) ?? '–').padStart(12)).join('')}  ${TARGETS[name] ?? ''}`,
    );
  }
}
