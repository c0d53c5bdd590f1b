/**
 * npm run bench:stream — live updates across server instances (issue 15), on a real PostgreSQL
 * (TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres; a fresh database is made and dropped).
 *
 * 1. Change → event: a decision committed on instance A, the `changes` event read off a stream held
 *    by instance B; p50 / p95 / max over N decisions.
 * 2. 500 streams held by one instance: memory added, CPU used at rest over 10 s.
 * 3. Simulation: 4 reviewers work one queue of 400 drafts at (compressed) human pace through two
 *    instances, claiming the card they open (and, to compare, without claims): drafts opened by two
 *    people at once, conflicts, claims refused.
 */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { draftIn } from '../tests/api/fixtures';
import { startCluster } from '../tests/helpers/cluster';
import { simulateTeam, type TeamResult } from '../tests/helpers/simulate';
import { openSse } from '../tests/helpers/sse';

// A full collection before each memory reading (without `node --expose-gc`).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const N = Number(process.env.BENCH_N ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 500);
const SIM = Number(process.env.BENCH_SIM ?? 400);
/** BENCH_ONLY=sim: the simulation alone (parts 1 and 2 skipped). */
const ONLY = process.env.BENCH_ONLY;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const c = await startCluster(2, 'postgres', { timers: false });
  try {
    const pipe = await c.token('pipeline', 'pipe');
    const people = ['maya', 'noah', 'iris', 'theo'];
    const tokens = await Promise.all(
      people.map((p) => c.token('reviewer', p, { name: p[0]!.toUpperCase() + p.slice(1) })),
    );
    const post = async (n: number, over: Record<string, unknown> = {}) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i += 200) {
        const drafts = Array.from({ length: Math.min(200, n - i) }, () => draftIn(over));
        const r = (await (await c.api(0, '/v1/drafts', { token: pipe, body: { drafts } })).json()) as {
          results: { id: string }[];
        };
        ids.push(...r.results.map((x) => x.id));
      }
      return ids;
    };

    if (ONLY !== 'sim') await latencyAndStreams();
    async function latencyAndStreams() {
      // 1. change → event on the other instance
      const ids = await post(N);
      const stream = await openSse(`${c.instances[1]!.url}/v1/sync/stream`, tokens[1]!);
      const lat: number[] = [];
      for (const id of ids) {
        const t0 = performance.now();
        await c.api(0, '/v1/decisions', {
          token: tokens[0],
          body: {
            decisions: [{ id: randomUUID(), draftId: id, action: 'approve', decidedAt: new Date().toISOString() }],
          },
        });
        const ev = await stream.next(5_000, 'changes');
        lat.push(ev.at - t0);
        // drain anything else of this change
        while (stream.pending().length) await stream.next(1);
      }
      stream.close();
      console.log(`change → event on another instance (decision POST on A, stream on B; N=${N}):`);
      console.log(`  p50 ${ms(pct(lat, 50))}  p95 ${ms(pct(lat, 95))}  max ${ms(Math.max(...lat))}`);

      // 2. 500 streams at rest on one instance
      gc();
      await new Promise((r) => setTimeout(r, 500));
      const m0 = process.memoryUsage();
      const held = [];
      for (let i = 0; i < STREAMS; i++)
        held.push(await openSse(`${c.instances[1]!.url}/v1/sync/stream`, tokens[i % 4]!));
      await new Promise((r) => setTimeout(r, 1_000));
      gc();
      const m1 = process.memoryUsage();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 10_000));
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      console.log(`${STREAMS} streams held by one instance (server and clients in this one process):`);
      console.log(
        `  memory +${((m1.rss - m0.rss) / 1e6).toFixed(1)} MB rss, +${((m1.heapUsed - m0.heapUsed) / 1e6).toFixed(1)} MB heap (${((m1.rss - m0.rss) / STREAMS / 1e3).toFixed(1)} kB rss per stream)`,
      );
      console.log(
        `  CPU at rest: ${(((cpu.user + cpu.system) / 1e3 / wall) * 100).toFixed(2)}% of one core over ${(wall / 1e3).toFixed(0)} s`,
      );
      // One decision with all of them connected: how long until every stream that should hear it has.
      const [one] = await post(1);
      const t1 = performance.now();
      await c.api(0, '/v1/decisions', {
        token: tokens[0],
        body: {
          decisions: [{ id: randomUUID(), draftId: one, action: 'approve', decidedAt: new Date().toISOString() }],
        },
      });
      const fan = await Promise.all(held.map((s) => s.next(5_000, 'changes').then((e) => e.at - t1)));
      console.log(
        `  one decision → all ${STREAMS} streams told: p50 ${ms(pct(fan, 50))}, last ${ms(Math.max(...fan))}`,
      );
      for (const s of held) s.close();
    }

    // 3. simulation: 4 reviewers × 400 drafts, human pace compressed (read 20–60 ms instead of 20–60 s),
    // with claims (as the panel works) and, for comparison, without (everyone opens the head of their
    // queue). HTTP round trips are not compressed, so the race between reading the queue and
    // claiming is ~1000× wider than at real pace: a slower run (200–600 ms) shows the refusals shrink.
    const line = (label: string, r: TeamResult) =>
      console.log(
        `  ${label}: decided ${r.decided}, opened by two at once ${r.openedByTwo}, conflicts ${r.conflicts}, claims refused ${r.claimsRefused}, ${r.seconds.toFixed(1)} s`,
      );
    console.log('simulation: 4 reviewers (two per instance) working one queue:');
    await post(SIM, { workflow: 'sim' });
    line(
      `${SIM} drafts, with claims, read 20–60 ms`,
      await simulateTeam(c, { tokens, people, workflow: 'sim', claims: true, readMs: [20, 60] }),
    );
    await post(SIM, { workflow: 'sim-free' });
    line(
      `${SIM} drafts, without claims, read 20–60 ms`,
      await simulateTeam(c, { tokens, people, workflow: 'sim-free', claims: false, readMs: [20, 60] }),
    );
    await post(100, { workflow: 'sim-slow' });
    line(
      '100 drafts, with claims, read 200–600 ms',
      await simulateTeam(c, { tokens, people, workflow: 'sim-slow', claims: true, readMs: [200, 600] }),
    );
  } finally {
    await c.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
