import type { Insertable } from 'kysely';
import { approvalAuditChance, approvalAuditReason } from '../../lib/shared/policy/approval-audit';
import { diffContent } from '../../lib/shared/policy/diff';
import {
  type Content,
  contentSchemaFor,
  type Decision,
  type DecisionResult,
  type DraftIn,
  type DraftKind,
  type EscalateTo,
  WorkflowPolicy,
} from '../../lib/shared/schema';
import { AUDIT_COLUMNS, type AuditInput, auditValues } from '../audit';
import type { Database, Store, Trx, Versions } from '../store';
import { type Column, insertRows, memo, params, pgJsonRows, pgRows, run } from '../store/fast';
import type { AuthUser } from '../tokens';
import { contentWords, stable } from './governance/load';
import { canSee, couldSee, type DraftRow, isOpen, parseJson, withQueue } from './views';
import { type DraftEvent, decisionEventType, enqueueEvents } from './webhooks/outbox';

/**
 * What a decision reads of a draft: the columns it looks at and every column it may change, and
 * `original_json`, the AI's content as JSON text (null when the stored draft cannot be read).
 */
type DecideRow = Pick<DraftRow, (typeof DECIDE_COLUMNS)[number]> & { original_json: string | null };

interface Applied {
  status: DecisionResult['status'];
  error?: string;
  decidedBy?: string | null;
  draftStatus?: string;
  content?: Content | null;
  /** `content` as JSON (serialised once for the draft, the decision and the audit entry). */
  contentJson?: string | null;
  diff?: string | null;
  /** The decision was the audit check of an approved or auto-approved draft. */
  audit?: boolean;
}

/**
 * Sampling of people's approvals into audit (issue 16 §4): each workflow's `approvalAuditRate` in
 * this batch and the random source (the server's, injectable in tests).
 */
interface ApprovalSampling {
  rates: Map<string, number>;
  random: () => number;
}

/**
 * Applies a batch of decisions in one write transaction (writers are serialised by the version
 * counter's row lock, so "first decision settles, later ones conflict" holds on PostgreSQL too).
 * Every decision is recorded, whatever its result; the decision id is the idempotency key.
 *
 * The hot path of the server: its statements are fixed SQL text (store/fast.ts), one or two reads
 * and, on PostgreSQL, one statement for every write of the batch (drafts, decisions, audit, counter).
 *
 * Optimistic about ids: a batch of new decisions (the usual case) does not look up earlier ones.
 * If an id is already recorded (a client resending a batch whose answer it never got), inserting
 * it fails on the primary key, the whole transaction rolls back, and the batch runs again with the
 * lookup, which reports it as `duplicate` without applying anything twice.
 */
export async function applyDecisions(
  store: Store,
  user: AuthUser,
  decisions: Decision[],
  random: () => number = Math.random,
): Promise<DecisionResult[]> {
  try {
    return await applyBatch(store, user, decisions, false, random);
  } catch (e) {
    if (!isDecisionIdTaken(e)) throw e;
    return applyBatch(store, user, decisions, true, random);
  }
}

/**
 * The `approvalAuditRate` of each workflow whose drafts this batch may approve (read in the
 * decision transaction; none read when the batch approves nothing).
 */
async function approvalAuditRates(trx: Trx, decisions: Decision[], drafts: Map<string, DecideRow>) {
  const rates = new Map<string, number>();
  const workflows = new Set<string>();
  for (const d of decisions) {
    const row = drafts.get(d.draftId);
    if (row && (d.action === 'approve' || d.action === 'edit') && !row.canary) workflows.add(row.workflow);
  }
  if (!workflows.size) return rates;
  const rows = await trx
    .selectFrom('workflows')
    .select(['workflow', 'policy_json'])
    .where('workflow', 'in', [...workflows])
    .execute();
  for (const r of rows) {
    // Parsed like every stored policy (service/policy.ts): a setting that does not parse is not set.
    const stored = WorkflowPolicy.pick({ approvalAuditRate: true })
      .partial()
      .safeParse(parseJson<unknown>(r.policy_json, null));
    const rate = stored.success ? stored.data.approvalAuditRate : undefined;
    if (rate) rates.set(r.workflow, rate);
  }
  return rates;
}

