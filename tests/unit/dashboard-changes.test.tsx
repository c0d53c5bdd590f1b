import { afterEach, describe, expect, it } from 'vitest';
import { AutonomyCard } from '../../components/dashboard/AutonomyCard';
import { autoAdjustFrom } from '../../lib/shared/policy/autonomy';
import { describeChange } from '../../lib/shared/policy/changes';
import type { AutonomyChange, AutonomyOut, Recommendation } from '../../lib/shared/schema/governance';
import { changeOf } from '../../server/service/governance/changes';
import { type Mounted, mount } from './panel-helpers';

// Issue 16: the autonomy card lists the workflow's recent changes in a team lead's words. The
// changes are made the way the server makes them: the evaluator's adjustment (autoAdjustFrom) as it
// is written to the audit log, read back by changeOf.

let mounted: Mounted | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
});

const policy = {
  workflow: 'wf',
  level: 'audit' as const,
  autoThreshold: 0.9,
  reviewThreshold: 0.7,
  falseAutoTarget: 0.02,
  minAuditedToTighten: 100,
};
const rec = (autoThreshold: number | null): Recommendation =>
  ({
    autoThreshold,
    reviewThreshold: 0.7,
    expectedFalseAutoRate: 0.01,
    expectedAutoRate: 0.6,
    n: 500,
    reasons: ['500 labelled drafts'],
    target: 0.02,
  }) as Recommendation;
const window = { unnecessaryReviewRate: 0.93 } as Parameters<typeof autoAdjustFrom>[0]['window'];

/** The audit row evaluate.ts writes for an adjustment, read back as a change. */
function logged(adj: NonNullable<ReturnType<typeof autoAdjustFrom>>, at: string): AutonomyChange {
  return changeOf({
    at,
    actor: 'governance',
    action: 'workflow.threshold_adjusted',
    original_json: JSON.stringify({ autoThreshold: adj.previous }),
    final_json: JSON.stringify({ autoThreshold: adj.autoThreshold }),
    reasons_json: JSON.stringify(adj.reasons),
    detail_json: JSON.stringify(adj.evidence),
  })!;
}

describe('autonomy changes in words', () => {
  it('tightened and loosened from the evaluator, a graduation by an admin, newest first', () => {
    const tight = autoAdjustFrom({ zone: { n: 100, wrong: 4 }, recommendation: rec(null), window, judged: 0 }, policy)!;
    const loose = autoAdjustFrom(
      { zone: { n: 100, wrong: 1 }, recommendation: rec(0.86), window, judged: 120 },
      policy,
    )!;
    const changes = [
      logged(tight, '2026-11-20T10:00:00.000Z'),
      logged(loose, '2026-11-12T09:30:00.000Z'),
      changeOf({
        at: '2026-11-01T08:00:00.000Z',
        actor: 'lead',
        action: 'workflow.graduated',
        original_json: JSON.stringify({ level: 'review_exceptions' }),
        final_json: JSON.stringify({ level: 'audit' }),
        reasons_json: '[]',
        detail_json: JSON.stringify({ reviews: 240, approveUnchangedRate: 0.91, auditedAuto: 0, falseAutoRate: null }),
      })!,
    ];
    const autonomy: AutonomyOut = { workflow: 'wf', level: 'audit', proposal: null, blockers: [], changes };
    mounted = mount(<AutonomyCard autonomy={autonomy} accept={async () => {}} />);
    const items = [...mounted.container.querySelectorAll('[aria-label="Recent autonomy changes"] li')].map(
      (li) => li.textContent,
    );
    expect(items).toEqual([
      '2026-11-20 10:00 UTC Tightened: false-auto rate 4.0% over 100 audited drafts > 2%; auto-approve threshold 90% → 92% (automatic).',
      '2026-11-12 09:30 UTC Loosened: 93% of 120 reviews approved unchanged > 90%, expected false-auto rate 1.0% ≤ 2%; auto-approve threshold 90% → 86% (automatic).',
      '2026-11-01 08:00 UTC Graduated Review exceptions → Audit by lead: 240 reviews, 91% approved unchanged.',
    ]);
  });

  it('a change recorded before its figures were kept still reads, from its reason', () => {
    const c: AutonomyChange = {
      at: '2026-10-01T00:00:00.000Z',
      actor: 'governance',
      kind: 'tightened',
      from: '0.95',
      to: '0.97',
      reasons: ['Tightened: 3 of 50 audited drafts at or above 95% were wrong in the last 7 days (6.0%, target 2.0%).'],
    };
    expect(describeChange(c)).toBe(
      'Tightened: auto-approve threshold 95% → 97% (automatic). Tightened: 3 of 50 audited drafts at or above 95% were wrong in the last 7 days (6.0%, target 2.0%).',
    );
    mounted = mount(
      <AutonomyCard
        autonomy={{ workflow: 'wf', level: 'review_all', proposal: null, blockers: [], changes: [] }}
        accept={async () => {}}
      />,
    );
    expect(mounted.container.textContent).toContain('No tightening, loosening or level change yet.');
  });
});
