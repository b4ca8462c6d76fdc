import { useId } from 'react';

interface Props {
  label: string;
  value: string;
  onChange(value: string): void;
  onBlur?(): void;
  error?: string | null | undefined;
  hint?: string;
  type?: 'text' | 'password';
  autoFocus?: boolean;
  autoComplete?: 'off' | 'new-password' | 'current-password';
  placeholder?: string;
  inputMode?: 'numeric' | 'text';
}

/** A labelled input with its hint or inline error announced and linked for screen readers. */
export function TextField(p: Props) {
  const id = useId();
  const describedBy = p.error ? `${id}-error` : p.hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{p.label}</label>
      <input
        id={id}
        type={p.type ?? 'text'}
        value={p.value}
        autoFocus={p.autoFocus}
        placeholder={p.placeholder}
        inputMode={p.inputMode}
        spellCheck={false}
        autoComplete={p.autoComplete ?? 'off'}
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
