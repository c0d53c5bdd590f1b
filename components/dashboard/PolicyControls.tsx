import { useEffect, useId, useState } from 'react';
import type { EvaluateOut, WorkflowSummary } from '../../lib/shared/schema/governance';

export type PolicyPatch = { canaryRate?: number; autoAdjust?: boolean; approvalAuditRate?: number };

export interface PolicyControlsProps {
  policy: WorkflowSummary;
  save(patch: PolicyPatch): Promise<void>;
  evaluate(): Promise<EvaluateOut>;
  plantCanaries(count: number): Promise<number>;
}

/** Vigilance and automation switches of a workflow: canary share, automatic threshold adjustment, checks on demand. */
export function PolicyControls(props: PolicyControlsProps) {
  const [rate, setRate] = useState(String(Math.round(props.policy.canaryRate * 100)));
  const [status, setStatus] = useState<string | null>(null);
  const approvalShare = () => String(Math.round((props.policy.approvalAuditRate ?? 0) * 1000) / 10);
  const [approvals, setApprovals] = useState(approvalShare);
  const rateId = useId();
  const approvalsId = useId();
  const adjustId = useId();
  useEffect(() => setRate(String(Math.round(props.policy.canaryRate * 100))), [props.policy.canaryRate]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the stored rate.
  useEffect(() => setApprovals(approvalShare()), [props.policy.approvalAuditRate]);

  const run = (label: string, fn: () => Promise<string>) => {
    setStatus(`${label}…`);
    fn()
      .then(setStatus)
      .catch((e: unknown) => setStatus(e instanceof Error ? e.message : String(e)));
  };

  return (
    <div className="policy-controls">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const v = Number(rate);
          if (!Number.isFinite(v) || v < 0 || v > 50) {
            setStatus('Canary share must be between 0 and 50%.');
            return;
          }
          run('Saving', async () => {
            await props.save({ canaryRate: v / 100 });
            return `Canaries now make up ${v}% of review queues.`;
          });
        }}
      >
        <label htmlFor={rateId}>Canary share of review queues (%)</label>
        <input
          id={rateId}
          type="number"
          min={0}
          max={50}
          step={1}
          value={rate}
          onChange={(e) => setRate(e.target.value)}
        />
        <button type="submit">Save canary share</button>
      </form>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const v = Number(approvals);
          if (!Number.isFinite(v) || v < 0 || v > 100) {
            setStatus('The audit share of approvals must be between 0 and 100%.');
            return;
          }
          run('Saving', async () => {
            await props.save({ approvalAuditRate: v / 100 });
            return v
              ? `${v}% of people's approvals are now sampled for audit (four times as many of those faster than skimming).`
              : "People's approvals are no longer sampled for audit.";
          });
        }}
      >
        <label htmlFor={approvalsId}>People's approvals sampled for audit (%)</label>
        <input
          id={approvalsId}
          type="number"
          min={0}
          max={100}
          step={0.5}
          value={approvals}
          onChange={(e) => setApprovals(e.target.value)}
        />
        <button type="submit">Save audit share</button>
      </form>
      <p>
        <input
          id={adjustId}
          type="checkbox"
          checked={props.policy.autoAdjust}
          onChange={(e) => {
            const on = e.target.checked;
            run('Saving', async () => {
              await props.save({ autoAdjust: on });
              return on
                ? 'Thresholds now adjust on evidence; every change is in the audit log with its reason.'
                : 'Automatic threshold adjustment is off.';
            });
          }}
        />{' '}
        <label htmlFor={adjustId}>
          Adjust the auto threshold automatically (tighten on errors, loosen only on evidence)
        </label>
      </p>
      <p className="buttons">
        <button
          type="button"
          onClick={() =>
            run('Checking', async () => {
              const r = await props.evaluate();
              return r.applied.length ? `Applied: ${r.applied.join('; ')}.` : 'Checked: no change needed.';
            })
          }
        >
          Run quality checks now
        </button>
        <button
          type="button"
          onClick={() =>
            run('Planting', async () => {
              const n = await props.plantCanaries(3);
              return n ? `Planted ${n} canaries in review queues.` : 'No pending review drafts to copy.';
            })
          }
        >
          Plant 3 canaries now
        </button>
      </p>
      <output className="status">{status}</output>
    </div>
  );
}
