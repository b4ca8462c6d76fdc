import { FieldFrame } from './FieldFrame';
import type { FieldProps } from './FieldFrame';

interface Props extends FieldProps {
  rows?: number;
  placeholder?: string;
  readOnly?: boolean;
  mono?: boolean;
}

/** A labelled textarea with its hint or inline error linked for screen readers (see FieldFrame). */
export function TextAreaField({ rows, placeholder, readOnly, mono, ...field }: Props) {
  return (
    <FieldFrame {...field}>
      {(control) => (
        <textarea
          {...control}
          className={mono ? 'mono' : undefined}
          rows={rows ?? 3}
          placeholder={placeholder}
          readOnly={readOnly}
          spellCheck={false}
        />
      )}
    </FieldFrame>
  );
}
