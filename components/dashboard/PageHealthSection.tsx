import { useEffect, useState } from 'react';
import type { ApiClient } from '../../lib/shared/api-client';
import { errorText } from '../../lib/shared/error-text';
import type { PageHealthOut } from '../../lib/shared/schema';

/**
 * Issue 18: what happened in the page. Approvals whose text never reached a compose window or record,
 * what was sent or saved edited in the page, and the site-health lines ("Outlook: compose not
 * recognised 37 times today (since 14:05)") that show a site's markup change the day it happens.
 * Fetches its own data so the dashboard only places it.
 */
export function PageHealthSection({
  client,
  workflow,
  days,
}: {
  client: ApiClient;
  workflow: string;
  /** The dashboard's window in days (0 = all time). */
  days: number;
}) {
  const [data, setData] = useState<PageHealthOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const since = new Date(days > 0 ? Date.now() - days * 86_400_000 : 0).toISOString();
    client
      .call('pageHealth', { query: { workflow, since } })
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => live && setError(errorText(e)));
    return () => {
      live = false;
    };
  }, [client, workflow, days]);

  if (error) return <p className="error">In the page: {error}</p>;
  if (!data) return null;
  const a = data.approvals;
  return (
    <section aria-labelledby="h-page">
      <h2 id="h-page">In the page</h2>
      <dl className="recommendation" data-testid="page-reach">
        <div>
          <dt>Approvals</dt>
          <dd>{a.total}</dd>
        </div>
        <div>
          <dt>Reached the page</dt>
          <dd>{a.reached}</dd>
        </div>
        <div>
          <dt>Never reached the page</dt>
          <dd>{a.notReached}</dd>
        </div>
        <div>
          <dt>Sent or saved</dt>
          <dd>
            {a.sent} ({a.editedInPage} edited in the page)
          </dd>
        </div>
      </dl>
      <h3>Site health</h3>
      {data.sites.length === 0 ? (
        <p className="empty">Every page part was recognised in this window.</p>
      ) : (
        <ul className="reasons" data-testid="site-health">
          {data.sites.map((s) => (
            <li key={`${s.site}|${s.selectorVersion}|${s.part}`}>
              {s.message} <small>(selectors {s.selectorVersion})</small>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
