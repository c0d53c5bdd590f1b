import { useEffect, useId, useState } from 'react';
import { errorText } from '../../lib/shared/error-text';
import type { EvaluateOut, WorkflowSummary } from '../../lib/shared/schema/governance';

export type PolicyPatch = { canaryRate?: number; autoAdjust?: boolean; approvalAuditRate?: number };

export interface PolicyControlsProps {
  policy: WorkflowSummary;
  save(patch: PolicyPatch): Promise<void>;
  evaluate(): Promise<EvaluateOut>;
  plantCanaries(count: number): Promise<number>;
}

interface PercentSettingProps {
  label: string;
  /** The stored share, 0–1. */
  share: number;
  /** Decimals of the percent shown. */
  decimals: number;
  /** The highest percent accepted. */
  max: number;
  step: number;
  button: string;
  /** What to say when the typed percent is out of 0–max. */
  outOfRange: string;
  save(percent: number): void;
  invalid(message: string): void;
}

/** A share of a workflow's policy typed as a percent, with its own save button; follows the stored share. */
function PercentSetting(p: PercentSettingProps) {
  const scale = 10 ** p.decimals;
  const shown = () => String(Math.round(p.share * 100 * scale) / scale);
  const [value, setValue] = useState(shown);
  const id = useId();
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the stored share.
  useEffect(() => setValue(shown()), [p.share]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const v = Number(value);
        if (!Number.isFinite(v) || v < 0 || v > p.max) p.invalid(p.outOfRange);
        else p.save(v);
      }}
    >
      <label htmlFor={id}>{p.label}</label>
      <input
        id={id}
        type="number"
        min={0}
        max={p.max}
        step={p.step}
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit">{p.button}</button>
    </form>
  );
}

/** Vigilance and automation switches of a workflow: canary share, automatic threshold adjustment, checks on demand. */
export function PolicyControls(props: PolicyControlsProps) {
  const [status, setStatus] = useState<string | null>(null);
  const adjustId = useId();

  const run = (label: string, fn: () => Promise<string>) => {
    setStatus(`${label}…`);
    fn()
      .then(setStatus)
      .catch((e: unknown) => setStatus(errorText(e)));
  };

  return (
    <div className="policy-controls">
      <PercentSetting
        label="Canary share of review queues (%)"
        share={props.policy.canaryRate}
        decimals={0}
        max={50}
        step={1}
        button="Save canary share"
        outOfRange="Canary share must be between 0 and 50%."
        invalid={setStatus}
        save={(v) =>
          run('Saving', async () => {
            await props.save({ canaryRate: v / 100 });
            return `Canaries now make up ${v}% of review queues.`;
          })
        }
      />
      <PercentSetting
        label="People's approvals sampled for audit (%)"
        share={props.policy.approvalAuditRate ?? 0}
        decimals={1}
        max={100}
        step={0.5}
        button="Save audit share"
        outOfRange="The audit share of approvals must be between 0 and 100%."
        invalid={setStatus}
        save={(v) =>
          run('Saving', async () => {
            await props.save({ approvalAuditRate: v / 100 });
            return v
              ? `${v}% of people's approvals are now sampled for audit (four times as many of those faster than skimming).`
              : "People's approvals are no longer sampled for audit.";
          })
        }
      />
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
