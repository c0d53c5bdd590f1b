import type { EvaluateOut } from '../../../lib/shared/schema/governance';
import { appendAudit } from '../../audit';
import type { Deps } from '../../context';
import { updatePolicy } from '../policy';
import { evaluationFigures } from './figures';
import { levelChangedAt, loadPolicy, view } from './load';

// What governance does on its own: step a workflow back on a quality dip and, where a workflow opted
// in, adjust its threshold. Run by an admin (POST …/evaluate), after outcomes arrive (the background
// evaluator) and on a timer.

/**
 * Applies what governance may do on its own, each change audited with its reasons: a step back
 * one autonomy level when quality dipped in the last week, and, only for workflows that opted in
 * (`autoAdjust`), a threshold adjustment. Graduation is never applied here.
 * Exported so the server can run it after outcomes arrive (or on a timer).
 */
export async function evaluateWorkflow(deps: Deps, workflow: string, actor = 'governance'): Promise<EvaluateOut> {
  const now = deps.now();
  const policy = await loadPolicy(deps.store, workflow);
  // From the rollups (brought up to date from their watermark first): the 7-day step-back window
  // and, for opted-in workflows, a threshold recommendation over the last 90 days.
  const { stepBack: back, adjustment } = await evaluationFigures(
    deps.store,
    { ...view(policy), autoAdjust: policy.autoAdjust },
    now.getTime(),
    await levelChangedAt(deps.store, workflow),
  );
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
          detail: { ...back.evidence, target: policy.falseAutoTarget },
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
          detail: adjustment.evidence,
        });
      }
      await updatePolicy(trx, workflow, { level: next.level, autoThreshold: next.autoThreshold }, actor);
      return false;
    });
    if (changed) return { workflow, stepBack: null, adjustment: null, applied };
  }
  return { workflow, stepBack: back, adjustment, applied };
}

/**
 * How often stepping back and opted-in auto-adjustment run on their own (0 turns it off). They run
 * as one of the server's timers (service/timers.ts): on ONE instance at a time on PostgreSQL.
 */
export const EVALUATE_EVERY_MS = Number(process.env.COUNTERSIGN_GOVERNANCE_INTERVAL_MS ?? 10 * 60_000);

/**
 * Evaluates every workflow that has something to lose (above review_all) or opted into
 * auto-adjustment. Run by the timers so a quality dip is acted on without anyone opening the
 * dashboard.
 */
export async function evaluateAll(deps: Deps): Promise<EvaluateOut[]> {
  const rows = await deps.store.db.selectFrom('workflows').select('workflow').execute();
  const policies = await Promise.all(rows.map(({ workflow }) => loadPolicy(deps.store, workflow)));
  // Side by side: their reads run on separate connections; a change is written under the writers' lock.
  return Promise.all(
    policies.filter((p) => p.level !== 'review_all' || p.autoAdjust).map((p) => evaluateWorkflow(deps, p.workflow)),
  );
}

/** The timer's job: `evaluateAll`, logged (what was applied, and that it ran and where). */
export async function runEvaluation(deps: Deps): Promise<EvaluateOut[]> {
  const results = await evaluateAll(deps);
  for (const r of results)
    if (r.applied.length) deps.logger.info('governance applied', { workflow: r.workflow, applied: r.applied });
  deps.logger.info('governance evaluated', { workflows: results.length });
  return results;
}

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
