import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { REPEATED_FAILURES, routeDraft } from '../../lib/policy/routing';
import type { DraftIn, DraftResult, RoutingResult, WorkflowPolicy } from '../../lib/schema';
import { type AuditInput, appendAuditMany } from '../audit';
import type { Database, Store, Trx, Versions } from '../store';
import { getPolicy } from './policy';
import { parseJson } from './views';

type DraftInsert = Insertable<Database['drafts']>;

const CHUNK = 100;

function resultFromRow(row: {
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
async function loadHistories(trx: Trx, workflow: string, drafts: DraftIn[], into: Map<string, number[]>) {
  const segments = [...new Set(drafts.filter((d) => d.workflow === workflow && d.segment).map((d) => d.segment!))];
  for (const s of segments) into.set(`${workflow}\u0000${s}`, []);
  const one = (segment: string, i: number) =>
    trx
      .selectFrom(
        trx
          .selectFrom('drafts')
          .select(['segment', 'confidence', 'created_version'])
          .where('workflow', '=', workflow)
          .where('segment', '=', segment)
          .where('canary', '=', false)
          .orderBy('created_version', 'desc')
          .limit(REPEATED_FAILURES.window)
          .as(`h${i}`),
      )
      .select(['segment', 'confidence', 'created_version']);
  for (let i = 0; i < segments.length; i += 50) {
    const chunk = segments.slice(i, i + 50);
    let q = one(chunk[0]!, 0);
    for (let j = 1; j < chunk.length; j++) q = q.unionAll(one(chunk[j]!, j));
    const rows = await q.execute();
    rows.sort((x, y) => y.created_version - x.created_version);
    for (const r of rows) into.get(`${workflow}\u0000${r.segment}`)?.push(r.confidence);
  }
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
    const ids = [...new Set(drafts.map((d) => d.externalId))];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await trx
        .selectFrom('drafts')
        .select([
          'id',
          'external_id',
          'route',
          'status',
          'assignee',
          'queue',
          'reasons_json',
          'second_review',
          'specialty',
          'audit',
        ])
        .where('external_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) known.set(r.external_id, resultFromRow(r));
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
        results.push(seen);
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
        if (!histories.has(key)) await loadHistories(trx, d.workflow, drafts, histories);
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
        expires_at: d.trigger?.expiresAt ?? null,
        model_version: d.model ? `${d.model.name}@${d.model.version}` : null,
        canary: false,
        canary_of: null,
        queue_history_json: JSON.stringify([[routed.queue, routed.assignee]]),
        version,
        created_version: version,
        created_at: now,
        updated_at: now,
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
      results.push(result);
    }
    for (let i = 0; i < inserts.length; i += CHUNK)
      await trx
        .insertInto('drafts')
        .values(inserts.slice(i, i + CHUNK))
        .execute();
    for (let i = 0; i < audits.length; i += CHUNK) await appendAuditMany(trx, audits.slice(i, i + CHUNK));
    // Only workflows that plant canaries need the hook (saves its queries on every other batch).
    const hooked = inserts.filter((r) => (policies.get(r.workflow)?.canaryRate ?? 0) > 0).map((r) => r.id);
    if (afterInsert && hooked.length) await afterInsert(trx, versions, hooked);
    return results;
  });
}
