import { randomUUID } from 'node:crypto';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import { autoAdjust, type PolicyView, proposeGraduation, stepBack } from '../../lib/shared/policy/autonomy';
import { canariesFor, lookalikeId, makeCanary } from '../../lib/shared/policy/canary';
import { hash32, mulberry32 } from '../../lib/shared/policy/stats';
import { type Content, DraftIn } from '../../lib/shared/schema';
import type {
  AcceptBody,
  AutonomyOut,
  EvaluateOut,
  FeedbackLine,
  GovDecision,
  GovItem,
} from '../../lib/shared/schema/governance';
import type { WorkflowPolicy } from '../../lib/shared/schema/workflow';
import { appendAudit } from '../audit';
import type { Deps } from '../context';
import { ApiError } from '../errors';
import type { Database, Store, Trx, Versions } from '../store';
import { getPolicy, updatePolicy } from './policy';

// Governance (issue 6), the service side: loading plain data for the pure functions in lib/policy,
// evaluating a workflow (step back, proposals, opted-in auto-adjust), planting canaries after ingest,
// the evaluation timer, the feedback export and the demo history. Routes: server/routes/governance.ts.

// ---- Loading -------------------------------------------------------------------------------

function parseJson(text: string | null): unknown {
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
function stable(v: unknown): string {
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
  const { db } = store;
  const dq = db
    .selectFrom('drafts')
    .where((eb) => draftMatches(eb, f))
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
      'input_json',
      'account_tier',
    ]);
  const drafts = await dq.orderBy('created_at').execute();

  const cq = db
    .selectFrom('decisions')
    .innerJoin('drafts', 'drafts.id', 'decisions.draft_id')
    .where((eb) => draftMatches(eb, f))
    .select([
      'decisions.draft_id as draftId',
      'decisions.user_id as userId',
      'decisions.action as action',
      'decisions.dwell_ms as dwellMs',
      'decisions.decided_at as decidedAt',
      'decisions.content_json as contentJson',
      'decisions.reasons_json as reasonsJson',
    ])
    .where('decisions.status', '=', 'applied');
  const decisions = await cq.orderBy('decisions.decided_at').execute();

  const oq = db
    .selectFrom('outcomes')
    .innerJoin('drafts', 'drafts.id', 'outcomes.draft_id')
    .where((eb) => draftMatches(eb, f))
    .select([
      'outcomes.draft_id as draftId',
      'outcomes.correct as correct',
      'outcomes.source as source',
      'outcomes.created_at as at',
    ]);
  const outcomes = await oq.orderBy('outcomes.id').execute();

  const byId = new Map<string, GovItem & { content: string }>();
  for (const d of drafts) {
    const input = (parseJson(d.input_json) ?? {}) as Partial<DraftIn>;
    const flags = input.flags ?? [];
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
      ruleEscalated:
        (d.account_tier ?? input.account?.tier) === 'named' ||
        flags.some((x) => ESCALATION_FLAGS.has(x)) ||
        input.inbound === true,
      words: contentWords(input.content),
      decisions: [],
      outcomes: [],
      content: stable(input.content ?? null),
    });
  }
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
    if (action === 'edit') dec.changed = stable(parseJson(d.contentJson)) !== item.content;
    item.decisions.push(dec);
  }
  for (const o of outcomes) {
    const item = byId.get(o.draftId);
    if (!item) continue;
    item.outcomes.push({ correct: !!o.correct, source: o.source as 'audit' | 'customer' | 'qa', at: o.at });
  }
  return [...byId.values()].map(({ content: _c, ...it }) => it);
}

/** The workflow's policy (the server's own reader, so governance and routing never disagree). */
export function loadPolicy(store: Store | { db: Trx }, workflow: string): Promise<WorkflowPolicy> {
  return getPolicy(store.db, workflow);
}

