import { useEffect, useRef } from 'react';

/**
 * A view's primary action that opens its form: off while the form is open, and focused again when
 * the form closes (Cancel, Esc, done), so the keyboard is back where it was.
 */
export function OpenFormButton({ label, open, onOpen }: { label: string; open: boolean; onOpen(): void }) {
  const ref = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current && !open) ref.current?.focus();
    wasOpen.current = open;
  }, [open]);
  return (
    <button ref={ref} type="button" className="primary" onClick={onOpen} disabled={open}>
      {label}
    </button>
  );
}
