import type { Selectable } from 'kysely';
import { compareQueueItems } from '../../lib/shared/policy/priority';
import type { Draft, QueueQuery } from '../../lib/shared/schema';
import { ApiError } from '../errors';
import type { Database, Store } from '../store';
import type { AuthUser } from '../tokens';
import { currentVersion } from './sync';
import {
  type DraftRow,
  encodeCursor,
  inQueueOf,
  type OnMalformed,
  openWhere,
  priorityItem,
  tryRowToDraft,
  visibleWhere,
} from './views';

/** A page of the queue holds this many drafts unless `limit` says otherwise (the size before paging). */
export const QUEUE_PAGE = 500;
/** Reviewers who claimed something this recently count as working the queue (fair dealing). */
export const ACTIVE_WINDOW_MS = 15 * 60_000;

/** What ordering reads of every waiting draft (the full rows are read for one page only). */
const ORDER_COLUMNS = [
  'id',
  'workflow',
  'status',
  'queue',
  'assignee',
  'audit_pending',
  'approved_by_json',
  'confidence',
  'deal_value',
  'expires_at',
  'account_tier',
  'created_at',
  'segment',
  'model_version',
  'claimed_by',
  'claimed_until',
] as const;
type OrderRow = Pick<DraftRow, (typeof ORDER_COLUMNS)[number]>;

/** Page cursor: the offset, the pull version of the first page, and the last id handed out. */
function encodePage(offset: number, version: number, lastId: string): string {
  return Buffer.from(`q1:${offset}:${version}:${lastId}`).toString('base64url');
}

function decodePage(cursor: string): { offset: number; version: number; lastId: string } {
  const m = /^q1:(\d{1,9}):(\d{1,15}):(.{1,200})$/s.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m)
    throw new ApiError(400, 'invalid_input', '"cursor" is not a queue cursor this server issued (use nextCursor)');
  return { offset: Number(m[1]), version: Number(m[2]), lastId: m[3]! };
}

