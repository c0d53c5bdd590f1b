import type { Agreement, ReviewerRow, VigilanceFlag } from '../../lib/shared/schema/governance';
import { duration, num, pct } from './format';

const FLAG_LABELS: Record<VigilanceFlag, string> = {
  fast_approvals: 'Too-fast approvals',
  long_streak: 'Long approve streak',
  near_total_approval: 'Near-100% approval',
  missed_canaries: 'Missed canaries',
};

/** Reviewers with their rates and rubber-stamp signals; flagged people first. */
export function ReviewerTable({ reviewers, agreement }: { reviewers: ReviewerRow[]; agreement: Agreement }) {
  return (
    <div>
      <p className="agreement" data-testid="agreement">
        Agreement on drafts reviewed twice: <strong>{pct(agreement.agreement)}</strong>, Cohen's κ{' '}
        <strong>{agreement.kappa === null ? '—' : agreement.kappa.toFixed(2)}</strong> over {num(agreement.pairs)} pairs
      </p>
      {reviewers.length === 0 ? (
        <p className="empty">No decisions in this window.</p>
      ) : (
        <div className="scroll">
          <table className="data" aria-label="Reviewers">
            <thead>
              <tr>
                <th scope="col">Reviewer</th>
                <th scope="col">Decisions</th>
                <th scope="col">Approved unchanged</th>
                <th scope="col">Edited</th>
                <th scope="col">Rejected</th>
                <th scope="col">Median time</th>
                <th scope="col">Too fast</th>
                <th scope="col">Longest streak</th>
                <th scope="col">Canaries caught</th>
                <th scope="col">Signals</th>
              </tr>
            </thead>
            <tbody>
              {reviewers.map((r) => (
                <tr key={r.userId} className={r.flags.length > 0 ? 'flagged' : undefined}>
                  <th scope="row">{r.userId}</th>
                  <td>{num(r.decisions)}</td>
                  <td>{pct(r.approveUnchangedRate)}</td>
                  <td>{pct(r.editRate)}</td>
                  <td>{pct(r.rejectRate)}</td>
                  <td>{duration(r.reviewTimeMedianMs)}</td>
                  <td>
                    {r.fastApprovalShare === null ? '—' : `${num(r.fastApprovals)} (${pct(r.fastApprovalShare)})`}
                  </td>
                  <td>{num(r.longestApproveStreak)}</td>
                  <td>{r.canariesSeen === 0 ? '—' : `${r.canariesCaught} of ${r.canariesSeen}`}</td>
                  <td>
                    {r.flags.map((f) => (
                      <span key={f} className="badge" title={r.notes.join(' ')}>
                        {FLAG_LABELS[f]}
                      </span>
                    ))}
                    {r.flags.length === 0 && r.notes.length > 0 && <small>{r.notes.join(' ')}</small>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
