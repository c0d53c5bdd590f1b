import { useId } from 'react';
import { ignoreChange, toggledByPerson } from '../../lib/page/panel/trust';
import { REASON_CODES } from '../../lib/shared/schema/decision';

const CODES = Object.entries(REASON_CODES) as Array<[keyof typeof REASON_CODES, string]>;

/** Reason checkboxes from the fixed list (REASON_CODES). */
export function ReasonPicker({
  legend,
  value,
  onChange,
  invalid,
  firstRef,
}: {
  legend: string;
  value: readonly string[];
  onChange: (next: string[]) => void;
  invalid?: boolean;
  firstRef?: React.Ref<HTMLInputElement>;
}) {
  const id = useId();
  return (
    <fieldset aria-describedby={invalid ? `${id}-err` : undefined}>
      <legend>{legend}</legend>
      {CODES.map(([code, label], i) => (
        <label key={code}>
          <input
            ref={i === 0 ? firstRef : undefined}
            type="checkbox"
            name={`${id}-reason`}
            value={code}
            checked={value.includes(code)}
            onClick={(e) =>
              toggledByPerson(e, (on) => onChange(on ? [...value, code] : value.filter((v) => v !== code)))
            }
            onChange={ignoreChange}
          />
          {label}
        </label>
      ))}
      {invalid ? (
        <p id={`${id}-err`} className="cs-error" role="alert">
          Choose at least one reason.
        </p>
      ) : null}
    </fieldset>
  );
}
