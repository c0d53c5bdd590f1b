import { useId, useLayoutEffect, useRef, useState } from 'react';
import { missingReason } from '../../lib/page/panel/decision';
import { byPerson } from '../../lib/page/panel/trust';
import type { Content, Draft } from '../../lib/shared/schema';
import { DiffView } from './DiffView';
import { ReasonPicker } from './ReasonPicker';

export interface EditResult {
  content: Content;
  reasons: string[];
  note?: string;
}

/** Inline editor with a live diff against the AI text; saving needs at least one reason code. */
export function EditForm({
  draft,
  onSave,
  onCancel,
}: {
  draft: Draft;
  onSave: (r: EditResult) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [content, setContent] = useState<Content>(draft.content);
  const [reasons, setReasons] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const firstField = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const firstReason = useRef<HTMLInputElement>(null);

  // Focus moves in the same frame as the form appears (a layout effect, not a passive one): the
  // next keystroke already lands in it, whichever renderer runs the panel (preact/compat runs
  // passive effects a frame later).
  useLayoutEffect(() => {
    firstField.current?.focus();
  }, []);

  const invalid = tried && reasons.length === 0;
  // Saving approves: it runs on the person's own click (or Enter, which the browser turns into a
  // trusted click on this button), never on `submit`, which a page script can fire (lib/page/panel/trust.ts).
  const submit = (e: React.MouseEvent) => {
    e.preventDefault();
    if (!byPerson(e)) return;
    setTried(true);
    if (missingReason({ action: 'edit', content, reasons })) {
      firstReason.current?.focus();
      return;
    }
    onSave({ content, reasons, note: note || undefined });
  };

  return (
    <form className="cs-form" onSubmit={(e) => e.preventDefault()} aria-label="Edit draft">
      {draft.kind === 'email' && 'body' in content ? (
        <>
          <label className="cs-field">
            Subject
            <input
              type="text"
              value={content.subject}
              onChange={(e) => typed(e, content.subject) && setContent({ ...content, subject: e.currentTarget.value })}
            />
          </label>
          <label className="cs-field" htmlFor={`${id}-body`}>
            Draft body
          </label>
          <textarea
            id={`${id}-body`}
            ref={firstField}
            value={content.body}
            onChange={(e) => typed(e, content.body) && setContent({ ...content, body: e.currentTarget.value })}
          />
          <DiffView before={draft.content.body} after={content.body} label="Changes to the body" />
        </>
      ) : draft.kind === 'note' && 'text' in content ? (
        <>
          <label className="cs-field" htmlFor={`${id}-body`}>
            Draft body
          </label>
          <textarea
            id={`${id}-body`}
            ref={firstField}
            value={content.text}
            onChange={(e) => typed(e, content.text) && setContent({ text: e.currentTarget.value })}
          />
          <DiffView before={draft.content.text} after={content.text} label="Changes to the text" />
        </>
      ) : draft.kind === 'crm_update' && 'fields' in content ? (
        content.fields.map((f, i) => {
          const original = draft.content.fields[i]?.value ?? '';
          return (
            <div key={f.name}>
              <label className="cs-field">
                {f.label ?? f.name}
                <input
                  ref={i === 0 ? firstField : undefined}
                  type="text"
                  value={f.value}
                  onChange={(e) => {
                    if (!typed(e, f.value)) return;
                    const value = e.currentTarget.value;
                    setContent({ fields: content.fields.map((g, j) => (j === i ? { ...g, value } : g)) });
                  }}
                />
              </label>
              {f.value !== original ? (
                <DiffView before={original} after={f.value} label={`Changes to ${f.label ?? f.name}`} />
              ) : null}
            </div>
          );
        })
      ) : null}
      <ReasonPicker
        legend="Why did you edit it? (at least one)"
        value={reasons}
        onChange={setReasons}
        invalid={invalid}
        firstRef={firstReason}
      />
      <label className="cs-field">
        Note (optional)
        <textarea className="cs-note" value={note} onChange={(e) => typed(e, note) && setNote(e.currentTarget.value)} />
      </label>
      <div className="cs-actions">
        <button type="submit" className="cs-primary" onClick={submit}>
          Save and approve
        </button>
        <button type="button" onClick={(e) => byPerson(e) && onCancel()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/**
 * True when the change comes from the person's typing. A page script's `input` event is undone: the
 * field shows again what will be saved.
 */
export function typed(e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>, current: string): boolean {
  if (byPerson(e)) return true;
  e.currentTarget.value = current;
  return false;
}
