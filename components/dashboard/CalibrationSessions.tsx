import { useCallback, useEffect, useId, useState } from 'react';
import type { ApiClient } from '../../lib/shared/api-client';
import type { CalibrationResults } from '../../lib/shared/schema';
import { num, pct } from './format';
import { useApiData } from './useApiData';

/**
 * Calibration sessions of a workflow (issue 16 §3), for admins: start one on a random sample of
 * drafts with chosen reviewers, follow who has judged how many (counts only), close it, and read
 * the agreement (Fleiss' kappa with its interval), who deviates from the majority of the others,
 * and the drafts that split the team.
 */
export function CalibrationSessions({
  client,
  workflow,
  candidates,
  changed = 0,
  onChange,
}: {
  client: ApiClient;
  workflow: string;
  /** Reviewer ids to offer (those with decisions in the window). */
  candidates: string[];
  /** Reloads the list when it changes (the admin judged in a session). */
  changed?: number;
  /** Called after a session was started or closed. */
  onChange?: () => void;
}) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [extra, setExtra] = useState('');
  const [size, setSize] = useState(20);
  const [results, setResults] = useState<CalibrationResults | null>(null);
  const sizeId = useId();
  const extraId = useId();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `changed` forces a reload.
  const load = useCallback(async () => {
    const list = await client.call('listCalibrationSessions');
    return list.sessions.filter((s) => s.workflow === workflow);
  }, [client, workflow, changed]);
  const { data, error, reload, run } = useApiData(load);
  const sessions = data ?? [];

  // Another workflow's results do not stay on screen.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the workflow changes.
  useEffect(() => setResults(null), [workflow]);

  const reviewers = [
    ...new Set([
      ...chosen,
      ...extra
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ]),
  ];

  return (
    <div className="calibration-sessions">
      <fieldset>
        <legend>New calibration session</legend>
        <p>
          Every chosen reviewer judges the same drafts on their own; no one sees another's judgement and nothing is
          sent.
        </p>
        <label htmlFor={sizeId}>Drafts to sample</label>
        <input
          id={sizeId}
          type="number"
          min={2}
          max={200}
          value={size}
          onChange={(e) => setSize(Number(e.target.value))}
        />
        <fieldset>
          <legend>Reviewers</legend>
          {candidates.map((u) => (
            <label key={u}>
              <input
                type="checkbox"
                checked={chosen.includes(u)}
                onChange={(e) => setChosen((c) => (e.target.checked ? [...c, u] : c.filter((x) => x !== u)))}
              />
              {u}
            </label>
          ))}
        </fieldset>
        <label htmlFor={extraId}>Other reviewers (ids, comma-separated)</label>
        <input id={extraId} value={extra} onChange={(e) => setExtra(e.target.value)} />
        <button
          type="button"
          disabled={reviewers.length < 2}
          onClick={run(async () => {
            await client.call('createCalibrationSession', {
              body: { workflow, reviewers, sample: { size } },
            });
            await reload();
            onChange?.();
          })}
        >
          Start session
        </button>
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {sessions.length === 0 ? (
        <p className="empty">No calibration sessions for this workflow yet.</p>
      ) : (
        <table className="data" aria-label="Calibration sessions">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Drafts</th>
              <th scope="col">Judged</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.name}</th>
                <td>{num(s.items)}</td>
                <td>{(s.progress ?? []).map((p) => `${p.userId} ${p.judged}/${s.items}`).join(', ')}</td>
                <td>{s.closedAt ? `closed ${s.closedAt.slice(0, 10)}` : 'open'}</td>
                <td>
                  <button
                    type="button"
                    onClick={run(async () => {
                      setResults(await client.call('calibrationResults', { params: { id: s.id } }));
                    })}
                  >
                    Show results
                  </button>
                  {!s.closedAt && (
                    <button
                      type="button"
                      onClick={run(async () => {
                        setResults(await client.call('closeCalibrationSession', { params: { id: s.id } }));
                        await reload();
                        onChange?.();
                      })}
                    >
                      Close session
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {results && <SessionResults results={results} />}
    </div>
  );
}

function kappaText(r: CalibrationResults['agreement']): string {
  if (r.kappa === null) return 'not enough judgements yet';
  const ci = r.interval
    ? ` (${pct(r.interval.level)} interval ${r.interval.low.toFixed(2)} to ${r.interval.high.toFixed(2)})`
    : '';
  return `${r.kappa.toFixed(2)}${ci}`;
}

function SessionResults({ results }: { results: CalibrationResults }) {
  const a = results.agreement;
  return (
    <section aria-label={`Results of ${results.session.name}`} data-testid="calibration-results">
      <p>
        Fleiss' κ <strong>{kappaText(a)}</strong> over {num(a.items)} drafts judged by two or more; observed agreement{' '}
        {pct(a.observed)}, by chance {pct(a.expected)}.
      </p>
      <table className="data" aria-label="Deviation from the majority">
        <thead>
          <tr>
            <th scope="col">Reviewer</th>
            <th scope="col">Judged</th>
            <th scope="col">Against the others' majority</th>
            <th scope="col">Approve / edit / reject / escalate</th>
          </tr>
        </thead>
        <tbody>
          {results.reviewers.map((r) => (
            <tr key={r.userId}>
              <th scope="row">{r.userId}</th>
              <td>{num(r.judged)}</td>
              <td>{r.compared === 0 ? '—' : `${r.deviations} of ${r.compared} (${pct(r.deviationRate)})`}</td>
              <td>
                {r.verdicts.approve} / {r.verdicts.edit} / {r.verdicts.reject} / {r.verdicts.escalate}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Drafts that split the team</h4>
      {results.splits.length === 0 ? (
        <p className="empty">None: every draft got the same verdict from everyone who judged it.</p>
      ) : (
        <ul className="splits">
          {results.splits.map((s) => (
            <li key={s.draftId}>
              <strong>{s.draftId}</strong>: {s.counts.approve} approve, {s.counts.edit} edit, {s.counts.reject} reject,{' '}
              {s.counts.escalate} escalate{s.majority ? ` (majority ${s.majority})` : ' (no majority)'}
              <ul>
                {s.judgements.map((j) => (
                  <li key={j.userId}>
                    {j.userId}: {j.verdict}
                    {j.reasons.length > 0 ? ` (${j.reasons.join(', ')})` : ''}
                    {j.note ? ` — ${j.note}` : ''}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
