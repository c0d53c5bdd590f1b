import { useId, useLayoutEffect, useRef, useState } from 'react';
import { missingReason } from '../../lib/page/panel/decision';
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
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (missingReason({ action: 'edit', content, reasons })) {
      firstReason.current?.focus();
      return;
    }
    onSave({ content, reasons, note: note || undefined });
  };

  return (
    <form className="cs-form" onSubmit={submit} aria-label="Edit draft">
      {draft.kind === 'email' && 'body' in content ? (
        <>
          <label className="cs-field">
            Subject
            <input
              type="text"
              value={content.subject}
              onChange={(e) => setContent({ ...content, subject: e.target.value })}
            />
          </label>
          <label className="cs-field" htmlFor={`${id}-body`}>
            Draft body
          </label>
          <textarea
            id={`${id}-body`}
            ref={firstField}
            value={content.body}
            onChange={(e) => setContent({ ...content, body: e.target.value })}
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
            onChange={(e) => setContent({ text: e.target.value })}
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
                  onChange={(e) =>
                    setContent({
                      fields: content.fields.map((g, j) => (j === i ? { ...g, value: e.target.value } : g)),
                    })
                  }
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
        <textarea className="cs-note" value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <div className="cs-actions">
        <button type="submit" className="cs-primary">
          Save and approve
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
