import { CompiledQuery, type Insertable } from 'kysely';
import { diffContent } from '../../lib/policy/diff';
import {
  type Content,
  contentSchemaFor,
  type Decision,
  type DecisionResult,
  type DraftIn,
  type DraftKind,
  type EscalateTo,
} from '../../lib/schema';
import { type AuditInput, appendAuditMany } from '../audit';
import type { Database, Store, Trx, Versions } from '../store';
import type { AuthUser } from '../tokens';
import { couldSee, type DraftRow, isOpen, parseJson, withQueue } from './views';

interface Applied {
  status: DecisionResult['status'];
  error?: string;
  decidedBy?: string | null;
  draftStatus?: string;
  content?: Content | null;
  diff?: string | null;
}

/**
 * Applies a batch of decisions in one write transaction (writers are serialised by the version
 * counter's row lock, so "first decision settles, later ones conflict" holds on PostgreSQL too).
 * Every decision is recorded, whatever its result; the decision id is the idempotency key.
 */
export async function applyDecisions(store: Store, user: AuthUser, decisions: Decision[]): Promise<DecisionResult[]> {
  return store.write(async (trx, versions) => {
    // Read everything the batch needs in two queries; later decisions in the batch see the
    // effects of earlier ones through `drafts` (updated in place) and `done`.
    const prior = new Map<string, { status: string; error: string | null }>();
    const decisionIds = [...new Set(decisions.map((d) => d.id))];
    for (let i = 0; i < decisionIds.length; i += 500)
      for (const r of await trx
        .selectFrom('decisions')
        .select(['id', 'status', 'error'])
        .where('id', 'in', decisionIds.slice(i, i + 500))
        .execute())
        prior.set(r.id, r);
    const drafts = new Map<string, DraftRow>();
    const draftIds = [...new Set(decisions.map((d) => d.draftId))];
    for (let i = 0; i < draftIds.length; i += 500) {
      const chunk = draftIds.slice(i, i + 500);
      // SQLite writes back only the changing columns (see writeDraftRows): read only what deciding needs.
      const rows =
        store.dialect === 'sqlite'
          ? ((await trx.selectFrom('drafts').select(DECIDE_COLUMNS).where('id', 'in', chunk).execute()) as DraftRow[])
          : await trx.selectFrom('drafts').selectAll().where('id', 'in', chunk).execute();
      for (const r of rows) drafts.set(r.id, r);
    }

    const pending: Pending = { decisions: [], audits: [], outcomes: [], changed: new Map() };
    const out: DecisionResult[] = [];
    const receivedAt = new Date().toISOString();
    for (const d of decisions) {
      const seen = prior.get(d.id);
      if (seen) {
        // Same id again: report the first result (applied → duplicate), never apply twice.
        out.push({
          id: d.id,
          status: seen.status === 'applied' ? 'duplicate' : (seen.status as DecisionResult['status']),
          ...(seen.error ? { error: seen.error } : {}),
        });
        continue;
      }
      const row = drafts.get(d.draftId);
      const r = row ? decide(versions, user, d, row, pending) : { status: 'rejected' as const, error: 'unknown draft' };
      prior.set(d.id, { status: r.status, error: r.error ?? null });
      pending.decisions.push({
        id: d.id,
        draft_id: d.draftId,
        user_id: user.id,
        action: d.action,
        status: r.status,
        error: r.error ?? null,
        content_json: d.content ? JSON.stringify(r.content ?? d.content) : null,
        reasons_json: JSON.stringify(d.reasons ?? []),
        note: d.note ?? null,
        dwell_ms: d.dwellMs ?? null,
        decided_at: d.decidedAt,
        received_at: receivedAt,
        diff: r.diff ?? null,
      });
      if (r.status !== 'applied' && row)
        pending.audits.push({
          actor: user.id,
          action: `decision.${r.status}`,
          draftId: d.draftId,
          workflow: row.workflow,
          reasons: d.reasons ?? [],
          detail: { decisionId: d.id, action: d.action, error: r.error, settledBy: r.decidedBy },
        });
      out.push({
        id: d.id,
        status: r.status,
        ...(r.error ? { error: r.error } : {}),
        ...(r.status === 'conflict' ? { decidedBy: r.decidedBy ?? null, draftStatus: r.draftStatus } : {}),
      });
    }
    await writeDraftRows(trx, store.dialect, [...pending.changed.values()]);
    for (let i = 0; i < pending.decisions.length; i += 100)
      await trx
        .insertInto('decisions')
        .values(pending.decisions.slice(i, i + 100))
        .execute();
    if (pending.outcomes.length) await trx.insertInto('outcomes').values(pending.outcomes).execute();
    for (let i = 0; i < pending.audits.length; i += 100) await appendAuditMany(trx, pending.audits.slice(i, i + 100));
    return out;
  });
}

