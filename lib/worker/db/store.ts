import Dexie from 'dexie';
import { z } from 'zod';
import { compareQueueItems, type PriorityItem, priorityReason, TIME_SENSITIVE_MS } from '../../shared/policy/priority';
import {
  type Decision,
  type DecisionResult,
  Draft,
  DraftStatus,
  OPEN_STATUSES,
  type PullOut,
  Target,
} from '../../shared/schema';
import type { AttentionItem, LocalDecision, QueueItem } from '../../shared/schema/protocol';
import { deleteMeta, getMeta, setMeta } from './meta';
import { AccountRow, type CountersignDb, DraftRow, OutboxRow, ProblemRow, splitAccountKey } from './schema';

const OPEN = new Set<string>(OPEN_STATUSES);
const SEQ_MIN = 0;
const SEQ_MAX = Number.MAX_SAFE_INTEGER;

/** Parse rows read back from IndexedDB; a corrupt row is dropped rather than crashing a view. */
function parseRows<S extends z.ZodType>(schema: S, rows: unknown[]): z.output<S>[] {
  const out: z.output<S>[] = [];
  for (const row of rows) {
    const parsed = schema.safeParse(row);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/**
 * Makes the local snapshot belong to `account` (server + user). Switching person or server drops
 * the other queue's drafts, cursor and problems; outbox rows stay (tagged with their account) so a
 * decision is never lost or pushed with the wrong token.
 */
export async function useAccount(db: CountersignDb, account: string): Promise<boolean> {
  return db.transaction('rw', db.drafts, db.meta, db.problems, async () => {
    if ((await getMeta(db, 'account')) === account) return false;
    await db.drafts.clear();
    await db.problems.clear();
    await deleteMeta(db, 'cursor', 'lastSyncAt', 'failures', 'nextRetryAt', 'problem', 'paused');
    await setMeta(db, 'account', account);
    return true;
  });
}

/** `row` null: the decision was taken back (Undo) before it arrived; it is not saved. */
export type SaveOutcome = { created: boolean; row: OutboxRow | null };

/** How many taken-back decision ids are remembered (a hand-off arrives within seconds). */
const CANCELLED_KEEP = 500;

/**
 * Issue 3 §4: ONE transaction adds the outbox row and marks the draft decided here. Resolves only
 * after IndexedDB committed it. Idempotent on `decision.id`: a content script that retries after a
 * lost reply gets the first save back, never a second decision.
 */
export async function saveDecisionLocally(
  db: CountersignDb,
  decision: Decision,
  account: string,
  now = new Date(),
  /** Hold it until then (the panel's undo window): not pushed before, and `cancelHeldDecision` takes it back. */
  sendAfter: Date | null = null,
): Promise<SaveOutcome> {
  return db.transaction('rw', db.outbox, db.drafts, db.meta, async () => {
    const existing = await db.outbox.get(decision.id);
    // Taken back already (a late copy: the storage hand-off, a retried message): not again.
    if (!existing && ((await getMeta(db, 'cancelled')) ?? []).includes(decision.id))
      return { created: false, row: null };
    if (existing) {
      const row = OutboxRow.parse(existing);
      // Saved again without a hold (the panel's undo window ran out, or a retry): send it now.
      if (sendAfter === null && row.state === 'pending' && row.sendAfter !== null) {
        row.sendAfter = null;
        await db.outbox.put(row);
      }
      return { created: false, row };
    }
    const seq = ((await getMeta(db, 'seq')) ?? 0) + 1;
    await setMeta(db, 'seq', seq);
    const row: OutboxRow = OutboxRow.parse({
      id: decision.id,
      seq,
      draftId: decision.draftId,
      account,
      decision,
      state: 'pending',
      createdAt: now.toISOString(),
      attempts: 0,
      result: null,
      settledAt: null,
      dismissed: false,
      sendAfter: sendAfter && sendAfter.getTime() > now.getTime() ? sendAfter.toISOString() : null,
    });
    await db.outbox.add(row);
    await db.drafts.update(decision.draftId, { waiting: 0, localDecisionId: decision.id });
    return { created: true, row };
  });
}

/** The oldest decisions of `account` not yet acknowledged and not held past `now`, in save order. */
export async function pendingBatch(
  db: CountersignDb,
  account: string,
  limit: number,
  now = new Date(),
): Promise<OutboxRow[]> {
  const at = now.toISOString();
  const rows = await db.outbox
    .where('[account+state+seq]')
    .between([account, 'pending', SEQ_MIN], [account, 'pending', SEQ_MAX], true, true)
    .filter((r) => !r.sendAfter || r.sendAfter <= at)
    .limit(limit)
    .toArray();
  return parseRows(OutboxRow, rows);
}

/** When the next held decision of `account` is due, or null when none is held past `now`. */
export async function nextHeldAt(db: CountersignDb, account: string, now = new Date()): Promise<Date | null> {
  const at = now.toISOString();
  let next: string | null = null;
  await db.outbox
    .where('[account+state+seq]')
    .between([account, 'pending', SEQ_MIN], [account, 'pending', SEQ_MAX], true, true)
    .each((r) => {
      if (r.sendAfter && r.sendAfter > at && (next === null || r.sendAfter < next)) next = r.sendAfter;
    });
  return next === null ? null : new Date(next);
}

/**
 * Undo: takes back a decision still held in its undo window (never pushed). Returns false when it
 * is not held any more (already due or sent): too late to take back here. A decision not here yet
 * (its message or storage hand-off still on the way) is remembered as taken back and refused when
 * it arrives (true).
 */
export async function cancelHeldDecision(db: CountersignDb, id: string, now = new Date()): Promise<boolean> {
  return db.transaction('rw', db.outbox, db.drafts, db.meta, async () => {
    const remember = async () => {
      const ids = ((await getMeta(db, 'cancelled')) ?? []).filter((x) => x !== id);
      await setMeta(db, 'cancelled', [...ids, id].slice(-CANCELLED_KEEP));
    };
    const raw = await db.outbox.get(id);
    // Not here yet (its hand-off or message still on the way): it will not be saved when it comes.
    if (!raw) {
      await remember();
      return true;
    }
    const row = OutboxRow.parse(raw);
    if (row.state !== 'pending' || !row.sendAfter || row.sendAfter <= now.toISOString() || row.attempts > 0) {
      return false;
    }
    await remember();
    await db.outbox.delete(id);
    const draft = await db.drafts.get(row.draftId);
    if (draft && draft.localDecisionId === id) {
      const status = (draft.draft as { status?: unknown } | undefined)?.status;
      await db.drafts.update(row.draftId, {
        localDecisionId: null,
        waiting: typeof status === 'string' && OPEN.has(status) ? 1 : 0,
      });
    }
    return true;
  });
}

/** Records who and where an account is (at Connect), so its unsent decisions can be named. */
export async function rememberAccount(db: CountersignDb, row: AccountRow): Promise<void> {
  await db.accounts.put(AccountRow.parse(row));
}

export interface UnsentElsewhere {
  account: string;
  serverUrl: string;
  userId: string;
  userName: string;
  count: number;
}

/**
 * Decisions saved here for other accounts (another person, another server, or nobody connected) and
 * not yet acknowledged: kept, listed, and pushed when that account connects again.
 */
export async function unsentElsewhere(db: CountersignDb, current?: string): Promise<UnsentElsewhere[]> {
  return db.transaction('r', db.outbox, db.accounts, async () => {
    const counts = new Map<string, number>();
    await db.outbox
      .where('[state+seq]')
      .between(['pending', SEQ_MIN], ['pending', SEQ_MAX], true, true)
      .each((r) => {
        if (r.account !== current) counts.set(r.account, (counts.get(r.account) ?? 0) + 1);
      });
    const known = new Map(parseRows(AccountRow, await db.accounts.bulkGet([...counts.keys()])).map((a) => [a.key, a]));
    return [...counts].map(([account, count]) => {
      const a = known.get(account);
      const split = splitAccountKey(account);
      return {
        account,
        serverUrl: a?.serverUrl ?? split.serverUrl,
        userId: a?.userId ?? split.userId,
        userName: a?.userName ?? split.userId,
        count,
      };
    });
  });
}

/**
 * Moves unsent decisions of accounts that are this one under another spelling (`same(oldKey)`) to
 * `account`, so they go out with this connection. Returns how many moved.
 */
export async function adoptUnsent(
  db: CountersignDb,
  account: string,
  same: (otherAccount: string) => boolean,
): Promise<number> {
  return db.transaction('rw', db.outbox, db.accounts, async () => {
    const rows = parseRows(
      OutboxRow,
      await db.outbox
        .where('[state+seq]')
        .between(['pending', SEQ_MIN], ['pending', SEQ_MAX], true, true)
        .filter((r) => r.account !== account && same(r.account))
        .toArray(),
    );
    for (const row of rows) row.account = account;
    await db.outbox.bulkPut(rows);
    return rows.length;
  });
}

/** Decisions saved here and not yet acknowledged (for `account`, or for every account). */
export async function countUnsynced(db: CountersignDb, account?: string): Promise<number> {
  if (account === undefined) {
    return db.outbox.where('[state+seq]').between(['pending', SEQ_MIN], ['pending', SEQ_MAX], true, true).count();
  }
  return db.outbox
    .where('[account+state+seq]')
    .between([account, 'pending', SEQ_MIN], [account, 'pending', SEQ_MAX], true, true)
    .count();
}

export async function countWaiting(db: CountersignDb): Promise<number> {
  return db.drafts.where('waiting').equals(1).count();
}

/**
 * Applies the server's per-item results in one transaction (issue 3 §5): applied/duplicate → done,
 * conflict → the person sees who decided instead, rejected → "needs attention" with the message.
 * Rows without a result stay pending and are sent again (the server deduplicates on the id).
 * `sentIds` (the whole batch) get their attempt counted.
 */
export async function applyPushResults(
  db: CountersignDb,
  results: DecisionResult[],
  now = new Date(),
  sentIds: string[] = results.map((r) => r.id),
): Promise<{ settled: string[]; draftIds: string[] }> {
  return db.transaction('rw', db.outbox, db.drafts, async () => {
    const settled: string[] = [];
    const draftIds: string[] = [];
    const byId = new Map(results.map((r) => [r.id, r]));
    const ids = [...new Set([...sentIds, ...byId.keys()])];
    const rows = (await db.outbox.bulkGet(ids)).filter((r): r is OutboxRow => r !== undefined && r.state === 'pending');
    const rejectedDrafts: { draftId: string; decisionId: string }[] = [];
    for (const row of rows) {
      if (sentIds.includes(row.id)) row.attempts += 1;
      const result = byId.get(row.id);
      if (!result) continue;
      row.state = result.status === 'applied' || result.status === 'duplicate' ? 'done' : result.status;
      row.result = result;
      row.settledAt = now.toISOString();
      settled.push(row.id);
      draftIds.push(row.draftId);
      if (row.state === 'rejected') rejectedDrafts.push({ draftId: row.draftId, decisionId: row.id });
    }
    await db.outbox.bulkPut(rows);
    // A rejected decision did not count: the draft waits for the person again (if still open).
    for (const { draftId, decisionId } of rejectedDrafts) {
      const draft = await db.drafts.get(draftId);
      const status = (draft?.draft as { status?: unknown } | undefined)?.status;
      if (draft && draft.localDecisionId === decisionId && typeof status === 'string' && OPEN.has(status)) {
        await db.drafts.update(draftId, { waiting: 1 });
      }
    }
    return { settled, draftIds };
  });
}

export type PullApplied = { upserted: number; removed: number; skipped: number; draftIds: string[] };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(draft)'}: ${i.message}`)
    .join('; ');
}

/**
 * Writes one pull page and the new cursor in ONE transaction (issue 3 §5), so a worker stopped
 * mid-pull resumes from a cursor that matches the rows. A malformed draft is skipped and recorded
 * in `problems` (a visible error), never a crash and never a reason to drop the rest of the page.
 */
export async function applyPull(db: CountersignDb, page: PullOut, now = new Date()): Promise<PullApplied> {
  const at = now.toISOString();
  return db.transaction('rw', [db.drafts, db.outbox, db.meta, db.problems], async () => {
    const result: PullApplied = { upserted: 0, removed: 0, skipped: 0, draftIds: [] };
    const rows: DraftRow[] = [];
    const removals: string[] = [];
    const problems: ProblemRow[] = [];
    const fixed: string[] = [];

    for (const change of page.changes) {
      if (change.op === 'remove') {
        removals.push(change.id);
        continue;
      }
      const parsed = Draft.safeParse(change.draft);
      if (!parsed.success) {
        const rawId = (change.draft as { id?: unknown } | null)?.id;
        const draftId = typeof rawId === 'string' ? rawId : null;
        problems.push({
          key: `malformed:${draftId ?? `v${change.version}`}`,
          kind: 'malformed_draft',
          draftId,
          message: `A draft${draftId ? ` (${draftId})` : ''} from the server could not be read and was skipped: ${describeIssues(parsed.error)}`,
          at,
        });
        continue;
      }
      const draft = parsed.data;
      fixed.push(`malformed:${draft.id}`);
      rows.push({
        id: draft.id,
        version: change.version,
        draft,
        waiting: OPEN.has(draft.status) ? 1 : 0,
        localDecisionId: null,
      });
    }

    // Keep what this browser knows: a draft I decided here does not wait for me while the decision
    // is pending, done or in conflict (only a rejected decision puts it back).
    const existing = await db.drafts.bulkGet(rows.map((r) => r.id));
    const localIds = existing.map((e) => e?.localDecisionId ?? null);
    const outbox = await db.outbox.bulkGet(localIds.filter((id): id is string => id !== null));
    const stateOf = new Map(outbox.filter((o) => o !== undefined).map((o) => [o.id, o.state]));
    rows.forEach((row, i) => {
      const localId = localIds[i] ?? null;
      row.localDecisionId = localId;
      if (localId && stateOf.get(localId) !== 'rejected') row.waiting = 0;
    });

    await rememberSettled(db, page, at);
    await db.drafts.bulkPut(rows);
    await db.drafts.bulkDelete(removals);
    await db.problems.bulkPut(problems);
    if (fixed.length > 0 && (await db.problems.count()) > 0) await db.problems.bulkDelete(fixed);
    await setMeta(db, 'cursor', page.cursor);

    result.upserted = rows.length;
    result.removed = removals.length;
    result.skipped = problems.length;
    result.draftIds = [...rows.map((r) => r.id), ...removals];
    return result;
  });
}

/** How long "Maya approved this a moment ago" stays listed. */
export const RECENT_MS = 5 * 60_000;

/**
 * Notes the drafts of a pull page that someone settled while they were in my snapshot (before they
 * are removed), so the panel can say who did it. The panel leaves out my own decisions.
 */
async function rememberSettled(db: CountersignDb, page: PullOut, at: string): Promise<void> {
  const settled = page.changes.filter(
    (c): c is Extract<PullOut['changes'][number], { op: 'remove' }> => c.op === 'remove' && !!c.decidedBy,
  );
  if (!settled.length) return;
  const before = await db.drafts.bulkGet(settled.map((c) => c.id));
  const fresh = settled.flatMap((c, i) => {
    const row = before[i];
    if (!row) return [];
    const d = row.draft as { content?: { subject?: unknown }; account?: { name?: unknown } };
    const title =
      typeof d.content?.subject === 'string'
        ? d.content.subject
        : typeof d.account?.name === 'string'
          ? d.account.name
          : c.id;
    return [
      {
        draftId: c.id,
        title,
        byId: c.decidedBy ?? null,
        byName: c.decidedByName ?? null,
        status: c.status ?? 'settled',
        at,
      },
    ];
  });
  if (!fresh.length) return;
  const cutoff = Date.parse(at) - RECENT_MS;
  const kept = ((await getMeta(db, 'recent')) ?? []).filter((r) => Date.parse(r.at) > cutoff);
  await setMeta(db, 'recent', [...fresh, ...kept].slice(0, 20));
}

function localDecisionOf(row: OutboxRow): LocalDecision {
  return {
    decisionId: row.id,
    action: row.decision.action,
    decidedAt: row.decision.decidedAt,
    sync: row.state,
    decidedBy: row.result?.decidedBy ?? null,
    error: row.result?.error,
  };
}

/**
 * What the panel's matching needs of a draft: parsed for every row of the snapshot, while the full
 * draft is parsed only for the few a view returns (a full parse of 5,000 drafts cost a cold worker
 * about as much as reading them).
 */
export const DraftHead = z.object({
  id: z.string(),
  status: DraftStatus,
  createdAt: z.string(),
  // Matching reads an email draft's `to` as well (lib/shared/match.ts); `content` is not parsed here.
  kind: z.string().optional(),
  content: z.unknown(),
  target: Target,
  account: z.object({
    name: z.string(),
    domain: z.string().optional(),
    tier: z.string().optional(),
    dealValue: z.number().optional(),
  }),
  confidence: z.number(),
  trigger: z.object({ expiresAt: z.string().optional() }).optional(),
});
export type DraftHead = z.infer<typeof DraftHead>;

export interface QueueHead {
  draft: DraftHead;
  local: LocalDecision | null;
  version: number;
  /** What queue ordering looks at (the same fields the server's GET /v1/queue orders by). */
  priority: PriorityItem;
  /** The stored draft, parsed in full by `fullItem` when it is shown. */
  raw: unknown;
}

/** The server's `priorityItem` (server/service/views.ts), read from a pulled draft. */
function priorityOf(d: DraftHead): PriorityItem {
  return {
    id: d.id,
    confidence: d.confidence,
    dealValue: d.account.dealValue ?? null,
    expiresAt: d.trigger?.expiresAt ?? null,
    named: d.account.tier === 'named',
    createdAt: d.createdAt,
  };
}

// Every panel refresh reads the queue (each tab refetches on every `changed` event). Keep it per
// database until Dexie reports a committed write to drafts or outbox (its storagemutated event
// covers this context and the others).
/** Heads in queue order; the order holds for `now` in [from, until) (see `orderValidity`). */
interface SortedQueue {
  list: QueueHead[];
  from: number;
  until: number;
}
const queueCache = new Map<
  string,
  { generation: number; sorted: SortedQueue | null; pending: Promise<SortedQueue> | null }
>();
let watchingMutations = false;
function cacheEntry(dbName: string) {
  if (!watchingMutations) {
    watchingMutations = true;
    Dexie.on('storagemutated', (parts) => {
      for (const key of Object.keys(parts)) {
        const m = /^idb:\/\/([^/]+)\/(drafts|outbox)\//.exec(key);
        const entry = m ? queueCache.get(m[1]!) : undefined;
        if (entry) {
          entry.generation += 1;
          entry.sorted = null;
          entry.pending = null;
        }
      }
    });
  }
  let entry = queueCache.get(dbName);
  if (!entry) {
    entry = { generation: 0, sorted: null, pending: null };
    queueCache.set(dbName, entry);
  }
  return entry;
}

async function readQueue(db: CountersignDb): Promise<QueueHead[]> {
  return db.transaction('r', db.drafts, db.outbox, async () => {
    const rows = parseRows(DraftRow, await db.drafts.toArray());
    const localIds = rows.map((r) => r.localDecisionId).filter((id): id is string => id !== null);
    const outbox = parseRows(
      OutboxRow,
      (await db.outbox.bulkGet(localIds)).filter((r) => r !== undefined),
    );
    const byId = new Map(outbox.map((o) => [o.id, o]));
    const out: QueueHead[] = [];
    for (const row of rows) {
      const head = DraftHead.safeParse(row.draft);
      if (!head.success) continue;
      const local = row.localDecisionId ? byId.get(row.localDecisionId) : undefined;
      out.push({
        draft: head.data,
        local: local ? localDecisionOf(local) : null,
        version: row.version,
        priority: priorityOf(head.data),
        raw: row.draft,
      });
    }
    return out;
  });
}

/**
 * `compareQueueItems` depends on `now` only through which triggers fall inside the 48 h
 * time-sensitive window (it compares absolute expiry times), so an order sorted at `now` stays
 * exact until the next `expiresAt - TIME_SENSITIVE_MS` boundary: re-sorting 5,000 drafts on every
 * panel refresh is not needed.
 */
function orderValidity(heads: QueueHead[], now: number): { from: number; until: number } {
  let from = Number.NEGATIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  for (const { priority } of heads) {
    if (!priority.expiresAt) continue;
    const boundary = Date.parse(priority.expiresAt) - TIME_SENSITIVE_MS;
    if (!Number.isFinite(boundary)) continue;
    if (boundary <= now) from = Math.max(from, boundary);
    else until = Math.min(until, boundary);
  }
  return { from, until };
}

function sortHeads(heads: QueueHead[], now: number): SortedQueue {
  return {
    list: [...heads].sort((a, b) => compareQueueItems(a.priority, b.priority, now)),
    ...orderValidity(heads, now),
  };
}

/**
 * The snapshot's drafts (light: see `DraftHead`) with what this browser knows of my decision on
 * each, highest priority first by the server's own comparator (`compareQueueItems`, the order of
 * GET /v1/queue; the pull feed carries no rank). Shared between callers until the next write or the
 * next time-sensitivity boundary: do not mutate. Concurrent callers (every open tab refetches when
 * the worker wakes) share one read.
 */
export async function listQueueHeads(db: CountersignDb, now = Date.now()): Promise<QueueHead[]> {
  const entry = cacheEntry(db.name);
  let sorted = entry.sorted ?? (await readSorted(db, entry, now));
  if (now < sorted.from || now >= sorted.until) {
    const resorted = sortHeads(sorted.list, now);
    if (entry.sorted === sorted) entry.sorted = resorted;
    sorted = resorted;
  }
  return sorted.list;
}

async function readSorted(db: CountersignDb, entry: ReturnType<typeof cacheEntry>, now: number): Promise<SortedQueue> {
  if (entry.pending) return entry.pending;
  const generation = entry.generation;
  const pending = readQueue(db).then((heads) => sortHeads(heads, now));
  entry.pending = pending;
  try {
    const sorted = await pending;
    // A write committed while we read: the result may already be stale, so do not keep it.
    if (entry.generation === generation) entry.sorted = sorted;
    return sorted;
  } finally {
    if (entry.pending === pending) entry.pending = null;
  }
}

// Keyed by the stored object itself: reused until the heads are read again after a write, and never
// confused between two servers that use the same draft id.
const fullCache = new WeakMap<object, Draft>();

/**
 * The full, parsed draft of a head; `null` if the stored row is unreadable. A draft without the
 * server's `priorityReason` gets one from the same function the server uses, at `now`.
 */
export function fullItem(head: QueueHead, now = Date.now()): QueueItem | null {
  const raw = head.raw;
  let draft = typeof raw === 'object' && raw !== null ? fullCache.get(raw) : undefined;
  if (!draft) {
    const parsed = Draft.safeParse(raw);
    if (!parsed.success) return null;
    draft = parsed.data;
    if (typeof raw === 'object' && raw !== null) fullCache.set(raw, draft);
  }
  // A copy: the cached draft is shared, and the reason's wording ("expires in 3 h") depends on now.
  if (!draft.priorityReason) draft = { ...draft, priorityReason: priorityReason(head.priority, now) };
  return { draft, local: head.local };
}

/** Every draft of the snapshot, parsed in full (highest priority first, see `listQueueHeads`). */
export async function listQueue(db: CountersignDb, now = Date.now()): Promise<QueueItem[]> {
  return (await listQueueHeads(db, now)).map((h) => fullItem(h, now)).filter((i): i is QueueItem => i !== null);
}

/** The "needs attention" list: conflicts, rejected decisions, malformed drafts skipped. */
export async function listAttention(db: CountersignDb, account?: string): Promise<AttentionItem[]> {
  return db.transaction('r', db.outbox, db.problems, async () => {
    const settled = parseRows(
      OutboxRow,
      await db.outbox
        .where('[state+seq]')
        .between(['conflict', SEQ_MIN], ['conflict', SEQ_MAX], true, true)
        .or('[state+seq]')
        .between(['rejected', SEQ_MIN], ['rejected', SEQ_MAX], true, true)
        .toArray(),
    );
    const items: AttentionItem[] = [];
    for (const row of settled) {
      if (row.dismissed || (account !== undefined && row.account !== account)) continue;
      const who = row.result?.decidedBy;
      items.push({
        key: `outbox:${row.id}`,
        kind: row.state === 'conflict' ? 'conflict' : 'rejected',
        draftId: row.draftId,
        decisionId: row.id,
        message:
          row.state === 'conflict'
            ? `Already decided by ${who ?? 'someone else'}${row.result?.draftStatus ? ` (${row.result.draftStatus})` : ''}: your ${row.decision.action} was not applied`
            : `The server did not accept your ${row.decision.action}: ${row.result?.error ?? 'no reason given'}`,
        decidedBy: who ?? null,
        at: row.settledAt ?? row.createdAt,
      });
    }
    for (const p of parseRows(ProblemRow, await db.problems.toArray())) {
      items.push({ key: p.key, kind: p.kind, draftId: p.draftId, decisionId: null, message: p.message, at: p.at });
    }
    return items.sort((a, b) => b.at.localeCompare(a.at));
  });
}

/** Removes one item from the "needs attention" list. */
export async function dismissAttention(db: CountersignDb, key: string): Promise<void> {
  if (key.startsWith('outbox:')) {
    await db.outbox.update(key.slice('outbox:'.length), { dismissed: true });
  } else {
    await db.problems.delete(key);
  }
}

/** Acknowledged decisions are kept this long (the panel shows "synced"), then dropped. */
export const KEEP_DONE_MS = 7 * 24 * 3600_000;

/**
 * Deletes acknowledged (`done`) outbox rows settled before `before`. Conflicts and rejections stay
 * until the person dismisses them; pending rows are never touched.
 */
export async function pruneOutbox(db: CountersignDb, before: Date): Promise<number> {
  const cutoff = before.toISOString();
  return db.outbox
    .where('[state+seq]')
    .between(['done', SEQ_MIN], ['done', SEQ_MAX], true, true)
    .filter((r) => r.settledAt !== null && r.settledAt < cutoff)
    .delete();
}

/** A random id for this database, made once (sent nowhere secret; used in logs and the benchmark). */
export async function clientId(db: CountersignDb): Promise<string> {
  return db.transaction('rw', db.meta, async () => {
    const existing = await getMeta(db, 'clientId');
    if (existing) return existing;
    const id = crypto.randomUUID();
    await setMeta(db, 'clientId', id);
    return id;
  });
}

/**
 * This person's latest decision on one draft made in this browser (the dashboard's draft view, issue
 * 15): what the outbox knows of it — held, waiting to go, applied, or refused with the server's
 * reason. `sameAccountAs` says which outbox accounts are this person on this server.
 */
export async function latestLocalDecision(
  db: CountersignDb,
  draftId: string,
  sameAccountAs: (account: string) => boolean,
): Promise<LocalDecision | null> {
  const rows = parseRows(OutboxRow, await db.outbox.where('draftId').equals(draftId).toArray()).filter((r) =>
    sameAccountAs(r.account),
  );
  const last = rows.sort((a, b) => a.seq - b.seq).at(-1);
  return last ? localDecisionOf(last) : null;
}

/**
 * This browser's copy of one draft as last pulled for `account` (the dashboard's draft view when the
 * server cannot be reached), with when that copy was last brought up to date. Null when the
 * snapshot belongs to another account, or holds no readable copy of the draft.
 */
export async function localDraftCopy(
  db: CountersignDb,
  draftId: string,
  account: string,
): Promise<{ draft: Draft; syncedAt: string | null } | null> {
  return db.transaction('r', db.drafts, db.meta, async () => {
    if ((await getMeta(db, 'account')) !== account) return null;
    const row = DraftRow.safeParse(await db.drafts.get(draftId));
    if (!row.success) return null;
    const draft = Draft.safeParse(row.data.draft);
    if (!draft.success) return null;
    return { draft: draft.data, syncedAt: (await getMeta(db, 'lastSyncAt')) ?? null };
  });
}
