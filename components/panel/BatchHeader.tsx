import { useState } from 'react';
import { byPerson } from '../../lib/page/panel/trust';
import { RejectForm } from './RejectForm';

/** Header of a segment batch: approve-all / reject-all over the drafts still included. */
export function BatchHeader({
  segment,
  total,
  included,
  held = 0,
  onApproveAll,
  onRejectAll,
}: {
  segment: string;
  total: number;
  included: number;
  /** Members that are never batch-decided (high-risk: lib/shared/policy/friction.ts). */
  held?: number;
  onApproveAll: () => void;
  onRejectAll: (r: { reasons: string[]; note?: string }) => void;
}) {
  const [rejecting, setRejecting] = useState(false);
  return (
    <section className="cs-group" aria-label={`Batch: ${segment}`}>
      <h3>
        Batch “{segment}” · {included} of {total} included
      </h3>
      {held > 0 ? (
        <p className="cs-friction">
          {held} {held === 1 ? 'draft is' : 'drafts are'} decided on {held === 1 ? 'its' : 'their'} own, not in the
          batch (named account, specialist, second review or manual route).
        </p>
      ) : null}
      {rejecting ? (
        <RejectForm
          label={`Reject batch ${segment}`}
          confirmLabel={`Confirm reject ${included}`}
          onConfirm={(r) => {
            setRejecting(false);
            onRejectAll(r);
          }}
          onCancel={() => setRejecting(false)}
        />
      ) : (
        <div className="cs-actions">
          <button
            type="button"
            className="cs-primary"
            disabled={included === 0}
            onClick={(e) => byPerson(e) && onApproveAll()}
          >
            Approve all {included}
          </button>
          <button
            type="button"
            className="cs-danger"
            disabled={included === 0}
            onClick={(e) => byPerson(e) && setRejecting(true)}
          >
            Reject all {included}
          </button>
        </div>
      )}
    </section>
  );
}
