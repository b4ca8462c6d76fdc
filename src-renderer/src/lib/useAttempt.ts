import { useCallback, useState } from 'react';
import { errorText } from '../api/client';

/**
 * Runs a view's one-off actions (refresh, remove, suspend…): the last one's failure as text for an
 * ErrorAlert, cleared when the next starts.
 */
export function useAttempt() {
  const [error, setError] = useState<string | null>(null);
  // Stable across renders (it uses nothing but the setter), so effects may depend on it.
  const attempt = useCallback(async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  return { error, attempt };
}
