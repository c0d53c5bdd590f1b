import type { MetricSet } from '../../lib/shared/schema/governance';
import { duration, num, pct } from './format';

const BAND_TEXT = {
  low: 'below the healthy 5–20% band: review may be a formality',
  healthy: 'within the healthy 5–20% band',
  high: 'above the healthy 5–20% band: the model adds little',
  unknown: 'no reviews yet',
} as const;

/** The headline rates of the governance issue, one tile each. */
export function MetricCards({ m }: { m: MetricSet }) {
  const tiles: { label: string; value: string; note?: string; tone?: 'ok' | 'warn' }[] = [
    { label: 'Drafts', value: num(m.drafts), note: `${num(m.reviewed)} reviewed` },
    { label: 'Acceptance', value: pct(m.acceptanceRate), note: 'approved, with or without edits' },
    { label: 'Approved unchanged', value: pct(m.approveUnchangedRate) },
    { label: 'Edited', value: pct(m.editRate) },
    { label: 'Rejected', value: pct(m.rejectRate) },
    {
      label: 'Override rate',
      value: pct(m.overrideRate),
      note: BAND_TEXT[m.overrideBand],
      tone: m.overrideBand === 'healthy' ? 'ok' : m.overrideBand === 'unknown' ? undefined : 'warn',
    },
    { label: 'Escalated', value: pct(m.escalationRate) },
    { label: 'Auto-approved', value: pct(m.autoApprovalRate) },
    {
      label: 'False auto-approvals',
      value: pct(m.falseAutoRate, 1),
      note: m.falseAutoInterval
        ? `${num(m.auditedAuto)} audited; 95% ${pct(m.falseAutoInterval.low, 1)}–${pct(m.falseAutoInterval.high, 1)}`
        : 'no audited auto-approvals yet',
    },
    { label: 'Unnecessary reviews', value: pct(m.unnecessaryReviewRate), note: 'reviewed and approved unchanged' },
    {
      label: 'Post-review errors',
      value: pct(m.postReviewErrorRate, 1),
      note: m.postReviewInterval ? `${num(m.checkedReviewed)} checked later` : 'no outcomes yet',
    },
    { label: 'Time per review', value: duration(m.reviewTimeMedianMs), note: `p90 ${duration(m.reviewTimeP90Ms)}` },
    { label: 'Daily review load', value: num(m.dailyReviewLoad, 1) },
    {
      label: 'Queue',
      value: num(m.openDrafts),
      note: `median age ${duration(m.queueAgeMedianMs)}, oldest ${duration(m.queueAgeMaxMs)}`,
    },
  ];
  return (
    <ul className="tiles" aria-label="Metrics">
      {tiles.map((t) => (
        <li key={t.label} className={t.tone}>
          <span className="label">{t.label}</span>
          <span className="value">{t.value}</span>
          {t.note && <span className="note">{t.note}</span>}
        </li>
      ))}
    </ul>
  );
}
