import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { PolicyView } from '../../../lib/shared/policy/autonomy';
import type { DraftIn } from '../../../lib/shared/schema';
import type { GovDecision, GovItem } from '../../../lib/shared/schema/governance';
import type { WorkflowPolicy } from '../../../lib/shared/schema/workflow';
import type { Database, Dialect, Store, Trx } from '../../store';
import { awaitedLater, dispatched, idIn } from '../../store/fast';
import { getPolicy } from '../policy';
import { editedInPage } from '../sent';

// Governance's data: drafts with their decisions and outcomes as the plain `GovItem`s the pure
// functions in lib/shared/policy read, and the policy as they see it.

/** Parsed stored JSON, or null for none or for text that does not parse. */
export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function countWords(text: string): number {
  const m = text.match(/\S+/g);
  return m ? m.length : 0;
}

/** Words a reviewer has to read: subject and body, note text, or field values. */
export function contentWords(content: unknown): number {
  if (!content || typeof content !== 'object') return 0;
  const c = content as Record<string, unknown>;
  if (typeof c.body === 'string') return countWords(`${typeof c.subject === 'string' ? c.subject : ''} ${c.body}`);
  if (typeof c.text === 'string') return countWords(c.text);
  if (Array.isArray(c.fields))
    return c.fields.reduce(
      (n: number, f: unknown) =>
        n + (f && typeof f === 'object' && 'value' in f ? countWords(String((f as { value: unknown }).value)) : 0),
      0,
    );
  return 0;
}

/** Stable stringify (sorted keys), so "edited but unchanged" is recognised whatever the key order. */
export function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

const ESCALATION_FLAGS = new Set(['pricing', 'legal', 'competitor']);

/** What governance reads of a draft's input: stored with the draft at ingest (migration 98). */
export interface InputFacts {
  words: number;
  /** The input names the account a named one. */
  named: boolean;
  /** An escalating flag (pricing, legal, competitor) or an inbound reply. */
  escalates: boolean;
}

/** The parts of a draft's input (`DraftIn`) the input facts come from. */
interface InputParts {
  content?: unknown;
  account?: { name?: string; tier?: string | null };
  flags?: readonly string[];
  inbound?: boolean;
}

export function inputFacts(input: InputParts): InputFacts {
  return {
    words: contentWords(input.content),
    named: input.account?.tier === 'named',
    escalates: (input.flags ?? []).some((x) => ESCALATION_FLAGS.has(x)) || input.inbound === true,
  };
}

/** `inputFacts` as the drafts table's columns. */
export function inputColumns(input: InputParts): { words: number; input_named: boolean; input_escalates: boolean } {
  const f = inputFacts(input);
  return { words: f.words, input_named: f.named, input_escalates: f.escalates };
}

export interface LoadFilter {
  workflow?: string;
  since?: string;
  modelVersion?: string;
}

/** The filter on the drafts table, for the drafts query and the two joined to it. */
function draftMatches(eb: ExpressionBuilder<Database, 'drafts'>, f: LoadFilter) {
  const conds: Expression<SqlBool>[] = [];
  if (f.workflow) conds.push(eb('drafts.workflow', '=', f.workflow));
  if (f.since) conds.push(eb('drafts.created_at', '>=', f.since));
  if (f.modelVersion) conds.push(eb('drafts.model_version', '=', f.modelVersion));
  return eb.and(conds);
}

/**
 * Drafts with their applied decisions and outcomes, as governance's plain `GovItem`s. Three
 * queries over the same filter (no IN lists), so it scales with the window, not the table.
 */
export async function loadItems(store: Store, f: LoadFilter): Promise<GovItem[]> {
  return readItems(store.db, store.dialect, (eb) => draftMatches(eb, f));
}

