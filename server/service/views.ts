import type { ExpressionBuilder, Selectable } from 'kysely';
import { batchApprovable, oneClickApprove } from '../../lib/shared/policy/friction';
import { priorityReason } from '../../lib/shared/policy/priority';
import { canSee, waitsForPerson } from '../../lib/shared/policy/visibility';
import { Draft, DraftIn, OPEN_STATUSES, REVIEWER_ROLES } from '../../lib/shared/schema';
import { ApiError } from '../errors';
import type { Logger } from '../log';
import type { Database } from '../store';
import type { AuthUser } from '../tokens';

export type DraftRow = Selectable<Database['drafts']>;

// Who sees a draft: lib/shared/policy/visibility.ts (shared with the dashboard's draft view).
export { canSee };

/** Open = waiting for a person: an open status, or an audit check still to do. */
export function isOpen(row: Pick<DraftRow, 'status' | 'queue' | 'audit_pending'>): boolean {
  return waitsForPerson(row.status, row.queue === 'audit' && Boolean(row.audit_pending));
}

/** In the caller's to-do list now: open, visible, and not already approved by them (two-person rule). */
export function inQueueOf(user: AuthUser, row: DraftRow): boolean {
  return (
    isOpen(row) &&
    canSee(user, row.queue, row.assignee) &&
    !parseJson<string[]>(row.approved_by_json, []).includes(user.id)
  );
}

/** The caller could see this draft now or before its last change (used for remove/conflict/reads). */
export function couldSee(
  user: AuthUser,
  row: Pick<DraftRow, 'queue' | 'assignee' | 'prev_queue' | 'prev_assignee' | 'decided_by' | 'queue_history_json'>,
): boolean {
  return (
    canSee(user, row.queue, row.assignee) ||
    canSee(user, row.prev_queue, row.prev_assignee) ||
    row.decided_by === user.id ||
    parseJson<Array<[string, string | null]>>(row.queue_history_json, []).some(([q, a]) => canSee(user, q, a))
  );
}

/** `history` with [queue, assignee] added (once). */
export function withQueue(history: string, queue: string, assignee: string | null): string {
  const list = parseJson<Array<[string, string | null]>>(history, []);
  if (!list.some(([q, a]) => q === queue && a === assignee)) list.push([queue, assignee]);
  return JSON.stringify(list);
}

/** SQL form of `canSee` on the current queue (admins: no filter). */
export function visibleWhere(user: AuthUser) {
  return (eb: ExpressionBuilder<Database, 'drafts'>) => {
    if (user.role === 'admin') return eb('queue', '!=', 'auto');
    const ors = [eb('assignee', '=', user.id)];
    if ((REVIEWER_ROLES as readonly string[]).includes(user.role)) {
      ors.push(eb.and([eb('assignee', 'is', null), eb('queue', 'in', ['review', 'manual', 'audit'])]));
      if (user.role === 'specialist' && user.specialties.length)
        ors.push(
          eb.and([
            eb('assignee', 'is', null),
            eb(
              'queue',
              'in',
              user.specialties.map((s) => `specialist:${s}`),
            ),
          ]),
        );
    }
    return eb.or(ors);
  };
}