/** A decision id that is already recorded (SQLite / PostgreSQL primary-key violation on `decisions`). */
function isDecisionIdTaken(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string; message?: string };
  if (err?.code === '23505') return err.constraint === 'decisions_pkey';
  return err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && /\bdecisions\.id\b/.test(err.message ?? '');
}

async function applyBatch(
  store: Store,
  user: AuthUser,
  decisions: Decision[],
  lookUpIds: boolean,
  random: () => number,
): Promise<DecisionResult[]> {
  const { dialect } = store;
  return store.write(async (trx, versions) => {
    // Read everything the batch needs at once; later decisions in the batch see the effects of
    // earlier ones through `drafts` (updated in place) and `prior`.
    const { prior, drafts } = await readBatch(store, trx, lookUpIds ? [...new Set(decisions.map((d) => d.id))] : [], [
      ...new Set(decisions.map((d) => d.draftId)),
    ]);

    const sampling: ApprovalSampling = { rates: await approvalAuditRates(trx, decisions, drafts), random };
    const pending: Pending = { decisions: [], audits: [], outcomes: [], changed: new Map() };
    // Webhook events, in the order the decisions took effect (written to the outbox at the end).
    const events: DraftEvent[] = [];
    const out: DecisionResult[] = [];
    // One time for the batch: received, decided, audited.
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
      if (!row) {
        // A draft that does not exist: rejected and not stored (nothing to record it against; an
        // id typed by hand or a draft id from another server must not fill the decisions table).
        out.push({ id: d.id, status: 'rejected', error: 'unknown draft' });
        continue;
      }
      const r = decide(versions, user, d, row, pending, receivedAt, sampling);
      prior.set(d.id, { status: r.status, error: r.error ?? null });
      // An audit check tells the pipeline only when it found the draft wrong (a human approval's
      // audit too: its draft stays `approved`, which must not read as a second `draft.decided`).
      const eventType =
        r.status !== 'applied'
          ? null
          : r.audit
            ? d.action === 'approve'
              ? null
              : 'draft.audit_failed'
            : decisionEventType(row.status, d.action);
      if (eventType) events.push({ type: eventType, draftId: d.draftId, decisionId: d.id });
      const stored = d.content ? (r.contentJson ?? JSON.stringify(r.content ?? d.content)) : null;
      pending.decisions.push([
        d.id,
        d.draftId,
        user.id,
        d.action,
        r.status,
        r.error ?? null,
        stored,
        JSON.stringify(d.reasons ?? []),
        d.note ?? null,
        d.dwellMs ?? null,
        // The client's clock, kept as information, in UTC; windows and exports use `receivedAt`.
        new Date(d.decidedAt).toISOString(),
        receivedAt,
        r.diff ?? null,
        r.status === 'applied' && d.action === 'edit' ? editChanged(stored, row.original_json) : null,
      ]);
      if (r.status !== 'applied')
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
    if (pending.outcomes.length) await trx.insertInto('outcomes').values(pending.outcomes).execute();
    const changed = [...pending.changed.values()];
    const audits = pending.audits.map((e) => auditValues(e, receivedAt));
    if (dialect === 'postgres') {
      await writePg(trx, changed, pending.decisions, audits, versions);
      await enqueueEvents(trx, events);
      return out;
    }
    // SQLite: no round trips, so one prepared UPDATE per row of only the changing columns is
    // cheaper than an UPDATE … FROM that the planner has to join.
    const updates = changed.map((row) => [...CHANGING.map(([c]) => row[c]), row.id]);
    if (store.sqlite) store.sqlite.runEach(SQLITE_UPDATE_DRAFT, updates);
    else for (const u of updates) await run(trx, SQLITE_UPDATE_DRAFT, u);
    await insertRows(store, trx, 'decisions', DECISION_COLUMNS, pending.decisions);
    await insertRows(store, trx, 'audit_log', AUDIT_COLUMNS, audits);
    await enqueueEvents(trx, events);
    return out;
  });
}

type Prior = { status: string; error: string | null };

/**
 * The decisions already recorded under `decisionIds` (none asked: none read), and the drafts
 * decided (SQLite: a statement each; PostgreSQL: one for both).
 */