/**
 * The refresh's read (service/governance/refresh.ts): the first `limit` drafts changed after
 * version `after`, in version order, and the drafts `also` (by id, any number: one parameter, see
 * `idIn`), with the highest version read. The changed drafts are read along the version index, not
 * looked up one id at a time (11,111 random ids: 47 ms of PostgreSQL's time against 3 ms at
 * 1,000,000 drafts, each id one descent of the primary key).
 *
 * `factsOf`, given the drafts' keys (creation time, id) as soon as they are read, asks for their
 * current facts before their decisions are asked for: the database finds them while this process
 * turns the drafts into items. A draft without facts has never been counted, so every outcome it has
 * is one the watermark has not passed (a batch that moves it past an outcome counts the outcome's
 * draft in the same transaction): its outcomes are those of `newOutcomes` (the batch's, by id range),
 * and only the counted drafts' outcomes are looked up one draft at a time (a day of new drafts at
 * 1,000,000: ~1,100 lookups instead of ~11,000). A draft's outcome beyond the batch's range is
 * counted with the batch that reaches it.
 */
export async function loadChangedItems<F extends { draft_id: string }>(
  db: Trx,
  dialect: Dialect,
  after: number,
  limit: number,
  also: readonly string[],
  factsOf: (keys: readonly (readonly [createdAt: string, id: string])[]) => Promise<F[]>,
  newOutcomes: { after: number; upTo: number },
): Promise<{ items: GovItem[]; changed: number; lastVersion: number | null; facts: Promise<F[]> | null }> {
  // Both asked for at once (the second goes out as the first is answered); the drafts among the
  // changed ones are dropped from the others after.
  const [changed, others] = await Promise.all([
    draftColumns(db).select('version').where('version', '>', after).orderBy('version').limit(limit).execute(),
    also.length
      ? draftColumns(db)
          .where(idIn(dialect, 'drafts.id', also))
          .execute()
      : [],
  ]);
  const have = new Set(changed.map((d) => d.id));
  const drafts = [...changed, ...others.filter((d) => !have.has(d.id))];
  if (!drafts.length) return { items: [], changed: 0, lastVersion: null, facts: null };
  const factsRead = awaitedLater(factsOf(drafts.map((d) => [d.created_at, d.id] as const)));
  const counted = factsRead.then((facts) => new Set(facts.map((f) => f.draft_id)));
  const ids = drafts.map((d) => d.id);
  let items: GovItem[];
  try {
    items = await withDecisions(db, dialect, drafts, {
      ids: (column) => idIn(dialect, column, ids),
      outcomes: { counted, ...newOutcomes },
    });
  } catch (err) {
    // Where the facts' statement failed, the ones after it found the transaction aborted: its own
    // error says why.
    await factsRead;
    throw err;
  }
  const last = changed[changed.length - 1];
  return { items, changed: changed.length, lastVersion: last ? Number(last.version) : null, facts: factsRead };
}

/** The refresh's outcomes of a batch (`loadChangedItems`): the counted drafts' by id, the rest by range. */
async function batchOutcomes(
  db: Trx,
  dialect: Dialect,
  o: { counted: Promise<ReadonlySet<string>>; after: number; upTo: number },
): Promise<OutcomeRow[]> {
  const counted = await o.counted;
  const columns = (q: ReturnType<typeof outcomesFrom>) => q.select([...OUTCOME_COLUMNS, 'outcomes.id as id']);
  const [old, fresh] = await Promise.all([
    counted.size ? columns(outcomesFrom(db).where(idIn(dialect, 'outcomes.draft_id', [...counted]))).execute() : [],
    o.upTo > o.after
      ? columns(outcomesFrom(db).where('outcomes.id', '>', o.after).where('outcomes.id', '<=', o.upTo)).execute()
      : [],
  ]);
  return [...old, ...fresh.filter((r) => !counted.has(r.draftId))].sort((a, b) => Number(a.id) - Number(b.id));
}

const outcomesFrom = (db: Trx) => db.selectFrom('outcomes');
const OUTCOME_COLUMNS = [
  'outcomes.draft_id as draftId',
  'outcomes.correct as correct',
  'outcomes.source as source',
  'outcomes.created_at as at',
] as const;
interface OutcomeRow {
  draftId: string;
  correct: boolean | number;
  source: string;
  at: string;
}

/**
 * The draft columns governance reads. The input JSON only for a draft stored before its input facts
 * were (migration 98); an edit reads the draft's content with it (`withDecisions`).
 */
