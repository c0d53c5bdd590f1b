import { useCallback, useState } from 'react';
import type { ApiClient } from '../../lib/shared/api-client';
import { errorText } from '../../lib/shared/error-text';
import type { Webhook, WebhookDelivery } from '../../lib/shared/schema';
import { useApiData } from './useApiData';

/** Deliveries shown per subscription: the latest, and the latest failed ones (retries ran out). */
const RECENT = 10;
const FAILED = 10;

interface SubscriptionData {
  webhook: Webhook;
  recent: WebhookDelivery[];
  failed: WebhookDelivery[];
}

function when(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

/**
 * Issue 14: each webhook subscription's recent deliveries and failures — state, attempts, next
 * attempt, last response code and error — with **Retry** on a failed delivery (the admin API's
 * retry route; same `webhook-id`). Fetches its own data so the dashboard only places it.
 */
export function WebhooksSection({ client }: { client: ApiClient }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async (): Promise<SubscriptionData[]> => {
    const { webhooks } = await client.call('listWebhooks');
    return Promise.all(
      webhooks.map(async (webhook) => {
        const params = { id: webhook.id };
        const [recent, failed] = await Promise.all([
          client.call('webhookDeliveries', { params, query: { limit: RECENT } }),
          client.call('webhookDeliveries', { params, query: { limit: FAILED, state: 'failed' } }),
        ]);
        return { webhook, recent: recent.deliveries, failed: failed.deliveries };
      }),
    );
  }, [client]);
  const { data: subs, error, refresh, reload } = useApiData(load);

  async function retry(webhookId: string, d: WebhookDelivery) {
    setBusy(d.id);
    setMessage(null);
    try {
      await client.call('retryDelivery', { params: { id: webhookId, deliveryId: d.id } });
      setMessage(`Delivery ${d.id} (${d.type}) will be sent again.`);
      await reload();
    } catch (e) {
      setMessage(`Retry failed: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  }

  const table = (webhookId: string, rows: WebhookDelivery[], label: string) => (
    <table className="data" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Draft</th>
          <th scope="col">State</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last attempt</th>
          <th scope="col">Next attempt</th>
          <th scope="col">Response</th>
          <th scope="col">Last error</th>
          <th scope="col">
            <span className="sr-only">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id} data-state={d.state}>
            <td>{d.type}</td>
            <td>
              <code>{d.draftId}</code>
            </td>
            <td>{d.state}</td>
            <td>{d.attempts}</td>
            <td>{when(d.lastAttemptAt)}</td>
            <td>{d.state === 'pending' ? when(d.nextAttemptAt) : '—'}</td>
            <td>{d.lastStatus ?? '—'}</td>
            <td>{d.lastError ?? '—'}</td>
            <td>
              {d.state === 'failed' && (
                <button
                  type="button"
                  disabled={busy !== null}
                  aria-label={`Retry ${d.type} for ${d.draftId}`}
                  onClick={() => void retry(webhookId, d)}
                >
                  Retry
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <section aria-labelledby="h-webhooks" className="webhooks">
      <h2 id="h-webhooks">Webhooks</h2>
      <p className="controls">
        <button type="button" onClick={() => refresh()}>
          Refresh deliveries
        </button>
      </p>
      {error && (
        <p className="error" role="alert">
          Webhooks: {error}
        </p>
      )}
      {message && <output className="message">{message}</output>}
      {subs?.length === 0 && <p className="empty">No webhook subscriptions (POST /v1/webhooks adds one).</p>}
      {subs?.map(({ webhook: w, recent, failed }) => (
        <article key={w.id} aria-label={`Webhook ${w.url}`}>
          <h3>
            <code>{w.url}</code>
          </h3>
          <p>
            {w.events.join(', ')}
            {w.workflows ? ` · workflows ${w.workflows.join(', ')}` : ' · every workflow'}
            {w.description ? ` · ${w.description}` : ''}
          </p>
          {w.stats && (
            <p data-testid="webhook-stats">
              Latest deliveries: {w.stats.delivered} delivered, {w.stats.pending} pending, {w.stats.failed} failed
              {w.stats.lastFailureAt
                ? ` · last failure ${when(w.stats.lastFailureAt)}: ${w.stats.lastError ?? ''}`
                : ''}
            </p>
          )}
          {recent.length === 0 ? (
            <p className="empty">No deliveries yet.</p>
          ) : (
            table(w.id, recent, `Recent deliveries to ${w.url}`)
          )}
          {failed.length > 0 && (
            <>
              <h4>Failed (retries ran out)</h4>
              {table(w.id, failed, `Failed deliveries to ${w.url}`)}
            </>
          )}
        </article>
      ))}
    </section>
  );
}
