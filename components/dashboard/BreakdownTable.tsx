import type { MetricSet } from '../../lib/shared/schema/governance';
import { num, pct } from './format';

/** The same rates split by a key (segment or model version), so a weak slice is not hidden by the average. */
export function BreakdownTable({ label, sets }: { label: string; sets: Record<string, MetricSet> }) {
  const rows = Object.entries(sets).sort((a, b) => b[1].drafts - a[1].drafts);
  if (rows.length === 0) return null;
  return (
    <div className="scroll">
      <table className="data" aria-label={`By ${label}`}>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col">Drafts</th>
            <th scope="col">Approved unchanged</th>
            <th scope="col">Override</th>
            <th scope="col">Auto-approved</th>
            <th scope="col">False auto-approvals</th>
            <th scope="col">Post-review errors</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([key, m]) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td>{num(m.drafts)}</td>
              <td>{pct(m.approveUnchangedRate)}</td>
              <td className={m.overrideBand === 'healthy' || m.overrideBand === 'unknown' ? undefined : 'out-of-band'}>
                {pct(m.overrideRate)}
              </td>
              <td>{pct(m.autoApprovalRate)}</td>
              <td>{m.auditedAuto ? `${pct(m.falseAutoRate, 1)} of ${num(m.auditedAuto)}` : '—'}</td>
              <td>{m.checkedReviewed ? `${pct(m.postReviewErrorRate, 1)} of ${num(m.checkedReviewed)}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
