import { useEffect } from 'react';
import { ErrorAlert } from './ErrorAlert';

/**
 * A form's footer: its failure, the submit button (saying `busyLabel` while main answers) and
 * Cancel. The submit button is also off while `disabled`. Esc cancels the form too (not while it
 * is being sent).
 */
export function FormActions({
  failure,
  busy,
  label,
  busyLabel,
  disabled,
  onCancel,
}: {
  failure: string | null;
  busy: boolean;
  label: string;
  busyLabel: string;
  disabled?: boolean;
  onCancel(): void;
}) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || busy) return;
      e.preventDefault();
      onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, onCancel]);
  return (
    <>
      <ErrorAlert message={failure} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy || disabled}>
          {busy ? busyLabel : label}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
