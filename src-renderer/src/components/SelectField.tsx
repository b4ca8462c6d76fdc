import { useId } from 'react';

interface Props {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange(value: string): void;
  onBlur?(): void;
  error?: string | null | undefined;
  hint?: string;
  disabled?: boolean;
}

/** A labelled select with its hint or inline error linked for screen readers (see TextField). */
export function SelectField(p: Props) {
  const id = useId();
  const describedBy = p.error ? `${id}-error` : p.hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <select
        id={id}
        value={p.value}
        disabled={p.disabled}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => p.onChange(e.target.value)}
        onBlur={p.onBlur}
      >
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {p.hint && !p.error && (
        <p id={`${id}-hint`} className="muted field-hint">
          {p.hint}
        </p>
      )}
      {p.error && (
        <p id={`${id}-error`} className="error field-error" role="alert">
          {p.error}
        </p>
      )}
    </div>
  );
}
