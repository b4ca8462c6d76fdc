import { useId } from 'react';

interface Props {
  label: string;
  value: string;
  onChange(value: string): void;
  onBlur?(): void;
  error?: string | null | undefined;
  hint?: string;
  rows?: number;
  placeholder?: string;
  readOnly?: boolean;
  mono?: boolean;
}

/** A labelled textarea with its hint or inline error linked for screen readers (see TextField). */
export function TextAreaField(p: Props) {
  const id = useId();
  const describedBy = p.error ? `${id}-error` : p.hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <textarea
        id={id}
        className={p.mono ? 'mono' : undefined}
        rows={p.rows ?? 3}
        value={p.value}
        placeholder={p.placeholder}
        readOnly={p.readOnly}
        spellCheck={false}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => p.onChange(e.target.value)}
        onBlur={p.onBlur}
      />
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
