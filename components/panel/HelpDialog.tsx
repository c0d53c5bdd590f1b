import { useLayoutEffect, useRef } from 'react';
import { KEY_HELP } from '../../lib/page/panel/keyboard';

/** Keyboard help, inside the panel (a portal outside the shadow root would lose its styles). */
export function HelpDialog({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  // Focus moves in the same frame as the form appears (a layout effect, not a passive one): the
  // next keystroke already lands in it, whichever renderer runs the panel (preact/compat runs
  // passive effects a frame later).
  useLayoutEffect(() => {
    close.current?.focus();
  }, []);
  return (
    <div className="cs-help" role="dialog" aria-modal="false" aria-labelledby="cs-help-title">
      <h2 id="cs-help-title">Keyboard shortcuts</h2>
      <dl>
        {KEY_HELP.map(([keys, what]) => (
          <div key={keys} style={{ display: 'contents' }}>
            <dt>{keys}</dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" ref={close} onClick={onClose}>
        Close help
      </button>
    </div>
  );
}
