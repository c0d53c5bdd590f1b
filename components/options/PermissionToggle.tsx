import { useId } from 'react';

/**
 * The checkbox of an optional-permission feature on the options page (sandbox pages, notification
 * links): shows the browser's actual state (`on` null while it is read) and calls `onToggle` from the
 * change itself, so the permission prompt runs within the click's user gesture.
 */
export function PermissionToggle({
  label,
  describedBy,
  on,
  busy,
  onToggle,
}: {
  label: string;
  describedBy: string;
  on: boolean | null;
  busy: boolean;
  onToggle: (enable: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="check">
      <input
        id={id}
        type="checkbox"
        checked={on === true}
        disabled={on === null || busy}
        aria-describedby={describedBy}
        onChange={(e) => onToggle(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}
