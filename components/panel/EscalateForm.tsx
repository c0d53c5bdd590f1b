import { useId, useLayoutEffect, useRef, useState } from 'react';
import { byPerson, ignoreChange, toggledByPerson } from '../../lib/page/panel/trust';
import type { Draft, EscalateTo } from '../../lib/shared/schema';
import { typed } from './EditForm';

const OPTIONS: Array<{ value: string; label: string; to: EscalateTo }> = [
  { value: 'owner', label: 'Account owner', to: { kind: 'owner' } },
  { value: 'pricing', label: 'Pricing specialist', to: { kind: 'specialist', specialty: 'pricing' } },
  { value: 'legal', label: 'Legal specialist', to: { kind: 'specialist', specialty: 'legal' } },
  { value: 'competitor', label: 'Competitor specialist', to: { kind: 'specialist', specialty: 'competitor' } },
];

/** Escalate to the account owner or a specialist, with a note. */
export function EscalateForm({
  draft,
  onConfirm,
  onCancel,
}: {
  draft: Draft;
  onConfirm: (r: { escalateTo: EscalateTo; note?: string }) => void;
  onCancel: () => void;
}) {
  const id = useId();
  // A flagged draft most likely wants that flag's specialist; otherwise the owner.
  const initial = OPTIONS.find((o) => draft.flags?.includes(o.value))?.value ?? 'owner';
  const [choice, setChoice] = useState(initial);
  const [note, setNote] = useState('');
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
    const to = OPTIONS.find((o) => o.value === choice)!.to;
    onConfirm({ escalateTo: to, note: note || undefined });
  };
  return (
    <form className="cs-form" onSubmit={(e) => e.preventDefault()} aria-label="Escalate draft">
      <fieldset>
        <legend>Escalate to</legend>
        {OPTIONS.map((o) => (
          <label key={o.value}>
            <input
              ref={o.value === choice ? first : undefined}
              type="radio"
              name={`${id}-to`}
              value={o.value}
              checked={choice === o.value}
              onClick={(e) => toggledByPerson(e, () => setChoice(o.value))}
              onChange={ignoreChange}
            />
            {o.label}
            {o.value === 'owner' && draft.account.ownerId ? ` (${draft.account.ownerId})` : ''}
          </label>
        ))}
      </fieldset>
      <label className="cs-field">
        Note for them
        <textarea className="cs-note" value={note} onChange={(e) => typed(e, note) && setNote(e.currentTarget.value)} />
      </label>
      <div className="cs-actions">
        <button type="submit" className="cs-primary" onClick={submit}>
          Confirm escalate
        </button>
        <button type="button" onClick={(e) => byPerson(e) && onCancel()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
