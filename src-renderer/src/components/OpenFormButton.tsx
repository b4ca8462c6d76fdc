/** A view's primary action that opens its form: off while the form is open. */
export function OpenFormButton({ label, open, onOpen }: { label: string; open: boolean; onOpen(): void }) {
  return (
    <button type="button" className="primary" onClick={onOpen} disabled={open}>
      {label}
    </button>
  );
}
