import { useCallback, useState } from 'preact/hooks';
import { recordError, type ErrorEvent, type FlowId } from './activity.ts';

/** Busy flag + last error for a button's async handler; errors go to the page's error log too. */
export function useAction(flow: FlowId): {
  busy: boolean;
  error: ErrorEvent | null;
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  clearError: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorEvent | null>(null);
  const run = useCallback(
    async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await fn();
      } catch (err) {
        setError(recordError(flow, err));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [flow],
  );
  return { busy, error, run, clearError: useCallback(() => setError(null), []) };
}