async function readBatch(
  store: Store,
  trx: Trx,
  decisionIds: string[],
  draftIds: string[],
): Promise<{ prior: Map<string, Prior>; drafts: Map<string, DecideRow> }> {
  const prior = new Map<string, Prior>();
  const drafts = new Map<string, DecideRow>();
  if (store.dialect === 'postgres') {
    const rows = decisionIds.length
      ? await run<PgReadRow>(trx, PG_READ, [draftIds, decisionIds])
      : await run<PgReadRow>(trx, PG_READ_DRAFTS, [draftIds]);
    for (const r of rows)
      if (r.prior) prior.set(r.id, { status: r.status, error: r.error });
      else {
        const { input_json, prior: _p, error: _e, ...row } = r;
        drafts.set(r.id, { ...row, original_json: originalContentJson(input_json) });
      }
    return { prior, drafts };
  }
  for (let i = 0; i < decisionIds.length; i += 500) {
    const chunk = decisionIds.slice(i, i + 500);
    const text = memo(
      `sqlite:prior:${chunk.length}`,
      () => `select id, status, error from decisions where id in (${params('sqlite', chunk.length)})`,
    );
    for (const r of sqliteAll<Prior & { id: string }>(store, text, chunk)) prior.set(r.id, r);
  }
  for (let i = 0; i < draftIds.length; i += 500) {
    const chunk = draftIds.slice(i, i + 500);
    const text = memo(
      `sqlite:decide:${chunk.length}`,
      () =>
        `select ${DECIDE_COLUMNS.join(', ')}, ${SQLITE_ORIGINAL} as original_json from drafts where id in (${params('sqlite', chunk.length)})`,
    );
    for (const r of sqliteAll<DecideRow>(store, text, chunk)) drafts.set(r.id, r);
  }
  return { prior, drafts };
}

type PgReadRow = Omit<DecideRow, 'original_json'> & { input_json: string; prior: boolean; error: string | null };

/**
 * SQLite: the AI's content as JSON text, extracted by SQLite from the stored input (no parse of the
 * whole input in JavaScript); null when the stored input is not JSON or has no content object.
 */
const SQLITE_ORIGINAL = `case when json_valid(input_json) and json_type(input_json, '$.content') = 'object' then json_extract(input_json, '$.content') end`;

/** The same in JavaScript (PostgreSQL: a bad stored row must fail its decision, not the statement). */
function originalContentJson(inputJson: string): string | null {
  const input = parseJson<Partial<DraftIn> | null>(inputJson, null);
  const content = input && typeof input === 'object' ? input.content : undefined;
  return content && typeof content === 'object' && !Array.isArray(content) ? JSON.stringify(content) : null;
}

function sqliteAll<R>(store: Store, text: string, values: unknown[]): R[] {
  if (!store.sqlite) throw new Error('SQLite store without its direct statements');
  return store.sqlite.all<R>(text, values);
}

/**
 * PostgreSQL: every write of the batch in one statement (one round trip): the changed drafts
 * (only their changing columns), the decisions, the audit entries and the version counter. The
 * rows go as one jsonb parameter per table (store/fast.ts `pgRows`), so the statement text is the
 * same for every batch.
 */
async function writePg(
  trx: Trx,
  changed: DecideRow[],
  decisionRows: unknown[][],
  auditRows: unknown[][],
  versions: Versions,
): Promise<void> {
  const draftRows = changed.map((row) => [row.id, ...CHANGING.map(([c]) => row[c])]);
  await run(trx, PG_WRITE, [pgRows(draftRows), pgRows(decisionRows), pgRows(auditRows), versions.current()]);
  versions.stored();
}

interface Pending {
  /** Draft rows changed by the batch, in their final state (one write each, at the end). */
  changed: Map<string, DecideRow>;
  /** Decision rows in `DECISION_COLUMNS` order. */
  decisions: unknown[][];
  audits: AuditInput[];
  outcomes: Insertable<Database['outcomes']>[];
}

/** Columns a decision may change; written back at the end of the batch. */
const CHANGING = [
  ['status', 'text'],
  ['queue', 'text'],
  ['assignee', 'text'],
  ['specialty', 'text'],
  ['reasons_json', 'text'],
  ['audit', 'boolean'],
  ['audit_pending', 'boolean'],
  ['approved_by_json', 'text'],
  ['final_json', 'text'],
  ['decided_by', 'text'],
  ['decided_at', 'text'],
  ['escalation_note', 'text'],
  ['prev_queue', 'text'],
  ['prev_assignee', 'text'],
  ['queue_history_json', 'text'],
  ['version', 'bigint'],
  ['updated_at', 'text'],
  // A decision ends the claim on the draft, whoever held it (contract v1.1 "Claims": released on
  // decide): the next stage — a second approver, a specialist after an escalation — starts free.
  ['claimed_by', 'text'],
  ['claimed_by_name', 'text'],
  ['claimed_until', 'text'],
] as const satisfies readonly (Column & [keyof DraftRow, string])[];

