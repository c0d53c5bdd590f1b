import { useLayoutEffect, useRef, useState } from 'react';
import { byPerson } from '../../lib/page/panel/trust';
import { typed } from './EditForm';
import { ReasonPicker } from './ReasonPicker';

/** Reject with at least one reason code and an optional note. */
export function RejectForm({
  onConfirm,
  onCancel,
  confirmLabel = 'Confirm reject',
  label = 'Reject draft',
}: {
  onConfirm: (r: { reasons: string[]; note?: string }) => void;
  onCancel: () => void;
  confirmLabel?: string;
  label?: string;
}) {
  const [reasons, setReasons] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  // Focus moves in the same frame as the form appears (a layout effect, not a passive one): the
  // next keystroke already lands in it, whichever renderer runs the panel (preact/compat runs
  // passive effects a frame later).
  useLayoutEffect(() => {
    first.current?.focus();
  }, []);
  // Confirming decides: only on the person's own click (see EditForm and lib/page/panel/trust.ts).
  const submit = (e: React.MouseEvent) => {
    e.preventDefault();
    if (!byPerson(e)) return;
    setTried(true);
    if (reasons.length === 0) {
      first.current?.focus();
      return;
    }
    onConfirm({ reasons, note: note || undefined });
  };
  return (
    <form className="cs-form" onSubmit={(e) => e.preventDefault()} aria-label={label}>
      <ReasonPicker
        legend="Why reject it? (at least one)"
        value={reasons}
        onChange={setReasons}
        invalid={tried && reasons.length === 0}
        firstRef={first}
      />
      <label className="cs-field">
        Note (optional)
        <textarea className="cs-note" value={note} onChange={(e) => typed(e, note) && setNote(e.currentTarget.value)} />
      </label>
      <div className="cs-actions">
        <button type="submit" className="cs-primary" onClick={submit}>
          {confirmLabel}
        </button>
        <button type="button" onClick={(e) => byPerson(e) && onCancel()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
