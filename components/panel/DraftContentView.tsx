import type { Draft } from '../../lib/shared/schema';

/** What the AI wrote, as text. */
export function DraftContentView({ draft }: { draft: Draft }) {
  if (draft.kind === 'email') {
    return (
      <div className="cs-content">
        {draft.content.to ? <span className="cs-reasons">To: {draft.content.to}</span> : null}
        <span className="cs-subject">{draft.content.subject}</span>
        {draft.content.body}
      </div>
    );
  }
  if (draft.kind === 'note') return <div className="cs-content">{draft.content.text}</div>;
  return (
    <dl className="cs-content cs-fields">
      {draft.content.fields.map((f) => (
        <div key={f.name} style={{ display: 'contents' }}>
          <dt>{f.label ?? f.name}</dt>
          <dd>
            {f.previous ? <span className="cs-prev">{f.previous}</span> : null}
            {f.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}
