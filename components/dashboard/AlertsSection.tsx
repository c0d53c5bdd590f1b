import { useCallback } from 'react';
import type { ApiClient } from '../../lib/shared/api-client';
import type { Alert } from '../../lib/shared/schema';
import { useApiData } from './useApiData';

const KIND_WORDS: Record<Alert['kind'], string> = {
  segment_failures: 'Segment failing',
  queue_backlog: 'Backlog',
  escalation_surge: 'Escalation surge',
  rubber_stamping: 'Rubber-stamping',
  false_auto_rate: 'False auto-approvals',
};

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** Governance alerts (issue 16 §5): open ones first, then the latest closed ones. */
export function AlertsSection({ client }: { client: ApiClient }) {
  const load = useCallback(() => client.call('alerts', { query: { state: 'all', limit: 50 } }), [client]);
  const { data, error } = useApiData(load);
  const alerts = data?.alerts ?? [];
  const open = alerts.filter((a) => a.closedAt === null);
  const closed = alerts.filter((a) => a.closedAt !== null).slice(0, 10);
  return (
    <section aria-labelledby="h-alerts">
      <h2 id="h-alerts">Alerts</h2>
      {error && <p className="error">{error}</p>}
      {data && open.length === 0 && <p className="empty">No open alerts.</p>}
      {open.length > 0 && (
        <ul className="alerts" aria-label="Open alerts">
          {open.map((a) => (
            <li key={a.id}>
              <strong>{KIND_WORDS[a.kind]}</strong> since {when(a.openedAt)}: {a.message}
            </li>
          ))}
        </ul>
      )}
      {closed.length > 0 && (
        <ul className="alerts closed" aria-label="Closed alerts">
          {closed.map((a) => (
            <li key={a.id}>
              <strong>{KIND_WORDS[a.kind]}</strong> {when(a.openedAt)} – {when(a.closedAt ?? a.lastSeenAt)}: {a.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