const draftColumns = (db: Trx) =>
  db
    .selectFrom('drafts')
    .select([
      'id',
      'workflow',
      'confidence',
      'route',
      'status',
      'created_at',
      'decided_at',
      'segment',
      'model_version',
      'canary',
      'account_tier',
      'specialty',
      'reasons_json',
      'words',
      'input_named',
      'input_escalates',
      sql<string | null>`case when drafts.words is null then drafts.input_json end`.as('input_json'),
    ]);

type DraftRow = Awaited<ReturnType<ReturnType<typeof draftColumns>['execute']>>[number];

/** Drafts matching `where`, with their decisions and outcomes read by joining on the same filter. */
async function readItems(
  db: Trx,
  dialect: Dialect,
  where: (eb: ExpressionBuilder<Database, 'drafts'>) => Expression<SqlBool>,
): Promise<GovItem[]> {
  const drafts = await draftColumns(db).where(where).orderBy('created_at').execute();
  return withDecisions(db, dialect, drafts, { where });
}

/**
 * These drafts as `GovItem`s with their applied decisions and outcomes: read by draft id on their
 * own indexes (`by.ids`) or by joining to the drafts on the drafts' filter (`by.where`). Joined to the
 * drafts for a list of ids instead, PostgreSQL hashes the drafts and scans every decision and
 * outcome (250 ms a chunk of 500 at 1,000,000 drafts).
 */
