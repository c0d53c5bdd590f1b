import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../../lib/shared/error-text';

/**
 * The fetch-and-state code the dashboard's self-loading sections share (Webhooks, Calibration
 * sessions, Accountability): loads `load` when it changes (a load that finishes after a newer one
 * started, or after unmount, is dropped), keeps the data and the last error, and offers
 * `refresh` (reload, errors shown) and `reload` (reload, errors thrown to the caller's action).
 * `load` must be memoised (useCallback) on what it reads.
 */
export function useApiData<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    let live = true;
    load()
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [load]);

  useEffect(() => refresh(), [refresh]);

  const reload = useCallback(async () => {
    setData(await load());
  }, [load]);

  /** Runs an action; its failure becomes `error`, its success clears it. */
  const run = useCallback(
    (f: () => Promise<void>) => () => {
      f()
        .then(() => setError(null))
        .catch((e: unknown) => setError(errorText(e)));
    },
    [],
  );

  return { data, setData, error, setError, refresh, reload, run };
}