/** The columns a decision reads of a draft (besides the content): what it looks at, and every column it may change. */
const DECIDE_COLUMNS = [
  'id',
  'workflow',
  'kind',
  'route',
  'second_review',
  'owner_id',
  'canary',
  ...CHANGING.map(([c]) => c),
] as const;

const DECISION_COLUMNS: readonly Column[] = [
  ['id', 'text'],
  ['draft_id', 'text'],
  ['user_id', 'text'],
  ['action', 'text'],
  ['status', 'text'],
  ['error', 'text'],
  ['content_json', 'text'],
  ['reasons_json', 'text'],
  ['note', 'text'],
  ['dwell_ms', 'bigint'],
  ['decided_at', 'text'],
  ['received_at', 'text'],
  ['diff', 'text'],
  ['edit_changed', 'boolean'],
];

/**
 * Whether an edit's content differs from the draft's, as governance compares them (the content in
 * stable form: keys sorted, service/governance/load.ts `stable`); null where either is missing.
 */
function editChanged(contentJson: string | null, originalJson: string | null): boolean | null {
  if (contentJson === null || originalJson === null) return null;
  return stable(JSON.parse(contentJson)) !== stable(JSON.parse(originalJson));
}

/**
 * PostgreSQL: the drafts of a batch (`prior` false); PG_READ adds, in the same columns and the same
 * round trip, the decisions already recorded under the batch's ids (`prior` true; id, status and
 * error). Each id is looked up on its own (LATERAL … OFFSET 0 keeps it a primary-key probe: on a
 * young table with stale statistics the planner preferred a scan of the whole table).
 */
const PG_DECIDE_COLUMNS: string[] = [...DECIDE_COLUMNS, 'input_json'];
const PG_READ_DRAFTS = `select false as prior, ${PG_DECIDE_COLUMNS.map((c) => `x.${c}`).join(', ')}, null::text as error
  from unnest($1::text[]) as k(id) cross join lateral (select ${PG_DECIDE_COLUMNS.join(', ')} from drafts where drafts.id = k.id offset 0) x`;
const PG_READ = (() => {
  const priorCols = PG_DECIDE_COLUMNS.map((c) => (c === 'id' || c === 'status' ? `d.${c}` : `null as ${c}`)).join(', ');
  return `${PG_READ_DRAFTS}
union all
select true, ${priorCols}, d.error
  from unnest($2::text[]) as k(id) cross join lateral (select id, status, error from decisions where decisions.id = k.id offset 0) d`;
})();

const SQLITE_UPDATE_DRAFT = `update drafts set ${CHANGING.map(([c]) => `${c} = ?`).join(', ')} where id = ?`;

const DRAFT_UPDATE: readonly Column[] = [['id', 'text'], ...CHANGING];
const PG_WRITE = (() => {
  const set = CHANGING.map(([c]) => `${c} = s.${c}`).join(', ');
  const cols = (c: readonly Column[]) => c.map(([n]) => n).join(', ');
  return `with changed as (update drafts set ${set} from (${pgJsonRows(DRAFT_UPDATE, 1)}) as s where drafts.id = s.id),
decided as (insert into decisions (${cols(DECISION_COLUMNS)}) ${pgJsonRows(DECISION_COLUMNS, 2)}),
audited as (insert into audit_log (${cols(AUDIT_COLUMNS)}) ${pgJsonRows(AUDIT_COLUMNS, 3)})
update counters set value = $4::bigint where name = 'version'`;
})();

/** The error of a plain approve of a draft routed `manual` (contract v1.1, high-risk friction). */
export const MANUAL_NEEDS_CONTENT =
  'this draft was routed manual (below its review threshold): it has no one-click approve; write it from the draft and send the content (Edit, then Save and approve)';

