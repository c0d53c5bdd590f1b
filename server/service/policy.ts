import { DEFAULT_POLICY, Level, WorkflowPolicy, type WorkflowPolicyPatch } from '../../lib/shared/schema';

const LEVELS = Level.options;

import { appendAudit } from '../audit';
import { ApiError } from '../errors';
import type { Trx } from '../store';

/** The workflow's policy; a workflow nobody configured gets the contract's defaults (review_all). */
export async function getPolicy(db: Trx, workflow: string): Promise<WorkflowPolicy> {
  const row = await db.selectFrom('workflows').selectAll().where('workflow', '=', workflow).executeTakeFirst();
  if (!row) return { workflow, ...DEFAULT_POLICY, updatedAt: null };
  const stored = WorkflowPolicy.partial().safeParse(JSON.parse(row.policy_json));
  return WorkflowPolicy.parse({
    ...DEFAULT_POLICY,
    ...(stored.success ? stored.data : {}),
    workflow,
    updatedAt: row.updated_at,
  });
}

/** Merges `patch` into the policy; audited with the policy before and after. Call inside `store.write`. */
export async function updatePolicy(
  trx: Trx,
  workflow: string,
  patch: WorkflowPolicyPatch,
  actor: string,
): Promise<WorkflowPolicy> {
  const before = await getPolicy(trx, workflow);
  const now = new Date().toISOString();
  const { levelSkipReason, ...changes } = patch;
  const next: WorkflowPolicy = { ...before, ...changes, workflow, updatedAt: now };
  // The autonomy ladder is climbed (and descended) one step at a time; skipping needs a written
  // reason, kept in the audit log (issue 16).
  const steps = Math.abs(LEVELS.indexOf(next.level) - LEVELS.indexOf(before.level));
  if (steps > 1) {
    if (!levelSkipReason)
      throw new ApiError(
        400,
        'invalid_input',
        `level moves one step at a time (${before.level} → ${next.level} skips ${steps - 1}); give levelSkipReason to skip`,
      );
    await appendAudit(trx, {
      actor,
      action: 'workflow.level_skipped',
      workflow,
      original: { level: before.level },
      final: { level: next.level },
      reasons: [levelSkipReason],
    });
  }
  if (next.reviewThreshold > next.autoThreshold)
    throw new ApiError(
      400,
      'invalid_input',
      `reviewThreshold (${next.reviewThreshold}) must not be above autoThreshold (${next.autoThreshold})`,
    );
  const { workflow: _w, updatedAt: _u, ...stored } = next;
  const json = JSON.stringify(stored);
  const updated = await trx
    .updateTable('workflows')
    .set({ policy_json: json, updated_at: now })
    .where('workflow', '=', workflow)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0)
    await trx.insertInto('workflows').values({ workflow, policy_json: json, updated_at: now }).execute();
  await appendAudit(trx, {
    actor,
    action: 'policy.update',
    workflow,
    original: { ...before, updatedAt: undefined },
    final: stored,
    detail: { patch: changes },
  });
  return next;
}
