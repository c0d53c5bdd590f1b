import { byPerson } from '../../lib/page/panel/trust';
import type { PendingGroup } from '../../lib/page/panel/types';

/** Shown while the newest decision can still be taken back, before it goes to the outbox. */
export function UndoBar({
  pending,
  notice,
  onUndo,
  onCopy,
}: {
  pending: PendingGroup | null;
  /** A short message when nothing is pending (e.g. "Undone: …"). */
  notice?: string | null;
  onUndo: () => void;
  onCopy?: (text: string) => void;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: <output> may hold only phrasing content; this holds buttons and text
    <div className="cs-undo-wrap" role="status" aria-live="polite">
      {pending ? (
        <div className="cs-undo">
          <p>
            {pending.label}
            {pending.applying
              ? ' — putting it in place…'
              : pending.apply?.message
                ? ''
                : pending.apply
                  ? ` — ${pending.apply.placed ? 'put into' : 'it will go to'} ${pending.apply.where}`
                  : ''}
          </p>
          {pending.apply?.message ? <p className="cs-problem">{pending.apply.message}</p> : null}
          {pending.apply?.openCompose ? (
            <button type="button" onClick={() => pending.apply?.openCompose?.()}>
              Open a compose window
            </button>
          ) : null}
          {pending.copy !== undefined && onCopy ? (
            <button type="button" onClick={(e) => byPerson(e) && onCopy(pending.copy!)}>
              Copy text
            </button>
          ) : null}
          <button type="button" onClick={(e) => byPerson(e) && onUndo()}>
            Undo
          </button>
        </div>
      ) : notice ? (
        <p className="cs-status">{notice}</p>
      ) : null}
    </div>
  );
}
