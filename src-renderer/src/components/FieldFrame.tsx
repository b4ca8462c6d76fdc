import { useId } from 'react';
import type { ChangeEvent, ReactNode } from 'react';

/** What every labelled field takes: its label, its value and the hint or inline error under it. */
export interface FieldProps {
  label: string;
  value: string;
  onChange(value: string): void;
  onBlur?(): void;
  error?: string | null | undefined;
  hint?: string;
}

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** The props the frame hands its control: linked to the label, and to the hint or error shown. */
export interface ControlProps {
  id: string;
  value: string;
  onChange(e: ChangeEvent<Control>): void;
  onBlur: (() => void) | undefined;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A labelled control with its hint or inline error announced and linked for screen readers: the
 * shared frame of TextField, TextAreaField and SelectField, which only render the control itself.
 */
export function FieldFrame({
  label,
  value,
  onChange,
  onBlur,
  error,
  hint,
  children,
}: FieldProps & { children(control: ControlProps): ReactNode }) {
  const id = useId();
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        value,
        onChange: (e) => onChange(e.target.value),
        onBlur,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy,
      })}
      {hint && !error && (
        <p id={`${id}-hint`} className="muted field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="error field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
