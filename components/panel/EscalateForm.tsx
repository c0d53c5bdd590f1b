import { useId, useLayoutEffect, useRef, useState } from 'react';
import type { Draft, EscalateTo } from '../../lib/shared/schema';

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
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const to = OPTIONS.find((o) => o.value === choice)!.to;
    onConfirm({ escalateTo: to, note: note || undefined });
  };
  return (
    <form className="cs-form" onSubmit={submit} aria-label="Escalate draft">
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
              onChange={() => setChoice(o.value)}
            />
            {o.label}
            {o.value === 'owner' && draft.account.ownerId ? ` (${draft.account.ownerId})` : ''}
          </label>
        ))}
      </fieldset>
      <label className="cs-field">
        Note for them
        <textarea className="cs-note" value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <div className="cs-actions">
        <button type="submit" className="cs-primary">
          Confirm escalate
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
