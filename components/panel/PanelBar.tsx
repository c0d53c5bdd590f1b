import { useRef } from 'react';
import type { PanelPlacement } from '../../lib/page/panel/types';

/**
 * Title bar: counts, help, side switch, collapse. Dragging it moves the panel (top offset and
 * side); the new placement is reported once, on release, to be stored.
 */
export function PanelBar({
  count,
  total,
  matching,
  placement,
  onPlacement,
  onHelp,
}: {
  count: number;
  total: number;
  matching: number;
  placement: PanelPlacement;
  onPlacement: (p: Partial<PanelPlacement>) => void;
  onHelp: () => void;
}) {
  const drag = useRef<{ dy: number; top: number; side: PanelPlacement['side'] } | null>(null);

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    if ((e.target as Element).closest('button') || e.button !== 0) return;
    const rootEl = e.currentTarget.closest<HTMLElement>('.cs-root');
    if (!rootEl) return;
    drag.current = { dy: e.clientY - rootEl.getBoundingClientRect().top, top: placement.top, side: placement.side };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    const rootEl = e.currentTarget.closest<HTMLElement>('.cs-root');
    if (!d || !rootEl) return;
    // Move the element directly while dragging; React state changes once, on release.
    d.top = Math.round(Math.min(Math.max(0, e.clientY - d.dy), Math.max(0, window.innerHeight - 48)));
    d.side = e.clientX < window.innerWidth / 2 ? 'left' : 'right';
    rootEl.style.top = `${d.top}px`;
    rootEl.classList.toggle('cs-left', d.side === 'left');
  };
  const onPointerUp = () => {
    const d = drag.current;
    drag.current = null;
    if (d && (d.top !== placement.top || d.side !== placement.side)) onPlacement({ top: d.top, side: d.side });
  };

  return (
    <div
      className="cs-bar"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
    >
      <h2 tabIndex={-1}>Countersign</h2>
      <span className="cs-count">
        {count === total ? `${count} to review` : `${count} of ${total} to review`}
        {matching ? ` · ${matching} for this page` : ''}
      </span>
      <button type="button" onClick={onHelp} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
        ?
      </button>
      <button
        type="button"
        onClick={() => onPlacement({ side: placement.side === 'right' ? 'left' : 'right' })}
        aria-label={placement.side === 'right' ? 'Move panel to the left' : 'Move panel to the right'}
      >
        {placement.side === 'right' ? '⇤' : '⇥'}
      </button>
      <button type="button" aria-expanded={true} onClick={() => onPlacement({ collapsed: true })}>
        Collapse
      </button>
    </div>
  );
}
