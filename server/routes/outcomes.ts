import { createRoute } from '@hono/zod-openapi';
import { ErrorBody, OutcomesIn, OutcomesOut } from '../../lib/shared/schema';
import { appendAudit } from '../audit';
import { bearerSecurity, type Deps, newRouter, type RouteModule, requireRole } from '../context';
import { evaluateWorkflow, loadPolicy } from '../service/governance';

const post = createRoute({
  method: 'post',
  path: '/v1/outcomes',
  summary: 'What was learned later about drafts (feeds calibration)',
  security: bearerSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: OutcomesIn } } } },
  responses: {
    200: { description: 'recorded | not_found per outcome', content: { 'application/json': { schema: OutcomesOut } } },
    400: { description: 'Invalid input', content: { 'application/json': { schema: ErrorBody } } },
    401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
    403: { description: 'Role may not', content: { 'application/json': { schema: ErrorBody } } },
  },
});

/**
 * Runs governance's evaluation (step back on a quality dip, opted-in threshold adjustment) for the
 * given workflows in the background, so new outcomes act at once instead of at the next timer tick.
 * One evaluation per workflow at a time: a request arriving meanwhile asks for one more run after
 * it (which sees every outcome committed by then), so bursts of outcomes cost at most two runs and
 * two evaluations never race to step the same workflow back twice. Errors are logged, never thrown.
 */
export function backgroundEvaluator(deps: Deps): (workflows: Iterable<string>) => void {
  const pending = new Map<string, { again: boolean }>();
  const run = async (workflow: string) => {
    try {
      const policy = await loadPolicy(deps.store, workflow);
      // The timer's rule: nothing to step back from, and no opted-in adjustment.
      if (policy.level === 'review_all' && !policy.autoAdjust) return;
      const r = await evaluateWorkflow(deps, workflow);
      if (r.applied.length)
        deps.logger.info('governance applied', { workflow, applied: r.applied, trigger: 'outcomes' });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A store closed under a late evaluation (server shutting down) is not worth an error line.
      if (!/destroyed|closed|terminat/i.test(message))
        deps.logger.error('governance evaluation after outcomes failed', { workflow, error: message });
    }
  };
  return (workflows) => {
    for (const workflow of workflows) {
      const running = pending.get(workflow);
      if (running) {
        running.again = true;
        continue;
      }
      const entry = { again: false };
      pending.set(workflow, entry);
      void (async () => {
        do {
          entry.again = false;
          await run(workflow);
        } while (entry.again);
        pending.delete(workflow);
      })();
    }
  };
}

export const outcomeRoutes: RouteModule = (deps) => {
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
          .select(['id', 'workflow', 'queue', 'audit_pending'])
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
        out.push({ draftId: o.draftId, status: 'recorded' });
        workflows.add(draft.workflow);
      }
      return out;
    });
    // After the commit, without waiting: the response never depends on governance.
    evaluate(workflows);
    return c.json(OutcomesOut.parse({ results }), 200);
  });
};
