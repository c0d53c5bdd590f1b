import { routes } from '../../lib/shared/api/routes';
import { OutcomesOut } from '../../lib/shared/schema';
import { appendAudit } from '../audit';
import { newRouter, type Resource, requireRole } from '../context';
import { backgroundEvaluator } from '../service/governance/evaluate';
import { enqueueEvent } from '../service/webhooks/outbox';
import { ERRORS, openApiRoute } from './openapi';

const PREFIX = '/v1/outcomes';

const post = openApiRoute(PREFIX, routes.outcomes, {
  summary: 'What was learned later about drafts (feeds calibration)',
  ok: 'recorded | not_found per outcome',
  errors: ERRORS,
});

export const outcomeRoutes: Resource = {
  prefix: PREFIX,
  routes: (deps) => {
    const { store } = deps;
    const evaluate = backgroundEvaluator(deps);
    return newRouter().openapi(post, async (c) => {
      const user = requireRole(c, ['pipeline', 'admin']);
      const { outcomes } = c.req.valid('json');
      const workflows = new Set<string>();
      const results = await store.write(async (trx, versions) => {
        const out: OutcomesOut['results'] = [];
        const now = new Date().toISOString();
        for (const o of outcomes) {
          const draft = await trx
            .selectFrom('drafts')
            .select(['id', 'workflow', 'queue', 'status', 'audit', 'audit_pending'])
            .where('id', '=', o.draftId)
            .executeTakeFirst();
          if (!draft) {
            out.push({ draftId: o.draftId, status: 'not_found' });
            continue;
          }
          await trx
            .insertInto('outcomes')
            .values({
              draft_id: o.draftId,
              correct: o.correct,
              source: o.source,
              note: o.note ?? null,
              recorded_by: user.id,
              created_at: now,
            })
            .execute();
          // An audit result from outside settles the draft's pending audit check.
          if (o.source === 'audit' && draft.audit_pending)
            await trx
              .updateTable('drafts')
              .set({ audit_pending: false, version: versions.next(), updated_at: now, prev_queue: draft.queue })
              .where('id', '=', draft.id)
              .execute();
          await appendAudit(trx, {
            actor: user.id,
            action: 'outcome.record',
            draftId: o.draftId,
            workflow: draft.workflow,
            reasons: o.note ? [o.note] : [],
            detail: { correct: o.correct, source: o.source },
          });
          // An audit found an auto-approved draft, or a person's approval sampled into audit (issue
          // 16 §4), wrong: the pipeline's cue to correct what went out (issue 14), in this
          // transaction. (An audit decision in the queue does the same in service/decide.ts.)
          const checked = draft.status === 'auto_approved' || (draft.status === 'approved' && draft.audit);
          if (o.source === 'audit' && !o.correct && checked)
            await enqueueEvent(trx, { type: 'draft.audit_failed', draftId: draft.id });
          out.push({ draftId: o.draftId, status: 'recorded' });
          workflows.add(draft.workflow);
        }
        return out;
      });
      // After the commit, without waiting: the response never depends on governance.
      evaluate(workflows);
      return c.json(OutcomesOut.parse({ results }), 200);
    });
  },
};
