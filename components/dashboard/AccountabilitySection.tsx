import { useCallback } from 'react';
import type { ApiClient } from '../../lib/shared/api-client';
import type { Accountability } from '../../lib/shared/schema';
import { duration, num, pct } from './format';
import { useApiData } from './useApiData';

/** Error-type rows by segment and reason over the window, with their counts per day. */
function errorTypeRows(rows: Accountability['errorTypes']) {
  const by = new Map<string, { segment: string; reason: string; total: number; days: [string, number][] }>();
  for (const r of rows) {
    const key = `${r.segment}\u0000${r.reason}`;
    const row = by.get(key) ?? { segment: r.segment, reason: r.reason, total: 0, days: [] };
    row.total += r.count;
    row.days.push([r.day, r.count]);
    by.set(key, row);
  }
  return [...by.values()].sort(
    (a, b) => a.segment.localeCompare(b.segment) || b.total - a.total || a.reason.localeCompare(b.reason),
  );
}

/**
 * Accountability (issue 16 §4): who approved what and what was found wrong later — per reviewer
 * their approvals, misses (audit failures, customer complaints, QA) and miss rate, canary catch,
 * median review time and the reasons they use; the negative outcomes with the people who approved
 * those drafts; and the error types (reason codes) by segment over time. Fetches its own data.
 */
export function AccountabilitySection({
  client,
  workflow,
  days,
}: {
  client: ApiClient;
  workflow: string;
  /** The dashboard's window in days (0 = all time). */
  days: number;
}) {
  const load = useCallback(
    () =>
      client.call('accountability', {
        query: { workflow, since: days > 0 ? new Date(Date.now() - days * 86_400_000).toISOString() : undefined },
      }),
    [client, workflow, days],
  );
  const { data, error } = useApiData(load);

  return (
    <section aria-labelledby="h-account" className="accountability">
      <h2 id="h-account">Accountability</h2>
      {error && (
        <p className="error" role="alert">
          Accountability: {error}
        </p>
      )}
      {data && data.reviewers.length === 0 && <p className="empty">No decisions in this window.</p>}
      {data && data.reviewers.length > 0 && (
        <table className="data" aria-label="Approvals and misses per reviewer">
          <thead>
            <tr>
              <th scope="col">Reviewer</th>
              <th scope="col">Approvals</th>
              <th scope="col">Checked later</th>
              <th scope="col">Misses (audit / customer / QA)</th>
              <th scope="col">Miss rate</th>
              <th scope="col">Canaries caught</th>
              <th scope="col">Median review time</th>
              <th scope="col">Reasons used</th>
            </tr>
          </thead>
          <tbody>
            {data.reviewers.map((r) => (
              <tr key={r.userId}>
                <th scope="row">{r.name ? `${r.name} (${r.userId})` : r.userId}</th>
                <td>{num(r.approvals)}</td>
                <td>{num(r.checked)}</td>
                <td>
                  {num(r.misses)} ({r.missesBySource.audit} / {r.missesBySource.customer} / {r.missesBySource.qa})
                </td>
                <td>{pct(r.missRate)}</td>
                <td>{r.canaries ? `${r.canariesCaught} of ${r.canaries} (${pct(r.canaryCatchRate)})` : '—'}</td>
                <td>{duration(r.reviewTimeMedianMs)}</td>
                <td>{r.reasons.length ? r.reasons.map((x) => `${x.reason} ${x.count}`).join(', ') : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && (
        <>
          <h3>Found wrong later</h3>
          {data.misses.length === 0 ? (
            <p className="empty">No negative outcomes in this window.</p>
          ) : (
            <ul className="misses" aria-label="Negative outcomes and who approved them">
              {data.misses.map((m) => (
                <li key={`${m.draftId}-${m.at}`}>
                  <code>{m.draftId}</code> {m.segment ? `(${m.segment}) ` : ''}— {m.source} on {m.at.slice(0, 10)}:{' '}
                  {m.approvedBy.length ? `approved by ${m.approvedBy.join(' and ')}` : 'auto-approved'}
                  {m.note ? ` — ${m.note}` : ''}
                </li>
              ))}
            </ul>
          )}
          <h3>Error types by segment</h3>
          {data.errorTypes.length === 0 ? (
            <p className="empty">No edits or rejections with reasons in this window.</p>
          ) : (
            <table className="data" aria-label="Error types by segment">
              <thead>
                <tr>
                  <th scope="col">Segment</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Count</th>
                  <th scope="col">By day</th>
                </tr>
              </thead>
              <tbody>
                {errorTypeRows(data.errorTypes).map((r) => (
                  <tr key={`${r.segment}-${r.reason}`}>
                    <td>{r.segment || '(none)'}</td>
                    <th scope="row">{r.reason}</th>
                    <td>{num(r.total)}</td>
                    <td>{r.days.map(([d, n]) => `${d.slice(5)}: ${n}`).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
