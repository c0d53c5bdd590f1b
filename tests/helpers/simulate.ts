import { randomUUID } from 'node:crypto';
import type { DecisionResult, QueueOut } from '../../lib/shared/schema';
import type { Cluster } from './cluster';

export interface TeamSimulation {
  /** Reviewer tokens; reviewer k works through instance k % instances. */
  tokens: string[];
  /** Their user ids (to recognise their own claims). */
  people: string[];
  /** Only the drafts of this workflow are worked. */
  workflow: string;
  /**
   * true: the reviewer claims the card they open (as the panel does) and skips cards someone else
   * holds; false: they open the first card of their queue as it is.
   */
  claims: boolean;
  /** Reading time per draft (ms), uniform in [min, max]: human pace, compressed. */
  readMs: [number, number];
  instances?: number;
}

export interface TeamResult {
  decided: number;
  /** Times a reviewer opened a draft another reviewer had open at that moment. */
  openedByTwo: number;
  /** Decisions answered `conflict` (someone else had settled the draft first). */
  conflicts: number;
  /** Claims refused because another person held the draft. */
  claimsRefused: number;
  seconds: number;
}

/**
 * Several reviewers work one queue through the API, at (compressed) human pace, until it is empty:
 * read the head of their queue (`GET /v1/queue`), open a card (claiming it when `claims`), read it,
 * approve it. Counts drafts opened by two people at once and decisions that came too late.
 */
export async function simulateTeam(c: Cluster, o: TeamSimulation): Promise<TeamResult> {
  const open = new Map<string, number>(); // draft → how many have it open now
  const r: TeamResult = { decided: 0, openedByTwo: 0, conflicts: 0, claimsRefused: 0, seconds: 0 };
  const nInst = o.instances ?? Math.min(2, c.instances.length);
  const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));
  const work = async (k: number) => {
    const token = o.tokens[k]!;
    const me = o.people[k]!;
    const inst = k % nInst;
    for (;;) {
      const q = (await (
        await c.api(inst, `/v1/queue?workflow=${encodeURIComponent(o.workflow)}&limit=10`, { token })
      ).json()) as QueueOut;
      if (!q.items.length) return;
      let got: string | null = null;
      if (o.claims) {
        for (const item of q.items.filter((i) => !i.claimedBy || i.claimedBy === me)) {
          const res = await c.api(inst, `/v1/drafts/${item.id}/claim`, { method: 'POST', token, body: {} });
          await res.body?.cancel();
          if (res.status === 200) {
            got = item.id;
            break;
          }
          r.claimsRefused++;
        }
        if (!got) {
          await pause(20);
          continue;
        }
      } else got = q.items[0]!.id;
      if ((open.get(got) ?? 0) > 0) r.openedByTwo++;
      open.set(got, (open.get(got) ?? 0) + 1);
      await pause(o.readMs[0] + Math.random() * (o.readMs[1] - o.readMs[0]));
      const res = (await (
        await c.api(inst, '/v1/decisions', {
          token,
          body: {
            decisions: [{ id: randomUUID(), draftId: got, action: 'approve', decidedAt: new Date().toISOString() }],
          },
        })
      ).json()) as { results: DecisionResult[] };
      if (res.results[0]!.status === 'conflict') r.conflicts++;
      else if (res.results[0]!.status === 'applied') r.decided++;
      open.set(got, open.get(got)! - 1);
    }
  };
  const t0 = performance.now();
  await Promise.all(o.tokens.map((_, k) => work(k)));
  r.seconds = (performance.now() - t0) / 1e3;
  return r;
}