/**
 * Why `user` may not decide this open draft now, or null when they may: the draft must be in one of
 * their queues as it is now (`canSee` on the current queue and assignee, not on its history), and
 * they must not have approved it already (two-person rule: the second decision is someone else's).
 */
export function mayDecideNow(
  user: AuthUser,
  row: Pick<DraftRow, 'queue' | 'assignee'>,
  approvedBy: readonly string[],
): string | null {
  if (!canSee(user, row.queue, row.assignee)) {
    const where =
      row.assignee !== null
        ? `assigned to ${row.assignee}`
        : row.queue.startsWith('specialist:')
          ? `with a ${row.queue.slice('specialist:'.length)} specialist`
          : `in the ${row.queue} queue`;
    return `this draft is no longer yours to decide: it is now ${where}`;
  }
  if (approvedBy.includes(user.id)) return 'the second approval must come from a different person';
  return null;
}

function reject(error: string): Applied {
  return { status: 'rejected', error };
}

function decide(
  versions: Versions,
  user: AuthUser,
  d: Decision,
  row: DecideRow,
  pending: Pending,
  now: string,
  sampling: ApprovalSampling,
): Applied {
  // Reads (and this answer) keep the history-based visibility: someone who could see the draft
  // learns that it was settled (`conflict`) or moved on; someone who never could learns nothing.
  if (!couldSee(user, row)) return reject('this draft is not visible to you');
  // Contract v1.1 "Deadlines": a decision on an expired draft is rejected with "expired".
  if (row.status === 'expired') return reject('expired');
  if (!isOpen(row))
    return { status: 'conflict', decidedBy: row.decided_by, draftStatus: row.status, error: `already ${row.status}` };
  const approvedBy = parseJson<string[]>(row.approved_by_json, []);
  // Authority to decide is current: the draft's queue and assignee as they are now (an escalation
  // moves it away from everyone who could decide it before, the escalator included), and the
  // two-person rule (whoever approved it once decides nothing more on it).
  const authority = mayDecideNow(user, row, approvedBy);
  if (authority) return reject(authority);
  // A stored row that no longer reads (older writer, hand edit) rejects this decision, never the batch.
  const originalJson = row.original_json;
  if (originalJson === null) return reject("this draft's stored data cannot be read; an admin has to repair it");
  const kind = row.kind as DraftKind;
  const reasons = d.reasons ?? [];
  // An audit check: of an auto-approved draft, or of a person's approval sampled into audit.
  const isAudit =
    (row.status === 'auto_approved' || (row.status === 'approved' && row.queue === 'audit')) && row.audit_pending;
  // High-risk friction: a draft routed `manual` is written by a person from the draft. A plain
  // approve of it (no content) is refused until someone has written it; "Save and approve" (an
  // edit, or an approve carrying the written content) is how it is approved.
  const writesIt = !isAudit && row.route === 'manual' && approvedBy.length === 0;
  if (writesIt && d.action === 'approve' && !d.content) return reject(MANUAL_NEEDS_CONTENT);

  let content: Content | null = null;
  if (d.action === 'edit' || (writesIt && d.action === 'approve')) {
    const parsed = contentSchemaFor(kind).safeParse(d.content);
    if (!d.content || !parsed.success) return reject(`${d.action} needs content shaped like a ${kind} draft's content`);
    if (d.action === 'edit' && !reasons.length) return reject('edit needs at least one reason code');
    content = parsed.data;
  }
  if (d.action === 'reject' && !reasons.length) return reject('reject needs at least one reason code');

  // The original content travels as the JSON text read from the database (draft row, decision and
  // audit entry); it is parsed only to diff it against something else.
  const original = () => JSON.parse(originalJson) as Content;
  const contentJson = content ? JSON.stringify(content) : null;
  const prevQueue = row.queue;
  const prevAssignee = row.assignee;
  let finalJson: string | null = null;
  let diff: string | null = null;
  let sampled: { rate: number; fast: boolean } | null = null;

  if (isAudit) {
    // An audit check of an auto-approved draft: it was already sent; the result becomes an outcome.
    if (d.action === 'escalate') return reject('an audit check cannot be escalated; reject it with reasons instead');
    if (content) diff = diffContent(original(), content);
    row.audit_pending = false;
    pending.outcomes.push({
      draft_id: row.id,
      correct: d.action === 'approve',
      source: 'audit',
      note: d.note ?? (reasons.length ? reasons.join(', ') : null),
      recorded_by: user.id,
      created_at: now,
    });
  } else if (d.action === 'approve' || d.action === 'edit') {
    // The final content: this edit's, else the first approver's (second review), else the original.
    const earlier = content ? null : parseJson<Content | null>(row.final_json, null);
    if (content) {
      finalJson = contentJson;
      diff = diffContent(original(), content);
    } else if (earlier) {
      finalJson = JSON.stringify(earlier);
      diff = diffContent(original(), earlier);
    } else finalJson = originalJson;
    const needSecond = row.second_review && approvedBy.length === 0;
    row.status = needSecond ? 'awaiting_second' : 'approved';
    row.approved_by_json = JSON.stringify([...approvedBy, user.id]);
    row.final_json = finalJson;
    if (!needSecond) {
      row.decided_by = user.id;
      row.decided_at = now;
      sampled = sampleApproval(row, prevQueue, finalJson, d, sampling);
    }
  } else if (d.action === 'reject') {
    row.status = 'rejected';
    row.final_json = null;
    row.decided_by = user.id;
    row.decided_at = now;
  } else {
    const target = escalationTarget(d.escalateTo, row, user);
    if ('error' in target) return reject(target.error);
    const note = d.note?.trim() ? d.note.trim() : null;
    const routeReasons = parseJson<string[]>(row.reasons_json, []);
    routeReasons.push(`escalated by ${user.id} to ${target.label}${note ? `: ${note}` : ''}`);
    row.status = 'escalated';
    row.queue = target.queue;
    row.assignee = target.assignee;
    row.specialty = target.specialty ?? row.specialty;
    row.escalation_note = note;
    row.reasons_json = JSON.stringify(routeReasons);
    row.queue_history_json = withQueue(row.queue_history_json, target.queue, target.assignee);
  }
  row.version = versions.next();
  row.updated_at = now;
  row.claimed_by = null;
  row.claimed_by_name = null;
  row.claimed_until = null;
  row.prev_queue = prevQueue;
  row.prev_assignee = prevAssignee;

  pending.changed.set(row.id, row);
  const escalated = d.action === 'escalate' && !isAudit;
  pending.audits.push({
    actor: user.id,
    action: isAudit ? `audit.${d.action}` : `decision.${d.action}`,
    draftId: row.id,
    workflow: row.workflow,
    originalJson,
    finalJson: isAudit ? (contentJson ?? originalJson) : finalJson,
    reasons,
    detail: {
      decisionId: d.id,
      status: row.status,
      note: d.note,
      diff,
      ...(escalated ? { queue: row.queue, assignee: row.assignee } : {}),
      ...(sampled ? { sampledForAudit: sampled } : {}),
    },
  });
  return { status: 'applied', content, contentJson, diff, audit: isAudit };
}

