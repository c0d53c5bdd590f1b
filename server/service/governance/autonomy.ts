import type { AcceptBody, AutonomyOut } from '../../../lib/shared/schema/governance';
import type { WorkflowPolicy } from '../../../lib/shared/schema/workflow';
import { appendAudit } from '../../audit';
import type { Deps } from '../../context';
import { ApiError } from '../../errors';
import { updatePolicy } from '../policy';
import { autonomyChanges } from './changes';
import { graduationFigures } from './figures';
import { levelChangedAt, loadPolicy, view } from './load';

// Graduation: the proposal an admin sees (never applied on its own) and its acceptance.

/** The autonomy proposal for a workflow now (graduate, step back, or none) with its evidence. */
export async function autonomyProposal(deps: Deps, workflow: string): Promise<AutonomyOut> {
  const policy = await loadPolicy(deps.store, workflow);
  const changed = await levelChangedAt(deps.store, workflow);
  const out = await graduationFigures(deps.store, view(policy), deps.now().getTime(), changed);
  return { ...out, changes: await autonomyChanges(deps.store, workflow) };
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
  const changed = await levelChangedAt(store, workflow);
  const out = await graduationFigures(store, view(policy), deps.now().getTime(), changed);
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
  const after = await graduationFigures(store, view(next), deps.now().getTime(), deps.now().toISOString());
  return { ...after, changes: await autonomyChanges(store, workflow) };
}