/** SQL form of `isOpen`. */
export function openWhere(eb: ExpressionBuilder<Database, 'drafts'>) {
  return eb.or([
    eb('status', 'in', [...OPEN_STATUSES]),
    eb.and([eb('queue', '=', 'audit'), eb('audit_pending', '=', true)]),
  ]);
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function priorityItem(row: DraftRow) {
  return {
    id: row.id,
    confidence: row.confidence,
    dealValue: row.deal_value,
    expiresAt: row.expires_at,
    named: row.account_tier === 'named',
    createdAt: row.created_at,
  };
}

/** The friction fields of a draft (lib/shared/policy/friction.ts), from its row. */
export function frictionFields(
  row: Pick<DraftRow, 'route' | 'second_review' | 'account_tier' | 'queue' | 'specialty' | 'approved_by_json'>,
) {
  const approvedBy = parseJson<string[]>(row.approved_by_json, []);
  const input = {
    route: row.route,
    secondReview: row.second_review,
    account: { tier: row.account_tier },
    queue: row.queue,
    specialty: row.specialty,
    approvedBy,
  };
  return { batchApprovable: batchApprovable(input), oneClickApprove: oneClickApprove(input) };
}

/** Called with a stored row that no longer parses (see `tryRowToDraft`). */
export type OnMalformed = (row: DraftRow, error: unknown) => void;

/**
 * A stored row that no longer parses (written by an older version or edited by hand) is left out of
 * lists rather than failing the whole response; `onMalformed` hears about it (to log it).
 */
export function tryRowToDraft(row: DraftRow, now = Date.now(), onMalformed?: OnMalformed): Draft | null {
  try {
    return rowToDraft(row, now);
  } catch (e) {
    onMalformed?.(row, e);
    return null;
  }
}

/**
 * A stored row as it is, without the output schema: the stored input (when it is a JSON object)
 * with the server's fields. Pull hands this to the client for a row that does not parse, so the
 * extension shows it as "needs attention" instead of the row failing everyone's sync.
 */
export function rawDraft(row: DraftRow, now = Date.now()): Record<string, unknown> {
  const input = parseJson<unknown>(row.input_json, null);
  return {
    ...(input && typeof input === 'object' && !Array.isArray(input) ? input : {}),
    id: row.id,
    route: row.route,
    status: row.status,
    assignee: row.assignee,
    queue: row.queue,
    reasons: parseJson<unknown>(row.reasons_json, []),
    secondReview: row.second_review,
    createdAt: row.created_at,
    version: row.version,
    priorityReason: priorityReason(priorityItem(row), now),
    approvedBy: parseJson<unknown>(row.approved_by_json, []),
    final: parseJson<unknown>(row.final_json, null),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    escalationNote: row.escalation_note,
    ...auditPendingOf(row),
    ...frictionFields(row),
    ...claimOf(row, now),
    ...thresholdsOf(row),
  };
}

/** `auditPending: true` while the draft's audit check is still to do (the audit queue's own test, `isOpen`). */
export function auditPendingOf(row: Pick<DraftRow, 'queue' | 'audit_pending'>): { auditPending?: true } {
  return row.queue === 'audit' && row.audit_pending ? { auditPending: true } : {};
}

/** The thresholds the draft was routed with (issue 16), when stored. */
export function thresholdsOf(row: Pick<DraftRow, 'auto_threshold' | 'review_threshold'>): {
  thresholds?: { autoThreshold: number; reviewThreshold: number };
} {
  if (row.auto_threshold == null || row.review_threshold == null) return {};
  return { thresholds: { autoThreshold: Number(row.auto_threshold), reviewThreshold: Number(row.review_threshold) } };
}

const loggedMalformed = new WeakMap<Logger, Set<string>>();

/**
 * An `OnMalformed` that logs each broken row once per logger (per draft id and version): the draft
 * id and where it fails, never its content (zod and JSON messages can quote stored values).
 */
export function logMalformed(logger: Logger): OnMalformed {
  const once = loggedMalformed.get(logger) ?? new Set<string>();
  loggedMalformed.set(logger, once);
  return (row, error) => {
    const key = `${row.id}@${row.version}`;
    if (once.has(key)) return;
    if (once.size >= 10_000) once.clear();
    once.add(key);
    const issues = (error as { issues?: unknown } | null)?.issues;
    const problem = Array.isArray(issues)
      ? (issues as Array<{ path: PropertyKey[]; code: string }>)
          .slice(0, 5)
          .map((i) => `${i.path.map(String).join('.') || '(draft)'}: ${i.code}`)
          .join('; ')
      : error instanceof SyntaxError
        ? 'input_json is not valid JSON'
        : 'does not parse';
    logger.warn('stored draft does not parse', { draftId: row.id, version: row.version, problem });
  };
}

/** A stored draft as the API returns it, parsed with the contract's `Draft` schema. */
export function rowToDraft(row: DraftRow, now = Date.now()): Draft {
  const input = DraftIn.parse(JSON.parse(row.input_json));
  return Draft.parse({
    ...input,
    id: row.id,
    route: row.route,
    status: row.status,
    assignee: row.assignee,
    queue: row.queue,
    reasons: parseJson<string[]>(row.reasons_json, []),
    secondReview: row.second_review,
    createdAt: row.created_at,
    version: row.version,
    priorityReason: priorityReason(priorityItem(row), now),
    approvedBy: parseJson<string[]>(row.approved_by_json, []),
    final: parseJson(row.final_json, null),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    escalationNote: row.escalation_note,
    ...auditPendingOf(row),
    ...frictionFields(row),
    ...claimOf(row, now),
    ...thresholdsOf(row),
  });
}

/** The claim fields while a claim holds on an open draft (contract v1.1 "Claims"); nothing otherwise. */
export function claimOf(
  row: Pick<DraftRow, 'claimed_by' | 'claimed_by_name' | 'claimed_until' | 'status' | 'queue' | 'audit_pending'>,
  now = Date.now(),
): { claimedBy?: string; claimedUntil?: string; claimedByName?: string } {
  if (!row.claimed_by || !row.claimed_until || Date.parse(row.claimed_until) <= now || !isOpen(row)) return {};
  return {
    claimedBy: row.claimed_by,
    claimedUntil: row.claimed_until,
    ...(row.claimed_by_name ? { claimedByName: row.claimed_by_name } : {}),
  };
}

// Cursors are opaque to clients: base64url of "v1:<number>".
export function encodeCursor(n: number): string {
  return Buffer.from(`v1:${n}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, name = 'since'): number | null {
  if (cursor === undefined || cursor === '') return null;
  const m = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new ApiError(400, 'invalid_input', `"${name}" is not a cursor this server issued`);
  return Number(m[1]);
}
