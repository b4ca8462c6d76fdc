import { FieldFrame } from './FieldFrame';
import type { FieldProps } from './FieldFrame';

interface Props extends FieldProps {
  type?: 'text' | 'password';
  autoFocus?: boolean;
  autoComplete?: 'off' | 'new-password' | 'current-password';
  placeholder?: string;
  inputMode?: 'numeric' | 'text';
}

/** A labelled input with its hint or inline error announced and linked for screen readers. */
export function TextField({ type, autoFocus, autoComplete, placeholder, inputMode, ...field }: Props) {
  return (
    <FieldFrame {...field}>
      {(control) => (
        <input
          {...control}
          type={type ?? 'text'}
          autoFocus={autoFocus}
          placeholder={placeholder}
          inputMode={inputMode}
          spellCheck={false}
          autoComplete={autoComplete ?? 'off'}
        />
      )}
    </FieldFrame>
  );
}
