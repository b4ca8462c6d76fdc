/**
 * Waits for a condition instead of sleeping: polls `check` until it returns a truthy value (which is
 * returned) or the deadline passes (which fails with `what`, so the failure says what never happened).
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { what: string; timeoutMs?: number; everyMs?: number },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${opts.what}.`);
    await new Promise((resolve) => setTimeout(resolve, opts.everyMs ?? 5));
  }
}

/** Lets already-scheduled timers and I/O callbacks run (a few turns of the event loop), without a fixed delay. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise the test resolves by hand: used to hold a job runner at a known point. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
