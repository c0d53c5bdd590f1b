import { useState } from 'react';
import { RejectForm } from './RejectForm';

/** Header of a segment batch: approve-all / reject-all over the drafts still included. */
export function BatchHeader({
  segment,
  total,
  included,
  onApproveAll,
  onRejectAll,
}: {
  segment: string;
  total: number;
  included: number;
  onApproveAll: () => void;
  onRejectAll: (r: { reasons: string[]; note?: string }) => void;
}) {
  const [rejecting, setRejecting] = useState(false);
  return (
    <section className="cs-group" aria-label={`Batch: ${segment}`}>
      <h3>
        Batch “{segment}” · {included} of {total} included
      </h3>
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
          <button type="button" className="cs-primary" disabled={included === 0} onClick={onApproveAll}>
            Approve all {included}
          </button>
          <button type="button" className="cs-danger" disabled={included === 0} onClick={() => setRejecting(true)}>
            Reject all {included}
          </button>
        </div>
      )}
    </section>
  );
}
