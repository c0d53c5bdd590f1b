import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { REPEATED_FAILURES, routeDraft } from '../../lib/shared/policy/routing';
import type { DraftIn, DraftResult, RoutingResult, WorkflowPolicy } from '../../lib/shared/schema';
import { type AuditInput, appendAuditMany } from '../audit';
import type { Database, Dialect, Store, Trx, Versions } from '../store';
import { type Column, insertRows, memo, params, run } from '../store/fast';
import { inputColumns, stable } from './governance/load';
import { getPolicy } from './policy';
import { parseJson } from './views';
import { enqueueEvents } from './webhooks/outbox';

type DraftInsert = Insertable<Database['drafts']>;

/** Every column of a new draft row (a fixed statement per batch size; see store/fast.ts). */
const DRAFT_COLUMNS = [
  ['id', 'text'],
  ['external_id', 'text'],
  ['workflow', 'text'],
  ['kind', 'text'],
  ['input_json', 'text'],
  ['confidence', 'double precision'],
  ['route', 'text'],
  ['status', 'text'],
  ['assignee', 'text'],
  ['queue', 'text'],
  ['specialty', 'text'],
  ['reasons_json', 'text'],
  ['second_review', 'boolean'],
  ['audit', 'boolean'],
  ['audit_pending', 'boolean'],
  ['priority_rank', 'double precision'],
  ['priority_reason', 'text'],
  ['approved_by_json', 'text'],
  ['final_json', 'text'],
  ['decided_by', 'text'],
  ['decided_at', 'text'],
  ['escalation_note', 'text'],
  ['segment', 'text'],
  ['account_tier', 'text'],
  ['owner_id', 'text'],
  ['deal_value', 'double precision'],
  ['expires_at', 'text'],
  ['model_version', 'text'],
  ['auto_threshold', 'double precision'],
  ['review_threshold', 'double precision'],
  ['canary', 'boolean'],
  ['canary_of', 'text'],
  ['queue_history_json', 'text'],
  ['version', 'bigint'],
  ['created_version', 'bigint'],
  ['created_at', 'text'],
  ['updated_at', 'text'],
  ['words', 'bigint'],
  ['input_named', 'boolean'],
  ['input_escalates', 'boolean'],
] as const satisfies readonly (Column & [keyof DraftInsert, string])[];

type KnownRow = Parameters<typeof resultFromRow>[0];
const KNOWN_SELECT =
  'id, external_id, route, status, assignee, queue, reasons_json, second_review, specialty, audit, input_json';

/** The drafts already stored under these external ids (idempotency). */
async function readByExternalIds(trx: Trx, dialect: Dialect, ids: string[]): Promise<KnownRow[]> {
  if (dialect === 'postgres')
    // One unique-index probe per id (LATERAL … OFFSET 0): with stale statistics on a young table the
    // planner otherwise scanned the whole table for `external_id = any($1)`.
    return run<KnownRow>(
      trx,
      `select x.* from unnest($1::text[]) as k(id) cross join lateral (select ${KNOWN_SELECT} from drafts where external_id = k.id offset 0) x`,
      [ids],
    );
  const rows: KnownRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const text = memo(
      `sqlite:known:${chunk.length}`,
      () => `select ${KNOWN_SELECT} from drafts where external_id in (${params('sqlite', chunk.length)})`,
    );
    rows.push(...(await run<KnownRow>(trx, text, chunk)));
  }
  return rows;
}

function resultFromRow(row: {
  input_json?: string;
  id: string;
  external_id: string;
  route: string;
  status: string;
  assignee: string | null;
  queue: string;
  reasons_json: string;
  second_review: boolean;
  specialty: string | null;
  audit: boolean;
}): DraftResult {
  return {
    id: row.id,
    externalId: row.external_id,
    route: row.route as DraftResult['route'],
    status: row.status as DraftResult['status'],
    assignee: row.assignee,
    queue: row.queue,
    reasons: parseJson<string[]>(row.reasons_json, []),
    secondReview: row.second_review,
    ...(row.specialty ? { specialty: row.specialty as DraftResult['specialty'] } : {}),
    ...(row.audit ? { audit: true } : {}),
  };
}

/**
 * Confidences of the latest created drafts of every segment of `workflow` that the batch mentions,
 * newest first. One statement: a UNION ALL of per-segment `ORDER BY created_version DESC LIMIT n`
 * subqueries, so each reads only n index entries (a window function would read whole segments).
 */
async function loadHistories(store: Store, trx: Trx, workflow: string, drafts: DraftIn[], into: Map<string, number[]>) {
  const segments = [...new Set(drafts.filter((d) => d.workflow === workflow && d.segment).map((d) => d.segment!))];
  for (const s of segments) into.set(`${workflow}\u0000${s}`, []);
  for (let i = 0; i < segments.length; i += 50) {
    const chunk = segments.slice(i, i + 50);
    const rows = await run<{ segment: string; confidence: number; created_version: number }>(
      trx,
      historySql(store.dialect, chunk.length),
      chunk.flatMap((segment) => [workflow, segment]),
    );
    rows.sort((x, y) => y.created_version - x.created_version);
    for (const r of rows) into.get(`${workflow}\u0000${r.segment}`)?.push(r.confidence);
  }
}

/** The history statement for `n` segments: `n` subqueries of one (workflow, segment) each. */
function historySql(dialect: Dialect, n: number): string {
  return memo(`${dialect}:history:${n}`, () =>
    Array.from({ length: n }, (_, i) => {
      const [w, s] = dialect === 'postgres' ? [`$${2 * i + 1}`, `$${2 * i + 2}`] : ['?', '?'];
      return `select segment, confidence, created_version from (select segment, confidence, created_version from drafts where workflow = ${w} and segment = ${s} and canary = false order by created_version desc limit ${REPEATED_FAILURES.window}) as h${i}`;
    }).join(' union all '),
  );
}

