import { useCallback, useId, useState } from 'react';
import type { ApiClient } from '../../lib/shared/api-client';
import { errorText } from '../../lib/shared/error-text';
import { TEAM_EVENTS, type WorkflowChannel } from '../../lib/shared/schema';
import { useApiData } from './useApiData';

/**
 * Issue 15 §6: the workflow's team channels (email or a Slack-compatible webhook), beside each
 * person's own preferences — what the team hears of the workflow's drafts (escalations, named-account
 * drafts waiting, deadlines and SLAs at risk or passed, a segment's repeated failures). Add, remove,
 * digest on or off; Save replaces the set (`PUT /v1/workflows/{workflow}/channels`, admin). The
 * server checks each target (an email address; an http(s) URL without credentials) and says why not.
 */
export function TeamChannelsSection({ client, workflow }: { client: ApiClient; workflow: string }) {
  const kindId = useId();
  const targetId = useId();
  const digestId = useId();
  const [kind, setKind] = useState<WorkflowChannel['kind']>('slack');
  const [target, setTarget] = useState('');
  const [digest, setDigest] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => client.call('getChannels', { params: { workflow } }), [client, workflow]);
  const { data, setData, error, setError } = useApiData(load);

  async function save(channels: WorkflowChannel[], done: string) {
    setBusy(true);
    setMessage(null);
    try {
      setData(await client.call('putChannels', { params: { workflow }, body: { channels } }));
      setError(null);
      setMessage(done);
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  }

  const current: WorkflowChannel[] = (data?.channels ?? []).map(({ kind, target, digest, events }) => ({
    kind,
    target,
    digest,
    events,
  }));

  async function add(e: React.FormEvent) {
    e.preventDefault();
    const t = target.trim();
    if (!t) return;
    if (await save([...current, { kind, target: t, digest, events: [] }], `Added ${t}.`)) {
      setTarget('');
      setDigest(false);
    }
  }

  return (
    <section aria-labelledby="h-channels" className="channels">
      <h2 id="h-channels">Team channels</h2>
      <p className="note">
        Where the team hears of {workflow}'s drafts, beside each person's own notifications: by default{' '}
        {TEAM_EVENTS.join(', ').replaceAll('_', ' ')}. Links open the draft and decide nothing.
      </p>
      {error && (
        <p className="error" role="alert">
          Team channels: {error}
        </p>
      )}
      {message && <output className="message">{message}</output>}
      {data && data.channels.length === 0 && <p className="empty">No team channel for {workflow}.</p>}
      {data && data.channels.length > 0 && (
        <table className="data" aria-label={`Team channels of ${workflow}`}>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Target</th>
              <th scope="col">Digest</th>
              <th scope="col">Events</th>
              <th scope="col">Changed</th>
              <th scope="col">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.channels.map((ch, i) => (
              <tr key={`${ch.kind}:${ch.target}`}>
                <td>{ch.kind === 'slack' ? 'Webhook' : 'Email'}</td>
                <td>
                  <code>{ch.target}</code>
                </td>
                <td>
                  <input
                    type="checkbox"
                    checked={ch.digest}
                    disabled={busy}
                    aria-label={`Digest for ${ch.target}`}
                    onChange={(e) =>
                      void save(
                        current.map((c, j) => (j === i ? { ...c, digest: e.target.checked } : c)),
                        `${ch.target}: ${e.target.checked ? 'digest' : 'one message each'}.`,
                      )
                    }
                  />
                </td>
                <td>{ch.events.length ? ch.events.join(', ') : 'team events'}</td>
                <td>
                  {ch.updatedBy}, {ch.updatedAt.slice(0, 16).replace('T', ' ')} UTC
                </td>
                <td>
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={`Remove ${ch.target}`}
                    onClick={() =>
                      void save(
                        current.filter((_, j) => j !== i),
                        `Removed ${ch.target}.`,
                      )
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="controls" onSubmit={(e) => void add(e)} aria-label="Add a team channel">
        <label htmlFor={kindId}>Kind</label>
        <select id={kindId} value={kind} onChange={(e) => setKind(e.target.value as WorkflowChannel['kind'])}>
          <option value="slack">Slack-compatible webhook</option>
          <option value="email">Email</option>
        </select>
        <label htmlFor={targetId}>{kind === 'slack' ? 'Webhook URL' : 'Email address'}</label>
        <input
          id={targetId}
          type={kind === 'slack' ? 'url' : 'email'}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          required
          maxLength={2000}
        />
        <label htmlFor={digestId}>
          <input id={digestId} type="checkbox" checked={digest} onChange={(e) => setDigest(e.target.checked)} /> Digest
        </label>
        <button type="submit" disabled={busy || !target.trim()}>
          Add channel
        </button>
      </form>
    </section>
  );
}
