import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { canariesFor, lookalikeId, makeCanary } from '../../../lib/shared/policy/canary';
import { hash32, mulberry32 } from '../../../lib/shared/policy/stats';
import { DraftIn } from '../../../lib/shared/schema';
import { appendAudit } from '../../audit';
import type { Deps } from '../../context';
import type { Database, Trx, Versions } from '../../store';
import { inputColumns, loadPolicy, parseJson } from './load';

// Canaries: known-bad copies of real review drafts, planted after ingest at the workflow's rate or
// on an admin's request, to measure whether reviewers catch what they should.

const CANARY_SOURCE_COLUMNS = [
  'id',
  'external_id',
  'workflow',
  'input_json',
  'confidence',
  'route',
  'assignee',
  'queue',
  'specialty',
  'reasons_json',
  'priority_rank',
  'priority_reason',
  'segment',
  'account_tier',
  'owner_id',
  'deal_value',
  'expires_at',
  'model_version',
  'auto_threshold',
  'review_threshold',
] as const;

/** What a canary is copied from: the source draft's row, as stored. */
type CanarySource = Pick<Selectable<Database['drafts']>, (typeof CANARY_SOURCE_COLUMNS)[number]>;

/**
 * Inserts a known-bad copy of a real review draft into the same queue, looking like any other
 * draft there. The planted defect is recorded only in the audit log (admin-only). Returns the new
 * draft id, or null when no canary kind applies to this draft.
 */
export async function insertCanary(
  trx: Trx,
  versions: Versions,
  source: CanarySource,
  options: { seed: number; now: string; otherCompanies?: string[]; actor?: string },
): Promise<string | null> {
  const parsed = DraftIn.safeParse(parseJson(source.input_json));
  if (!parsed.success) return null;
  const canary = makeCanary(parsed.data, {
    seed: options.seed,
    otherCompanies: options.otherCompanies,
    year: Number(options.now.slice(0, 4)),
  });
  if (!canary) return null;
  const rng = mulberry32(options.seed ^ 0x5bd1e995);
  // Server ids are UUIDs: a fresh one is indistinguishable. Anything else (history, imports) gets a
  // same-shaped look-alike, which may name a draft that exists: the insert itself decides (ON
  // CONFLICT DO NOTHING, atomic under the write lock), so a taken id is never a UNIQUE error; after a
  // few taken look-alikes (a short id has few) the id is a fresh UUID.
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(source.id);
  // The stored external id lives in its own namespace so a pipeline can never collide with it
  // (posting is idempotent on externalId); the look-alike one travels inside the draft's JSON.
  const externalKey = `canary:${randomUUID()}`;
  const version = versions.next();
  let id: string | null = null;
  for (let attempt = 0; id === null; attempt++) {
    if (attempt >= 25) throw new Error('could not find a free canary id');
    const candidate = isUuid || attempt >= 20 ? randomUUID() : lookalikeId(source.id, rng);
    const inserted = await trx
      .insertInto('drafts')
      .values({
        id: candidate,
        external_id: externalKey,
        workflow: source.workflow,
        kind: canary.draft.kind,
        input_json: JSON.stringify(canary.draft),
        ...inputColumns(canary.draft),
        confidence: source.confidence,
        route: source.route,
        status: 'pending',
        assignee: source.assignee,
        queue: source.queue,
        // As at ingest: pull tells everyone who could ever see the draft when it leaves their queue.
        queue_history_json: JSON.stringify([[source.queue, source.assignee]]),
        specialty: source.specialty,
        reasons_json: source.reasons_json,
        priority_rank: source.priority_rank,
        priority_reason: source.priority_reason,
        segment: source.segment,
        account_tier: source.account_tier,
        owner_id: source.owner_id,
        deal_value: source.deal_value,
        expires_at: source.expires_at,
        model_version: source.model_version,
        // A canary carries its source's thresholds: the panel labels it exactly like a real draft.
        auto_threshold: source.auto_threshold,
        review_threshold: source.review_threshold,
        canary: true,
        canary_of: source.id,
        final_json: null,
        decided_by: null,
        decided_at: null,
        escalation_note: null,
        version,
        created_version: version,
        created_at: options.now,
        updated_at: options.now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) id = inserted.id;
  }
  await appendAudit(trx, {
    actor: options.actor ?? 'governance',
    action: 'canary.created',
    draftId: id,
    workflow: source.workflow,
    original: parsed.data.content,
    final: canary.draft.content,
    reasons: [canary.kind],
    detail: { canaryOf: source.id, description: canary.description },
  });
  return id;
}

/**
 * Ingest hook: after real drafts are stored, adds canaries at the workflow's `canaryRate` next to
 * those routed to a person's review queue. Call inside the ingest transaction with the new ids.
 */
export async function afterIngest(
  trx: Trx,
  versions: Versions,
  draftIds: string[],
  deps: Pick<Deps, 'random' | 'now'>,
): Promise<string[]> {
  if (draftIds.length === 0) return [];
  const rows = await trx
    .selectFrom('drafts')
    .select([...CANARY_SOURCE_COLUMNS, 'status', 'canary'])
    .where('id', 'in', draftIds)
    .execute();
  const created: string[] = [];
  const rates = new Map<string, number>();
  // Real account names from the same batch make the most convincing wrong company.
  const companies = [
    ...new Set(
      rows
        .map((r) => ((parseJson(r.input_json) ?? {}) as Partial<DraftIn>).account?.name)
        .filter((x): x is string => !!x),
    ),
  ];
  for (const row of rows) {
    if (row.canary || row.route !== 'review' || row.status !== 'pending') continue;
    let r = rates.get(row.workflow);
    if (r === undefined) {
      r = (await loadPolicy({ db: trx }, row.workflow)).canaryRate;
      rates.set(row.workflow, r);
    }
    const n = canariesFor(r, deps.random);
    for (let i = 0; i < n; i++) {
      const id = await insertCanary(trx, versions, row, {
        seed: Math.floor(deps.random() * 2 ** 31) ^ hash32(row.id),
        now: deps.now().toISOString(),
        otherCompanies: companies,
      });
      if (id) created.push(id);
    }
  }
  return created;
}

/**
 * Plants up to `count` canaries in a workflow's review queue, each made from a pending draft with
 * a known defect (lib/shared/policy/canary). Returns how many were created (0 when nothing is pending).
 */
export async function plantCanaries(deps: Deps, workflow: string, count: number, actor: string): Promise<number> {
  const { store } = deps;
  const sources = await store.db
    .selectFrom('drafts')
    .select(CANARY_SOURCE_COLUMNS)
    .where('workflow', '=', workflow)
    .where('canary', '=', false)
    .where('route', '=', 'review')
    .where('status', '=', 'pending')
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
  if (sources.length === 0) return 0;
  const companies = [
    ...new Set(
      sources
        .map((s) => ((parseJson(s.input_json) ?? {}) as Partial<DraftIn>).account?.name)
        .filter((x): x is string => !!x),
    ),
  ];
  const now = deps.now().toISOString();
  return store.write(async (trx, versions) => {
    let n = 0;
    for (let i = 0; i < count * 3 && n < count; i++) {
      const src = sources[Math.floor(deps.random() * sources.length)]!;
      const id = await insertCanary(trx, versions, src, {
        seed: Math.floor(deps.random() * 2 ** 31),
        now,
        otherCompanies: companies,
        actor,
      });
      if (id) n++;
    }
    return n;
  });
}
