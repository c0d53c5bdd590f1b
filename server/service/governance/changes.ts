import { describeChange } from '../../../lib/shared/policy/changes';
import { type AutonomyChange, AutonomyEvidence } from '../../../lib/shared/schema/governance';
import type { Store } from '../../store';
import { parseJson } from '../views';

// A workflow's autonomy changes, from the audit log (the only record of them): the evaluator's
// threshold adjustments (tightened / loosened) and step backs, an admin's accepted graduation or
// step back, and a level change that skipped a step (with its written reason). Newest first.

const ACTIONS = ['workflow.threshold_adjusted', 'workflow.step_back', 'workflow.graduated', 'workflow.level_skipped'];

/** How many changes the autonomy answer carries. */
export const CHANGES_SHOWN = 10;

type Row = {
  at: string;
  actor: string;
  action: string;
  original_json: string | null;
  final_json: string | null;
  reasons_json: string;
  detail_json: string | null;
};

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One audit entry as an AutonomyChange (null for an entry that is not one). */
export function changeOf(r: Row): AutonomyChange | null {
  const original = parseJson<Record<string, unknown>>(r.original_json, {});
  const final = parseJson<Record<string, unknown>>(r.final_json, {});
  const reasons = parseJson<string[]>(r.reasons_json, []);
  const parsed = AutonomyEvidence.safeParse(parseJson<unknown>(r.detail_json, null));
  const evidence = parsed.success ? parsed.data : undefined;
  let change: AutonomyChange;
  if (r.action === 'workflow.threshold_adjusted') {
    const from = numberOrNull(original.autoThreshold);
    const to = numberOrNull(final.autoThreshold);
    if (from === null || to === null) return null;
    change = {
      at: r.at,
      actor: r.actor,
      kind: to > from ? 'tightened' : 'loosened',
      from: String(from),
      to: String(to),
      reasons,
    };
  } else {
    const kind =
      r.action === 'workflow.step_back'
        ? 'step_back'
        : r.action === 'workflow.graduated'
          ? 'graduated'
          : 'level_skipped';
    change = {
      at: r.at,
      actor: r.actor,
      kind,
      from: typeof original.level === 'string' ? original.level : null,
      to: typeof final.level === 'string' ? final.level : null,
      reasons,
    };
  }
  if (evidence) change.evidence = evidence;
  change.summary = describeChange(change);
  return change;
}

/** The workflow's latest autonomy changes, newest first (audit_log by workflow, id). */
export async function autonomyChanges(store: Pick<Store, 'db'>, workflow: string, limit = CHANGES_SHOWN) {
  const rows = await store.db
    .selectFrom('audit_log')
    .select(['at', 'actor', 'action', 'original_json', 'final_json', 'reasons_json', 'detail_json'])
    .where('workflow', '=', workflow)
    .where('action', 'in', ACTIONS)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(changeOf).filter((c): c is AutonomyChange => c !== null);
}
