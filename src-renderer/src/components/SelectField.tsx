import { FieldFrame } from './FieldFrame';
import type { FieldProps } from './FieldFrame';

interface Props extends FieldProps {
  options: readonly { value: string; label: string }[];
  disabled?: boolean;
}

/** A labelled select with its hint or inline error linked for screen readers (see FieldFrame). */
export function SelectField({ options, disabled, ...field }: Props) {
  return (
    <FieldFrame {...field}>
      {(control) => (
        <select {...control} disabled={disabled}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldFrame>
  );
}