interface Pending {
  /** Draft rows changed by the batch, in their final state (one write each, at the end). */
  changed: Map<string, DraftRow>;
  decisions: Insertable<Database['decisions']>[];
  audits: AuditInput[];
  outcomes: Insertable<Database['outcomes']>[];
}

/** Columns a decision may change; written back at the end of the batch. */
const CHANGING = [
  'status',
  'queue',
  'assignee',
  'specialty',
  'reasons_json',
  'audit_pending',
  'approved_by_json',
  'final_json',
  'decided_by',
  'decided_at',
  'escalation_note',
  'prev_queue',
  'prev_assignee',
  'queue_history_json',
  'version',
  'updated_at',
] as const;

/** What `decide` reads of a draft on SQLite: what it looks at, and every column it may change. */
const DECIDE_COLUMNS = ['id', 'workflow', 'kind', 'input_json', 'second_review', 'owner_id', ...CHANGING] as const;

// PostgreSQL: one statement for the whole batch instead of one UPDATE per decision (a round trip
// each). Every row exists (read at the start of this transaction, which holds the write lock), so
// the insert part never inserts; ON CONFLICT … DO UPDATE is the portable multi-row update.
// SQLite: no round trips, so one prepared UPDATE per row of only the changing columns is cheaper
// than an upsert that binds and checks every column (input_json included) of every row.
async function writeDraftRows(trx: Trx, dialect: Store['dialect'], rows: DraftRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (dialect === 'sqlite') {
    // Compiled once per batch; the store caches the prepared statement by its SQL text.
    const { sql } = trx
      .updateTable('drafts')
      .set(Object.fromEntries(CHANGING.map((c) => [c, null])))
      .where('id', '=', '')
      .compile();
    for (const row of rows) await trx.executeQuery(CompiledQuery.raw(sql, [...CHANGING.map((c) => row[c]), row.id]));
    return;
  }
  for (let i = 0; i < rows.length; i += 100) {
    await trx
      .insertInto('drafts')
      .values(rows.slice(i, i + 100))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => Object.fromEntries(CHANGING.map((c) => [c, eb.ref(`excluded.${c}`)]))),
      )
      .execute();
  }
}

function reject(error: string): Applied {
  return { status: 'rejected', error };
}

