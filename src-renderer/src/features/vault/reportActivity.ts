import { api } from '../../api/client';

/** At most one report per this many ms: enough for a countdown measured in minutes. */
export const ACTIVITY_REPORT_MS = 15_000;

/**
 * The operator's keyboard and pointer input is what keeps the vault open (main's auto-lock counts
 * nothing else: not terminal output, not the reads views make on events). Reports it to main, at
 * most every ACTIVITY_REPORT_MS. Returns the function that stops listening.
 */
export function reportActivity(target: Window = window, now: () => number = Date.now): () => void {
  let last = -Infinity;
  const onInput = () => {
    const t = now();
    if (t - last < ACTIVITY_REPORT_MS) return;
    last = t;
    api.call('app.activity', {}).catch(() => undefined);
  };
  const kinds = ['keydown', 'pointerdown', 'wheel'] as const;
  for (const k of kinds) target.addEventListener(k, onInput, { capture: true, passive: true });
  return () => {
    for (const k of kinds) target.removeEventListener(k, onInput, { capture: true });
  };
}
