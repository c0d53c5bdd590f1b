import { randomUUID } from 'node:crypto';
import { hash32 } from '../../../lib/shared/policy/stats';
import type { Content, DraftIn } from '../../../lib/shared/schema';
import type { GovItem } from '../../../lib/shared/schema/governance';
import type { Store } from '../../store';
import { getPolicy } from '../policy';
import { inputColumns } from './load';

// Governance history written straight into the store, for the demo and for tests.

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
      const policies = new Map<string, { autoThreshold: number; reviewThreshold: number }>();
      for (const it of chunk) {
        let policy = policies.get(it.workflow);
        if (!policy) {
          policy = await getPolicy(trx, it.workflow);
          policies.set(it.workflow, policy);
        }
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
              // A rule escalation as the router sees it (a flag that always goes to a person).
              ...(it.ruleEscalated ? { flags: ['pricing'] } : {}),
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
            ...inputColumns(input),
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
            auto_threshold: policy.autoThreshold,
            review_threshold: policy.reviewThreshold,
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
              edit_changed: d.action === 'edit' ? edited : null,
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
