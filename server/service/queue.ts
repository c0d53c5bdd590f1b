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

/**
 * The caller's order of the whole queue (issue 15 "fair assignment"):
 * 1. priority (lib/shared/policy/priority.ts);
 * 2. the shared items (no assignee) are dealt among the reviewers working the queue now (anyone who
 *    claimed a draft in the last 15 minutes, and the caller): reviewer k of n gets items k, k+n, …
 *    of each round of n first, so two people opening "the next draft" open different ones; the
 *    shared items only swap places among themselves, personal items (assigned to the caller) keep
 *    theirs;
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
  const n = workers.length;
  const me = workers.indexOf(user.id);
  if (n > 1) {
    const slots: number[] = [];
    const shared: T[] = [];
    sorted.forEach((r, i) => {
      if (r.assignee === null) {
        slots.push(i);
        shared.push(r);
      }
    });
    const key = (p: number) => Math.floor(p / n) * n + (((p % n) - me + n) % n);
    const dealt = shared.map((r, p) => ({ r, k: key(p) })).sort((a, b) => a.k - b.k);
    dealt.forEach(({ r }, j) => {
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

/** Reviewers working the queue now: anyone holding or recently taking a claim. */
async function activeReviewers(store: Store, now: number): Promise<string[]> {
  const since = new Date(now - ACTIVE_WINDOW_MS).toISOString();
  const rows = await store.db
    .selectFrom('drafts')
    .select('claimed_by')
    .distinct()
    .where('claimed_at', '>', since)
    .where('claimed_by', 'is not', null)
    .execute();
  return rows.map((r) => r.claimed_by!).filter(Boolean);
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