function decide(versions: Versions, user: AuthUser, d: Decision, row: DraftRow, pending: Pending): Applied {
  if (!couldSee(user, row)) return reject('this draft is not visible to you');
  if (!isOpen(row))
    return { status: 'conflict', decidedBy: row.decided_by, draftStatus: row.status, error: `already ${row.status}` };
  // A stored row that no longer reads (older writer, hand edit) rejects this decision, never the batch.
  const input = parseJson<Partial<DraftIn> | null>(row.input_json, null);
  if (!input || typeof input.content !== 'object' || input.content === null)
    return reject("this draft's stored data cannot be read; an admin has to repair it");
  const kind = row.kind as DraftKind;
  const approvedBy = parseJson<string[]>(row.approved_by_json, []);
  const reasons = d.reasons ?? [];
  const now = new Date().toISOString();
  const isAudit = row.status === 'auto_approved' && row.audit_pending;

  let content: Content | null = null;
  if (d.action === 'edit') {
    const parsed = contentSchemaFor(kind).safeParse(d.content);
    if (!d.content || !parsed.success) return reject(`edit needs content shaped like a ${kind} draft's content`);
    if (!reasons.length) return reject('edit needs at least one reason code');
    content = parsed.data;
  }
  if (d.action === 'reject' && !reasons.length) return reject('reject needs at least one reason code');
  if ((d.action === 'approve' || d.action === 'edit') && approvedBy.includes(user.id))
    return reject('the second approval must come from a different person');

  const original = input.content as Content;
  const base = { version: versions.next(), updated_at: now, prev_queue: row.queue, prev_assignee: row.assignee };
  let update: Partial<DraftRow> & typeof base;
  let final: Content | null = null;
  let diff: string | null = null;

  if (isAudit) {
    // An audit check of an auto-approved draft: it was already sent; the result becomes an outcome.
    if (d.action === 'escalate') return reject('an audit check cannot be escalated; reject it with reasons instead');
    const correct = d.action === 'approve';
    if (content) diff = diffContent(original, content);
    update = { ...base, audit_pending: false };
    pending.outcomes.push({
      draft_id: row.id,
      correct,
      source: 'audit',
      note: d.note ?? (reasons.length ? reasons.join(', ') : null),
      recorded_by: user.id,
      created_at: now,
    });
  } else if (d.action === 'approve' || d.action === 'edit') {
    final = content ?? parseJson<Content | null>(row.final_json, null) ?? original;
    diff = final === original ? null : diffContent(original, final);
    const needSecond = row.second_review && approvedBy.length === 0;
    update = {
      ...base,
      status: needSecond ? 'awaiting_second' : 'approved',
      approved_by_json: JSON.stringify([...approvedBy, user.id]),
      final_json: JSON.stringify(final),
      ...(needSecond ? {} : { decided_by: user.id, decided_at: now }),
    };
  } else if (d.action === 'reject') {
    update = { ...base, status: 'rejected', final_json: null, decided_by: user.id, decided_at: now };
  } else {
    const target = escalationTarget(d.escalateTo, row, user);
    if ('error' in target) return reject(target.error);
    const note = d.note?.trim() ? d.note.trim() : null;
    const routeReasons = parseJson<string[]>(row.reasons_json, []);
    routeReasons.push(`escalated by ${user.id} to ${target.label}${note ? `: ${note}` : ''}`);
    update = {
      ...base,
      status: 'escalated',
      queue: target.queue,
      assignee: target.assignee,
      specialty: target.specialty ?? row.specialty,
      escalation_note: note,
      reasons_json: JSON.stringify(routeReasons),
      queue_history_json: withQueue(row.queue_history_json, target.queue, target.assignee),
    };
  }

  Object.assign(row, update);
  pending.changed.set(row.id, row);
  pending.audits.push({
    actor: user.id,
    action: isAudit ? `audit.${d.action}` : `decision.${d.action}`,
    draftId: row.id,
    workflow: row.workflow,
    original,
    final: isAudit ? (content ?? original) : final,
    reasons,
    detail: {
      decisionId: d.id,
      status: update.status ?? row.status,
      note: d.note,
      diff,
      ...(update.queue ? { queue: update.queue, assignee: update.assignee } : {}),
    },
  });
  return { status: 'applied', content, diff };
}

function escalationTarget(
  to: EscalateTo | undefined,
  row: DraftRow,
  user: AuthUser,
): { queue: string; assignee: string | null; label: string; specialty?: string } | { error: string } {
  // Default: the account owner when there is one (and it is not the caller), else the admins.
  const kind = to?.kind ?? (row.owner_id && row.owner_id !== user.id ? 'owner' : 'admin');
  if (kind === 'owner') {
    if (!row.owner_id) return { error: 'this account has no owner to escalate to' };
    return { queue: 'owner', assignee: row.owner_id, label: `the account owner ${row.owner_id}` };
  }
  if (kind === 'specialist') {
    const s = to?.specialty ?? row.specialty;
    if (!s) return { error: 'escalating to a specialist needs escalateTo.specialty' };
    return { queue: `specialist:${s}`, assignee: null, label: `a ${s} specialist`, specialty: s };
  }
  return { queue: 'admin', assignee: null, label: 'an admin' };
}