async function withDecisions(
  db: Trx,
  dialect: Dialect,
  drafts: readonly DraftRow[],
  by:
    | {
        ids: (column: string) => Expression<SqlBool>;
        /** The refresh's outcomes (`batchOutcomes`) instead of every draft's by id. */
        outcomes?: { counted: Promise<ReadonlySet<string>>; after: number; upTo: number };
      }
    | { where: (eb: ExpressionBuilder<Database, 'drafts'>) => Expression<SqlBool> },
): Promise<GovItem[]> {
  const cq = (
    'ids' in by
      ? db.selectFrom('decisions').where(by.ids('decisions.draft_id'))
      : db.selectFrom('decisions').innerJoin('drafts', 'drafts.id', 'decisions.draft_id').where(by.where)
  )
    .select([
      'decisions.draft_id as draftId',
      'decisions.user_id as userId',
      'decisions.action as action',
      'decisions.dwell_ms as dwellMs',
      // The server's receive time (the client's decidedAt is information only; its clock may be off).
      'decisions.received_at as decidedAt',
      'decisions.reasons_json as reasonsJson',
      // Whether an edit changed the content, stored when it was applied (migration 101); an edit
      // stored before that is compared with the draft's content, both read with it (the draft's a row
      // lookup each). An edit that has it is not read whole.
      'decisions.edit_changed as editChanged',
      sql<string | null>`case when decisions.action = 'edit' and decisions.edit_changed is null
        then decisions.content_json end`.as('contentJson'),
      sql<string | null>`case when decisions.action = 'edit' and decisions.edit_changed is null
        then (select x.input_json from drafts x where x.id = decisions.draft_id) end`.as('draftInputJson'),
    ])
    .where('decisions.status', '=', 'applied');
  // Asked for together, sent (`dispatched`) and awaited after the drafts are turned into items: the
  // database answers while this process works (in a transaction, one connection runs them one after
  // another).
  const decisionsRead = awaitedLater(cq.orderBy('decisions.received_at').execute());

  const outcomesRead: Promise<OutcomeRow[]> = awaitedLater(
    'ids' in by && by.outcomes
      ? batchOutcomes(db, dialect, by.outcomes)
      : ('ids' in by
          ? outcomesFrom(db).where(by.ids('outcomes.draft_id'))
          : outcomesFrom(db).innerJoin('drafts', 'drafts.id', 'outcomes.draft_id').where(by.where)
        )
          .select(OUTCOME_COLUMNS)
          .orderBy('outcomes.id')
          .execute(),
  );
  const inPageRead = awaitedLater(
    editedInPage(
      db,
      dialect,
      drafts.map((d) => d.id),
    ),
  );
  await dispatched();

  const byId = new Map<string, GovItem>();
  // The draft's content in stable form, for its edits.
  const stableOf = new Map<string, string>();
  for (const d of drafts) {
    const input = (parseJson(d.input_json) ?? {}) as Partial<DraftIn>;
    // Stored together at ingest; the input JSON was read where they were not (`draftColumns`).
    const facts: InputFacts =
      d.words !== null
        ? { words: Number(d.words), named: !!d.input_named, escalates: !!d.input_escalates }
        : inputFacts(input);
    byId.set(d.id, {
      id: d.id,
      workflow: d.workflow,
      confidence: Number(d.confidence),
      route: d.route === 'auto' || d.route === 'manual' ? d.route : 'review',
      status: d.status,
      createdAt: d.created_at,
      settledAt: d.decided_at,
      segment: d.segment,
      modelVersion: d.model_version,
      canary: !!d.canary,
      // Every escalation counts (issue 16): named account, flags, inbound, and what routing found at
      // ingest: detected content (a specialist queue) and a segment's repeated failures.
      ruleEscalated:
        (d.account_tier ?? (facts.named ? 'named' : null)) === 'named' ||
        facts.escalates ||
        d.specialty !== null ||
        d.reasons_json.includes('repeated failures:'),
      words: facts.words,
      decisions: [],
      outcomes: [],
    });
  }
  const [decisions, outcomes, inPage] = await Promise.all([decisionsRead, outcomesRead, inPageRead]);
  for (const d of decisions) {
    const item = byId.get(d.draftId);
    if (!item) continue;
    const action = d.action as GovDecision['action'];
    const dec: GovDecision = {
      userId: d.userId,
      action,
      dwellMs: d.dwellMs === null ? null : Number(d.dwellMs),
      decidedAt: d.decidedAt,
      reasons: (parseJson(d.reasonsJson) as string[] | null) ?? [],
    };
    if (action === 'edit' && d.editChanged !== null) dec.changed = !!d.editChanged;
    else if (action === 'edit') {
      let original = stableOf.get(item.id);
      if (original === undefined) {
        original = stable((parseJson(d.draftInputJson) as Partial<DraftIn> | null)?.content ?? null);
        stableOf.set(item.id, original);
      }
      dec.changed = stable(parseJson(d.contentJson)) !== original;
    }
    item.decisions.push(dec);
  }
  // Issue 18: an approval whose text the person changed in the page (before approving, or before
  // sending/saving) is an edit for every metric, calibration and graduation rule.
  for (const draftId of inPage.keys()) {
    const item = byId.get(draftId);
    const last = item?.decisions.findLast((d) => d.action === 'approve' || d.action === 'edit');
    if (!last) continue;
    last.action = 'edit';
    last.changed = true;
    last.reasons = [...(last.reasons ?? []), 'edited_in_page'];
  }
  for (const o of outcomes) {
    const item = byId.get(o.draftId);
    if (!item) continue;
    item.outcomes.push({ correct: !!o.correct, source: o.source as 'audit' | 'customer' | 'qa', at: o.at });
  }
  return [...byId.values()];
}

/** The workflow's policy (the server's own reader, so governance and routing never disagree). */
export function loadPolicy(store: Store | { db: Trx }, workflow: string): Promise<WorkflowPolicy> {
  return getPolicy(store.db, workflow);
}

/** When the workflow's autonomy level last changed through governance (step back or graduation). */
export async function levelChangedAt(store: Store, workflow: string): Promise<string | null> {
  const row = await store.db
    .selectFrom('audit_log')
    .select('at')
    .where('workflow', '=', workflow)
    .where('action', 'in', ['workflow.step_back', 'workflow.graduated'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.at ?? null;
}

/** A policy as lib/shared/policy/autonomy reads it. */
export const view = (p: WorkflowPolicy): PolicyView => ({
  workflow: p.workflow,
  level: p.level,
  autoThreshold: p.autoThreshold,
  reviewThreshold: p.reviewThreshold,
  falseAutoTarget: p.falseAutoTarget,
  minAuditedToTighten: p.minAuditedToTighten,
});
