import { useCallback, useState } from 'react';
import type { ApiClient } from '../../lib/shared/api-client';
import { errorText } from '../../lib/shared/error-text';
import {
  CALIBRATION_VERDICTS,
  type CalibrationItem,
  type CalibrationItems,
  type CalibrationJudgement,
  type CalibrationVerdict,
  type Content,
} from '../../lib/shared/schema';
import { pct } from './format';
import { useApiData } from './useApiData';

const VERDICT_LABEL: Record<CalibrationVerdict, string> = {
  approve: 'Approve',
  edit: 'Needs an edit',
  reject: 'Reject',
  escalate: 'Escalate',
};

function ContentView({ content }: { content: Content }) {
  if ('body' in content)
    return (
      <div className="content">
        <p>
          <strong>{content.subject}</strong>
        </p>
        <pre>{content.body}</pre>
      </div>
    );
  if ('fields' in content)
    return (
      <dl className="content">
        {content.fields.map((f) => (
          <div key={f.name}>
            <dt>{f.label ?? f.name}</dt>
            <dd>{f.value}</dd>
          </div>
        ))}
      </dl>
    );
  return <pre className="content">{content.text}</pre>;
}

type Answer = { verdict?: CalibrationVerdict; note: string };

/**
 * A reviewer's calibration screen (issue 16 §3): the sessions they are in, and for one of them every
 * draft as the pipeline wrote it, each to judge (approve, needs an edit, reject, escalate, with a
 * note). Blind by construction: the server's items carry no status, decision or anyone else's
 * judgement — only the caller's own, so coming back shows what they answered. Nothing is sent.
 *
 * An admin chosen as a judge gets the same screen on the governance dashboard (`admin`): shown
 * only while they are in a session; `changed` reloads the list (a session started or closed
 * there), `onSaved` tells the dashboard their progress changed.
 */
export function CalibrationJudging({
  client,
  admin = false,
  changed = 0,
  onSaved,
}: {
  client: ApiClient;
  admin?: boolean;
  changed?: number;
  onSaved?: () => void;
}) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: `changed` forces a reload.
  const listSessions = useCallback(
    async () => (await client.call('listCalibrationSessions')).sessions,
    [client, changed],
  );
  const sessions = useApiData(listSessions);
  const [open, setOpen] = useState<CalibrationItems | null>(null);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function start(id: string) {
    setMessage(null);
    try {
      const items = await client.call('calibrationItems', { params: { id } });
      setOpen(items);
      setAnswers(
        Object.fromEntries(
          items.items.map((i) => [i.draftId, { verdict: i.yours?.verdict, note: i.yours?.note ?? '' }]),
        ),
      );
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function save() {
    if (!open) return;
    const judgements: CalibrationJudgement[] = [];
    for (const item of open.items) {
      const a = answers[item.draftId];
      if (!a?.verdict) continue;
      judgements.push({
        draftId: item.draftId,
        verdict: a.verdict,
        ...(a.note.trim() ? { note: a.note.trim() } : {}),
      });
    }
    if (!judgements.length) {
      setMessage('Judge at least one draft first.');
      return;
    }
    try {
      const r = await client.call('putCalibrationJudgements', {
        params: { id: open.session.id },
        body: { judgements },
      });
      setMessage(`Saved. You have judged ${r.judged} of ${r.items} drafts.`);
      setError(null);
      await sessions.reload();
      onSaved?.();
    } catch (e) {
      setError(errorText(e));
    }
  }

  const set = (id: string, patch: Partial<Answer>) =>
    setAnswers((all) => ({ ...all, [id]: { note: '', ...all[id], ...patch } }));

  // An admin's list holds every session (`yourJudged` marks the ones they judge in); the screen is
  // there only while one of those is open (the closed ones' results are in the sessions table).
  const mine = (sessions.data ?? []).filter((s) => s.yourJudged !== undefined && !(admin && s.closedAt));
  if (admin && mine.length === 0 && !open && !sessions.error) return null;
  return (
    <section aria-labelledby="h-judge" className="calibration-judging">
      <h2 id="h-judge">Calibration sessions to judge</h2>
      <p>
        Judge each draft as if it were in your queue. No one sees your answers but you until the session closes, and
        nothing is sent.
      </p>
      {(sessions.error || error) && (
        <p className="error" role="alert">
          {error ?? sessions.error}
        </p>
      )}
      {sessions.data && mine.length === 0 && <p className="empty">You are not in any calibration session.</p>}
      {mine.length > 0 && (
        <ul className="sessions">
          {mine.map((s) => (
            <li key={s.id}>
              <strong>{s.name}</strong> ({s.workflow}): you judged {s.yourJudged} of {s.items}
              {s.closedAt ? ' — closed' : ''}{' '}
              {!s.closedAt && (
                <button type="button" aria-label={`Judge ${s.name}`} onClick={() => void start(s.id)}>
                  {s.yourJudged ? 'Continue' : 'Judge'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {open && (
        <form
          aria-label={`Judging ${open.session.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {open.items.map((item: CalibrationItem, n) => (
            <article key={item.draftId} aria-label={`Draft ${n + 1} of ${open.items.length}`}>
              <h3>
                Draft {n + 1} of {open.items.length}: {item.account.name} · confidence {pct(item.confidence)}
              </h3>
              <ContentView content={item.content} />
              <p className="rationale">{item.rationale}</p>
              {item.evidence.length > 0 && (
                <ul className="evidence">
                  {item.evidence.map((e) => (
                    <li key={`${e.label}-${e.snippet}`}>
                      {e.label}: {e.snippet}
                    </li>
                  ))}
                </ul>
              )}
              <fieldset>
                <legend>Your verdict on draft {n + 1}</legend>
                {CALIBRATION_VERDICTS.map((v) => (
                  <label key={v}>
                    <input
                      type="radio"
                      name={`verdict-${item.draftId}`}
                      value={v}
                      checked={answers[item.draftId]?.verdict === v}
                      onChange={() => set(item.draftId, { verdict: v })}
                    />
                    {VERDICT_LABEL[v]}
                  </label>
                ))}
                <label>
                  Note on draft {n + 1}
                  <input
                    value={answers[item.draftId]?.note ?? ''}
                    onChange={(e) => set(item.draftId, { note: e.target.value })}
                  />
                </label>
              </fieldset>
            </article>
          ))}
          <button type="submit">Save judgements</button>
        </form>
      )}
      {message && <output className="message">{message}</output>}
    </section>
  );
}
