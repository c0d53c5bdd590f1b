import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../shared/error-text';
import type { SyncStatus } from '../shared/schema/protocol';
import { sendRequest, subscribe } from './messaging';

/**
 * The worker's sync status for an extension page (popup, options), kept live through the events
 * port. Opening the port counts as "the popup opened" and starts a sync.
 */
export function useSyncStatus(): { status: SyncStatus | null; error: string | null; refresh: () => void } {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    sendRequest('getStatus', {}).then(
      (s) => {
        setStatus(s);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    refresh();
    subscribe((event) => {
      if (event) setStatus(event.status);
      else refresh();
    }, controller.signal);
    return () => controller.abort();
  }, [refresh]);

  return { status, error, refresh };
}

export function formatWhen(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return new Date(iso).toLocaleString();
}