/** A stable pseudo-random number in (0, 1) for a draft and a reviewer (FNV-1a, then a mixer). */
export function dealHash(draftId: string, reviewer: string): number {
  let h = 0x811c9dc5;
  const s = `${draftId}\u0000${reviewer}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) + 0.5) / 4_294_967_296;
}

/**
 * Who each shared draft nobody holds is dealt to, among the reviewers working the queue (`workers`,
 * at least two): the worker with the highest hash of the draft and the worker (rendezvous hashing).
 * Everyone computes the same deal, so two people asking at once get different next drafts; and it
 * is stable: a draft's owner changes only when the set of workers does — not when a draft is
 * claimed, decided or leaves, and not with what each holds at the moment (dealing by held load was
 * measured and refused more claims: holdings change at every claim and decision, and with them the
 * deal, between one person's read of the queue and their claim). What each holds orders the
 * fall-back instead (`orderQueue`).
 */
export function dealShared<T extends OrderRow>(rows: T[], workers: string[], now: number): Map<string, string> {
  const owner = new Map<string, string>();
  for (const r of rows) {
    if (r.assignee !== null || (r.claimed_by && r.claimed_until && Date.parse(r.claimed_until) > now)) continue;
    let best = workers[0]!;
    let top = -1;
    for (const w of workers) {
      const h = dealHash(r.id, w);
      if (h > top) {
        top = h;
        best = w;
      }
    }
    owner.set(r.id, best);
  }
  return owner;
}

/**
 * The caller's order of the whole queue (issue 15 "fair assignment"):
 * 1. priority (lib/shared/policy/priority.ts);
 * 2. the shared items (no assignee) are dealt among the reviewers working the queue now (anyone who
 *    claimed or decided a draft in the last 15 minutes, and the caller; `dealShared`): the caller's
 *    own share comes first round by round — their r-th dealt draft, then (after their (r+1)-th)
 *    the others' r-th ones, the busiest holder's first — so two people opening "the next draft" open
 *    different ones, and a refused claim falls back on the caller's own next draft rather than on
 *    someone else's; the shared items only swap places among themselves, personal items (assigned
 *    to the caller) keep theirs;
 * 3. drafts past the caller's rotation cap (a workflow's share of one segment or model version per
 *    day) after the rest;
 * 4. drafts someone else is reviewing now (a live claim) last.
 */
export function orderQueue<T extends OrderRow>(
  user: AuthUser,
  rows: T[],
  now: number,
  active: string[],
  capped: (row: T) => boolean = () => false,
): T[] {
  const sorted = [...rows].sort((a, b) =>
    compareQueueItems(priorityItem(a as DraftRow), priorityItem(b as DraftRow), now),
  );
  const workers = [...new Set([...active, user.id])].sort();
  if (workers.length > 1) {
    const owner = dealShared(sorted, workers, now);
    const held = new Map<string, number>();
    for (const r of sorted)
      if (r.assignee === null && r.claimed_by && r.claimed_until && Date.parse(r.claimed_until) > now)
        held.set(r.claimed_by, (held.get(r.claimed_by) ?? 0) + 1);
    // The others, busiest first (least likely to be asking for their next draft right now).
    const others = workers
      .filter((w) => w !== user.id)
      .sort((a, b) => (held.get(b) ?? 0) - (held.get(a) ?? 0) || (a < b ? -1 : 1));
    const rank = new Map(others.map((w, i) => [w, i + 1] as const));
    const n = workers.length;
    const seen = new Map<string, number>();
    const slots: number[] = [];
    const keyed: { r: T; k: number; i: number }[] = [];
    sorted.forEach((r, i) => {
      if (r.assignee !== null) return;
      slots.push(i);
      const o = owner.get(r.id) ?? r.claimed_by ?? user.id;
      const round = seen.get(o) ?? 0;
      seen.set(o, round + 1);
      // Mine: round r at r·(n+1); another's round r after my round r+1.
      const k = o === user.id ? round * (n + 1) : (round + 1) * (n + 1) + (rank.get(o) ?? n);
      keyed.push({ r, k, i });
    });
    keyed.sort((a, b) => a.k - b.k || a.i - b.i);
    keyed.forEach(({ r }, j) => {
      sorted[slots[j]!] = r;
    });
  }
  const tier = (r: T) => {
    if (r.claimed_by && r.claimed_by !== user.id && r.claimed_until && Date.parse(r.claimed_until) > now) return 2;
    return capped(r) ? 1 : 0;
  };
  // Stable: within a tier the order above stays.
  return sorted
    .map((r, i) => ({ r, i, t: tier(r) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.r);
}

/**
 * Reviewers working the queue now: anyone holding or recently taking a claim, or who decided a draft
 * recently. (A decision clears the claim: counting only claim holders dropped whoever had just
 * decided — the very person asking for the next draft — so each asker dealt among a different set
 * and two of them were handed the same draft.)
 */
async function activeReviewers(store: Store, now: number): Promise<string[]> {
  const since = new Date(now - ACTIVE_WINDOW_MS).toISOString();
  const [claimed, decided] = await Promise.all([
    store.db
      .selectFrom('drafts')
      .select('claimed_by')
      .distinct()
      .where('claimed_at', '>', since)
      .where('claimed_by', 'is not', null)
      .execute(),
    store.db
      .selectFrom('decisions')
      .innerJoin('users', 'users.id', 'decisions.user_id')
      .select('decisions.user_id')
      .distinct()
      .where('decisions.received_at', '>', since)
      .where('users.role', 'in', ['reviewer', 'owner', 'specialist', 'admin'])
      .execute(),
  ]);
  return [...new Set([...claimed.map((r) => r.claimed_by!).filter(Boolean), ...decided.map((r) => r.user_id)])];
}

/**
 * Rotation caps (`PUT /v1/workflows/{w}/rotation`): a predicate telling which rows the caller has
 * had more than their share of today, per segment and per model version of a capped workflow.
 */
async function rotationFilter(store: Store, user: AuthUser, rows: OrderRow[], now: number) {
  const workflows = [...new Set(rows.map((r) => r.workflow))];
  if (!workflows.length) return () => false;
  const caps = await store.db.selectFrom('rotation_caps').selectAll().where('workflow', 'in', workflows).execute();
  if (!caps.length) return () => false;
  const capOf = new Map(caps.map((c) => [c.workflow, c] as const));
  const day = new Date(now);
  day.setUTCHours(0, 0, 0, 0);
  const decided = await store.db
    .selectFrom('decisions')
    .innerJoin('drafts', 'drafts.id', 'decisions.draft_id')
    .select(['decisions.user_id', 'drafts.workflow', 'drafts.segment', 'drafts.model_version'])
    .where('decisions.status', '=', 'applied')
    .where('decisions.received_at', '>=', day.toISOString())
    .where(
      'drafts.workflow',
      'in',
      caps.map((c) => c.workflow),
    )
    .execute();
  const totals = new Map<string, number>();
  const mine = new Map<string, number>();
  const keys = (r: { workflow: string; segment: string | null; model_version: string | null }) =>
    [
      r.segment !== null ? `${r.workflow}\u0000s\u0000${r.segment}` : null,
      r.model_version !== null ? `${r.workflow}\u0000m\u0000${r.model_version}` : null,
    ].filter((k): k is string => k !== null);
  for (const d of decided)
    for (const k of keys(d)) {
      totals.set(k, (totals.get(k) ?? 0) + 1);
      if (d.user_id === user.id) mine.set(k, (mine.get(k) ?? 0) + 1);
    }
  return (r: OrderRow) => {
    const cap = capOf.get(r.workflow);
    if (!cap) return false;
    return keys(r).some((k) => {
      const total = totals.get(k) ?? 0;
      return total >= cap.min_drafts && (mine.get(k) ?? 0) / Math.max(1, total) >= cap.max_share;
    });
  };
}

export interface QueuePage {
  items: Draft[];
  cursor: string;
  nextCursor?: string;
}

/**
 * `GET /v1/queue` (contract v1.1 "The whole queue, in pages"): every waiting draft of the caller,
 * `limit` at a time. `cursor` is the pull cursor read before the first page (pulling from it
 * delivers whatever changed while the pages were read); `nextCursor` continues after the last item
 * handed out (found again by id; by position if that draft has left the queue meanwhile).
 */
export async function readQueue(
  store: Store,
  user: AuthUser,
  q: QueueQuery,
  now = Date.now(),
  onMalformed?: OnMalformed,
): Promise<QueuePage> {
  const page = q.cursor ? decodePage(q.cursor) : null;
  const limit = q.limit ?? QUEUE_PAGE;
  // Read the version first: anything that changes after it is delivered by the next pull.
  const version = page ? page.version : await currentVersion(store.db);
  let query = store.db.selectFrom('drafts').select(ORDER_COLUMNS).where(openWhere).where(visibleWhere(user));
  if (q.workflow) query = query.where('workflow', '=', q.workflow);
  if (q.segment) query = query.where('segment', '=', q.segment);
  const nowIso = new Date(now).toISOString();
  // A draft whose trigger passed is out of every queue, even before the expiry timer marks it.
  query = query.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowIso)]));
  const candidates = (await query.execute()).filter((r) => inQueueOf(user, r as DraftRow));
  const [active, capped] = await Promise.all([
    activeReviewers(store, now),
    rotationFilter(store, user, candidates, now),
  ]);
  const ordered = orderQueue(user, candidates, now, active, capped);
  let start = 0;
  if (page) {
    const at = ordered.findIndex((r) => r.id === page.lastId);
    start = at >= 0 ? at + 1 : Math.min(page.offset, ordered.length);
  }
  const slice = ordered.slice(start, start + limit);
  const full = new Map<string, Selectable<Database['drafts']>>();
  for (let i = 0; i < slice.length; i += 500) {
    const ids = slice.slice(i, i + 500).map((r) => r.id);
    for (const r of await store.db.selectFrom('drafts').selectAll().where('id', 'in', ids).execute()) full.set(r.id, r);
  }
  const items = slice
    .map((r) => full.get(r.id))
    .filter((r): r is DraftRow => r !== undefined)
    .map((r) => tryRowToDraft(r, now, onMalformed))
    .filter((d): d is Draft => d !== null);
  const end = start + slice.length;
  return {
    items,
    cursor: encodeCursor(version),
    ...(end < ordered.length && slice.length ? { nextCursor: encodePage(end, version, slice.at(-1)!.id) } : {}),
  };
}