/**
 * Samples a person's final approval into the audit queue (issue 16 §4), in the decision's own
 * transaction: approvals from the shared review and manual queues (not named accounts, specialists
 * or second reviews, which already had a second person; not canaries), at the workflow's
 * `approvalAuditRate`, four times as often when faster than the text can be skimmed. A sampled
 * draft stays `approved` (it is sent); whoever audits it must be someone other than its approvers.
 */
function sampleApproval(
  row: DecideRow,
  prevQueue: string,
  finalJson: string | null,
  d: Decision,
  sampling: ApprovalSampling,
): { rate: number; fast: boolean } | null {
  const base = sampling.rates.get(row.workflow);
  if (!base || row.canary || row.second_review || row.assignee !== null) return null;
  if (prevQueue !== 'review' && prevQueue !== 'manual') return null;
  const chance = approvalAuditChance(base, d.dwellMs, contentWords(parseJson<unknown>(finalJson, null)));
  if (!(sampling.random() < chance.rate)) return null;
  row.queue = 'audit';
  row.audit = true;
  row.audit_pending = true;
  row.queue_history_json = withQueue(row.queue_history_json, 'audit', null);
  row.reasons_json = JSON.stringify([...parseJson<string[]>(row.reasons_json, []), approvalAuditReason(chance)]);
  return chance;
}

function escalationTarget(
  to: EscalateTo | undefined,
  row: Pick<DraftRow, 'owner_id' | 'specialty'>,
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