/**
 * Stores and routes a batch of drafts in one write transaction. Idempotent on `externalId`: a draft
 * seen before (or earlier in the same batch) is not stored again; its original result is returned.
 */
export interface IngestOptions {
  random: () => number;
  /** Runs inside the ingest transaction with the ids of the newly stored drafts (governance plants canaries here). */
  afterInsert?: (trx: Trx, versions: Versions, newIds: string[]) => Promise<unknown>;
}

export async function ingestDrafts(
  store: Store,
  drafts: DraftIn[],
  actor: string,
  { random, afterInsert }: IngestOptions,
): Promise<DraftResult[]> {
  return store.write(async (trx, versions) => {
    const known = new Map<string, DraftResult>();
    // What was posted under each known external id, in a canonical form (sorted keys): a re-post
    // that differs is reported as a conflict (contract v1.1), identical ones stay idempotent.
    const postedAs = new Map<string, string | null>();
    for (const r of await readByExternalIds(trx, store.dialect, [...new Set(drafts.map((d) => d.externalId))])) {
      known.set(r.external_id, resultFromRow(r));
      postedAs.set(r.external_id, canonicalInput(r.input_json ?? null));
    }

    const policies = new Map<string, WorkflowPolicy>();
    const histories = new Map<string, number[]>();
    const now = new Date().toISOString();
    const inserts: DraftInsert[] = [];
    const audits: AuditInput[] = [];
    const results: DraftResult[] = [];

    for (const d of drafts) {
      const seen = known.get(d.externalId);
      if (seen) {
        const before = postedAs.get(d.externalId);
        results.push(before !== undefined && before !== stable(d) ? { ...seen, conflict: true } : seen);
        continue;
      }
      let policy = policies.get(d.workflow);
      if (!policy) {
        policy = await getPolicy(trx, d.workflow);
        policies.set(d.workflow, policy);
      }
      let history: number[] | undefined;
      if (d.segment) {
        const key = `${d.workflow}\u0000${d.segment}`;
        if (!histories.has(key)) await loadHistories(store, trx, d.workflow, drafts, histories);
        history = histories.get(key)!;
      }
      const routed: RoutingResult = routeDraft(d, policy, { segmentHistory: history, random });
      history?.unshift(d.confidence);
      const id = randomUUID();
      const version = versions.next();
      const auto = routed.status === 'auto_approved';
      inserts.push({
        id,
        external_id: d.externalId,
        workflow: d.workflow,
        kind: d.kind,
        input_json: JSON.stringify(d),
        confidence: d.confidence,
        route: routed.route,
        status: routed.status,
        assignee: routed.assignee,
        queue: routed.queue,
        specialty: routed.specialty ?? null,
        reasons_json: JSON.stringify(routed.reasons),
        second_review: routed.secondReview,
        audit: routed.audit ?? false,
        audit_pending: routed.audit ?? false,
        priority_rank: d.account.dealValue ?? 0,
        priority_reason: '',
        approved_by_json: '[]',
        final_json: auto ? JSON.stringify(d.content) : null,
        decided_by: auto ? 'auto' : null,
        decided_at: auto ? now : null,
        escalation_note: null,
        segment: d.segment ?? null,
        account_tier: d.account.tier ?? null,
        owner_id: d.account.ownerId ?? null,
        deal_value: d.account.dealValue ?? null,
        // UTC, so the expiry timer's text comparison holds whatever offset the pipeline wrote.
        expires_at: d.trigger?.expiresAt ? new Date(d.trigger.expiresAt).toISOString() : null,
        model_version: d.model ? `${d.model.name}@${d.model.version}` : null,
        // The thresholds it was routed with: the panel's confidence zones.
        auto_threshold: policy.autoThreshold,
        review_threshold: policy.reviewThreshold,
        canary: false,
        canary_of: null,
        queue_history_json: JSON.stringify([[routed.queue, routed.assignee]]),
        version,
        created_version: version,
        created_at: now,
        updated_at: now,
        ...inputColumns(d),
      });
      audits.push({
        actor,
        action: auto ? 'draft.auto_approve' : 'draft.create',
        draftId: id,
        workflow: d.workflow,
        original: d.content,
        final: auto ? d.content : null,
        reasons: routed.reasons,
        detail: { externalId: d.externalId, route: routed.route, queue: routed.queue, confidence: d.confidence },
      });
      const result: DraftResult = { id, externalId: d.externalId, ...routed };
      known.set(d.externalId, result);
      postedAs.set(d.externalId, stable(d));
      results.push(result);
    }
    await insertRows(
      store,
      trx,
      'drafts',
      DRAFT_COLUMNS,
      inserts.map((r) => DRAFT_COLUMNS.map(([c]) => r[c])),
    );
    await appendAuditMany(store, trx, audits);
    await enqueueEvents(
      trx,
      inserts.filter((r) => r.status === 'auto_approved').map((r) => ({ type: 'draft.auto_approved', draftId: r.id })),
    );
    // Only workflows that plant canaries need the hook (saves its queries on every other batch).
    const hooked = inserts.filter((r) => (policies.get(r.workflow)?.canaryRate ?? 0) > 0).map((r) => r.id);
    if (afterInsert && hooked.length) await afterInsert(trx, versions, hooked);
    return results;
  });
}

/** A stored input in the canonical form of `stable` (null when it does not parse: any re-post then differs). */
function canonicalInput(inputJson: string | null): string | null {
  if (inputJson === null) return null;
  try {
    return stable(JSON.parse(inputJson));
  } catch {
    return null;
  }
}