/** When the workflow's autonomy level last changed through governance (step back or graduation). */
async function levelChangedAt(store: Store, workflow: string): Promise<string | null> {
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

const view = (p: WorkflowPolicy): PolicyView => ({
  workflow: p.workflow,
  level: p.level,
  autoThreshold: p.autoThreshold,
  reviewThreshold: p.reviewThreshold,
  falseAutoTarget: p.falseAutoTarget,
});

// ---- Evaluation (step back, auto-adjust) ---------------------------------------------------

/**
 * Applies what governance may do on its own, each change audited with its reasons: a step back
 * one autonomy level when quality dipped in the last week, and, only for workflows that opted in
 * (`autoAdjust`), a threshold adjustment. Graduation is never applied here.
 * Exported so the server can run it after outcomes arrive (or on a timer).
 */
export async function evaluateWorkflow(deps: Deps, workflow: string, actor = 'governance'): Promise<EvaluateOut> {
  const now = deps.now();
  const policy = await loadPolicy(deps.store, workflow);
  // The last 90 days are plenty for a 7-day step-back window and a threshold recommendation, and
  // keep the background evaluator's cost flat as history grows.
  const items = await loadItems(deps.store, {
    workflow,
    since: new Date(now.getTime() - 90 * 86_400_000).toISOString(),
  });
  const back = stepBack(items, view(policy), {
    now: now.getTime(),
    levelChangedAt: await levelChangedAt(deps.store, workflow),
  });
  const adjustment = policy.autoAdjust ? autoAdjust(items, view(policy), { now: now.getTime() }) : null;
  const applied: string[] = [];
  if (back || adjustment) {
    const changed = await deps.store.write(async (trx) => {
      // Writers are serialised: if another evaluation (timer, outcomes, an admin) changed the
      // policy since it was read, this verdict is stale; the next evaluation starts from the new one.
      const current = await loadPolicy({ db: trx }, workflow);
      if (current.level !== policy.level || current.autoThreshold !== policy.autoThreshold) return true;
      const next = { ...policy };
      if (back) {
        next.level = back.to;
        applied.push(`level ${back.from} → ${back.to}`);
        await appendAudit(trx, {
          actor,
          action: 'workflow.step_back',
          workflow,
          original: { level: back.from },
          final: { level: back.to },
          reasons: back.reasons,
          detail: back.evidence,
        });
      }
      if (adjustment) {
        next.autoThreshold = adjustment.autoThreshold;
        applied.push(`autoThreshold ${adjustment.previous} → ${adjustment.autoThreshold}`);
        await appendAudit(trx, {
          actor,
          action: 'workflow.threshold_adjusted',
          workflow,
          original: { autoThreshold: adjustment.previous },
          final: { autoThreshold: adjustment.autoThreshold },
          reasons: adjustment.reasons,
        });
      }
      await updatePolicy(trx, workflow, { level: next.level, autoThreshold: next.autoThreshold }, actor);
      return false;
    });
    if (changed) return { workflow, stepBack: null, adjustment: null, applied };
  }
  return { workflow, stepBack: back, adjustment, applied };
}

// ---- Canaries ------------------------------------------------------------------------------

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

/** How often stepping back and opted-in auto-adjustment run on their own (0 turns it off). */
const EVALUATE_EVERY_MS = Number(process.env.COUNTERSIGN_GOVERNANCE_INTERVAL_MS ?? 10 * 60_000);

/**
 * Evaluates every workflow that has something to lose (above review_all) or opted into
 * auto-adjustment. Runs on a timer so a quality dip is acted on without anyone opening the
 * dashboard; the timer is unref'd so it never keeps the process alive.
 */
export async function evaluateAll(deps: Deps): Promise<EvaluateOut[]> {
  const rows = await deps.store.db.selectFrom('workflows').select('workflow').execute();
  const out: EvaluateOut[] = [];
  for (const { workflow } of rows) {
    const p = await loadPolicy(deps.store, workflow);
    if (p.level === 'review_all' && !p.autoAdjust) continue;
    out.push(await evaluateWorkflow(deps, workflow));
  }
  return out;
}

export function startEvaluator(deps: Deps): void {
  if (!(EVALUATE_EVERY_MS > 0)) return;
  const timer = setInterval(() => {
    evaluateAll(deps).then(
      (results) => {
        for (const r of results)
          if (r.applied.length) deps.logger.info('governance applied', { workflow: r.workflow, applied: r.applied });
      },
      (err: unknown) => {
        // A closed store (server shut down) ends the loop; anything else is logged and retried next time.
        const message = err instanceof Error ? err.message : String(err);
        if (/destroyed|closed|terminat/i.test(message)) clearInterval(timer);
        else deps.logger.error('governance evaluation failed', { error: message });
      },
    );
  }, EVALUATE_EVERY_MS);
  timer.unref?.();
}

/**
 * One line per applied decision, oldest first. Canary drafts are left out: their "original" is a
 * defect planted by us, not the model's output, and would poison fine-tuning data.
 */
export async function exportFeedback(store: Store, q: { workflow?: string; since?: string }): Promise<FeedbackLine[]> {
  let query = store.db
    .selectFrom('decisions')
    .innerJoin('drafts', 'drafts.id', 'decisions.draft_id')
    .select([
      'decisions.id as decisionId',
      'decisions.draft_id as draftId',
      'decisions.user_id as userId',
      'decisions.action as action',
      'decisions.decided_at as decidedAt',
      'decisions.content_json as contentJson',
      'decisions.reasons_json as reasonsJson',
      'decisions.note as note',
      'decisions.dwell_ms as dwellMs',
      'decisions.diff as diff',
      'drafts.external_id as externalId',
      'drafts.workflow as workflow',
      'drafts.kind as kind',
      'drafts.input_json as inputJson',
      'drafts.confidence as confidence',
    ])
    .where('decisions.status', '=', 'applied')
    .where('drafts.canary', '=', false);
  if (q.workflow) query = query.where('drafts.workflow', '=', q.workflow);
  if (q.since) query = query.where('decisions.decided_at', '>=', q.since);
  const rows = await query.orderBy('decisions.decided_at').orderBy('decisions.id').execute();
  const ids = [...new Set(rows.map((r) => r.draftId))];
  const outcomes = new Map<string, { correct: boolean; source: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const os = await store.db
      .selectFrom('outcomes')
      .select(['draft_id', 'correct', 'source'])
      .where('draft_id', 'in', chunk)
      .orderBy('id')
      .execute();
    for (const o of os) outcomes.set(o.draft_id, { correct: !!o.correct, source: o.source });
  }
  return rows.map((r) => {
    const input = (parseJson(r.inputJson) ?? {}) as Partial<DraftIn>;
    const action = r.action as FeedbackLine['action'];
    const final =
      (parseJson(r.contentJson) as Content | null) ?? (action === 'approve' ? (input.content ?? null) : null);
    const changed = action === 'edit' && stable(final) !== stable(input.content ?? null);
    return {
      decisionId: r.decisionId,
      draftId: r.draftId,
      externalId: r.externalId,
      workflow: r.workflow,
      kind: r.kind,
      action,
      userId: r.userId,
      decidedAt: r.decidedAt,
      original: input.content ?? null,
      final,
      diff: r.diff,
      reasons: (parseJson(r.reasonsJson) as string[] | null) ?? [],
      note: r.note,
      confidence: Number(r.confidence),
      model: input.model ?? null,
      dwellMs: r.dwellMs === null ? null : Number(r.dwellMs),
      outcome: outcomes.get(r.draftId) ?? null,
      label:
        action === 'approve' || (action === 'edit' && !changed)
          ? 'accepted'
          : action === 'edit'
            ? 'corrected'
            : action === 'reject'
              ? 'rejected'
              : 'escalated',
    };
  });
}

// ---- Demo and test history -----------------------------------------------------------------

/** A visibly corrected copy of some content, for simulated edits. */
function editedContent(content: Content): Content {
  if ('body' in content) return { ...content, body: `${content.body}\nP.S. corrected` };
  if ('text' in content) return { text: `${content.text} (corrected)` };
  return { fields: content.fields.map((f, i) => (i === 0 ? { ...f, value: `${f.value} (corrected)` } : f)) };
}

const DEMO_COMPANIES = ['Acme', 'Globex', 'Initech', 'Soylent', 'Hooli', 'Vehement', 'Massive Dynamic', 'Stark'];

/**
 * Writes governance history (drafts with decisions and outcomes) straight into the store, for the
 * dashboard demo and for tests that need hundreds of labelled drafts without driving the review
 * API for each. Items come from `syntheticItems` or any other source of `GovItem`s.
 */
export async function writeHistory(
  store: Store,
  items: readonly GovItem[],
  /** The drafts' own content, index-aligned with `items` (e.g. from the demo generator). */
  inputs?: readonly DraftIn[],
): Promise<void> {
  for (let start = 0; start < items.length; start += 200) {
    const chunk = items.slice(start, start + 200);
    await store.write(async (trx, versions) => {
      for (const it of chunk) {
        const i = hash32(it.id);
        const company = DEMO_COMPANIES[i % DEMO_COMPANIES.length]!;
        const words = Math.max(4, it.words);
        const body = `Hi Ana,\n\n${Array.from({ length: words - 3 }, (_, k) => (k === 3 ? company : 'word')).join(' ')}.\n\nBest, Sam`;
        const given = inputs?.[start + chunk.indexOf(it)];
        const input = given
          ? { ...given, externalId: `hist-${it.id}`, workflow: it.workflow, confidence: it.confidence }
          : {
              externalId: `hist-${it.id}`,
              workflow: it.workflow,
              kind: 'email',
              target: { site: 'gmail', email: 'ana@example.com', name: 'Ana Lopez', company },
              account: { name: company },
              content: { subject: `An idea for ${company}`, body },
              confidence: it.confidence,
              rationale: 'Synthetic history',
              evidence: [],
              ...(it.segment ? { segment: it.segment } : {}),
              ...(it.modelVersion ? { model: { name: 'demo-model', version: it.modelVersion } } : {}),
            };
        const content = input.content as Content;
        const last = it.decisions[it.decisions.length - 1];
        const version = versions.next();
        await trx
          .insertInto('drafts')
          .values({
            id: it.id,
            external_id: input.externalId,
            workflow: it.workflow,
            kind: input.kind,
            input_json: JSON.stringify(input),
            confidence: it.confidence,
            route: it.route,
            status: it.status,
            assignee: null,
            queue: it.route === 'auto' ? 'auto' : it.route,
            specialty: null,
            reasons_json: '[]',
            final_json:
              it.status === 'approved' || it.status === 'auto_approved' ? JSON.stringify(input.content) : null,
            decided_by: last?.userId ?? null,
            decided_at: it.settledAt,
            escalation_note: null,
            segment: it.segment,
            account_tier: null,
            owner_id: null,
            deal_value: null,
            expires_at: null,
            model_version: it.modelVersion,
            canary: it.canary,
            canary_of: null,
            version,
            created_version: version,
            created_at: it.createdAt,
            updated_at: it.settledAt ?? it.createdAt,
          })
          .execute();
        for (const d of it.decisions) {
          const edited = d.action === 'edit' && d.changed !== false;
          await trx
            .insertInto('decisions')
            .values({
              id: randomUUID(),
              draft_id: it.id,
              user_id: d.userId,
              action: d.action,
              status: 'applied',
              error: null,
              content_json: d.action === 'edit' ? JSON.stringify(edited ? editedContent(content) : content) : null,
              reasons_json: JSON.stringify(d.reasons ?? (d.action === 'reject' || edited ? ['wrong_facts'] : [])),
              note: null,
              dwell_ms: d.dwellMs,
              decided_at: d.decidedAt,
              received_at: d.decidedAt,
              diff: edited ? '+P.S. fixed' : null,
            })
            .execute();
        }
        for (const o of it.outcomes)
          await trx
            .insertInto('outcomes')
            .values({
              draft_id: it.id,
              correct: o.correct,
              source: o.source,
              note: null,
              recorded_by: 'history',
              created_at: o.at,
            })
            .execute();
      }
    });
  }
}

/** The autonomy proposal for a workflow now (graduate, step back, or none) with its evidence. */
export async function autonomyProposal(deps: Deps, workflow: string): Promise<AutonomyOut> {
  const policy = await loadPolicy(deps.store, workflow);
  const items = await loadItems(deps.store, { workflow });
  const changed = await levelChangedAt(deps.store, workflow);
  return proposeGraduation(items, view(policy), { now: deps.now().getTime(), levelChangedAt: changed });
}

/**
 * An admin accepts the current proposal: re-checked now (the evidence may have changed since the
 * admin looked), applied and audited in one transaction. Returns the proposal state afterwards.
 */
export async function acceptProposal(
  deps: Deps,
  workflow: string,
  body: AcceptBody,
  actor: string,
): Promise<AutonomyOut> {
  const { store } = deps;
  const policy = await loadPolicy(store, workflow);
  const items = await loadItems(store, { workflow });
  const changed = await levelChangedAt(store, workflow);
  const out = proposeGraduation(items, view(policy), { now: deps.now().getTime(), levelChangedAt: changed });
  const p = out.proposal;
  if (!p || p.to !== body.to)
    throw new ApiError(409, 'conflict', `No current proposal to move ${workflow} to ${body.to}`);
  const next: WorkflowPolicy = { ...policy, level: p.to };
  const threshold = body.autoThreshold ?? p.autoThreshold ?? null;
  if (threshold !== null) next.autoThreshold = threshold;
  await store.write(async (trx) => {
    await updatePolicy(trx, workflow, { level: next.level, autoThreshold: next.autoThreshold }, actor);
    await appendAudit(trx, {
      actor,
      action: p.kind === 'graduate' ? 'workflow.graduated' : 'workflow.step_back',
      workflow,
      original: { level: policy.level, autoThreshold: policy.autoThreshold },
      final: { level: next.level, autoThreshold: next.autoThreshold },
      reasons: p.reasons,
      detail: p.evidence,
    });
  });
  return proposeGraduation(items, view(next), { now: deps.now().getTime(), levelChangedAt: deps.now().toISOString() });
}

/**
 * Plants up to `count` canaries in a workflow's review queue, each made from a pending draft with
 * a known defect (lib/policy/canary). Returns how many were created (0 when nothing is pending).
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
