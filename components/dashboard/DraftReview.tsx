import { useCallback, useEffect, useRef, useState } from 'react';
import { sendRequest, subscribe } from '../../lib/client/messaging';
import { type ApiClient, ApiError } from '../../lib/shared/api-client';
import { makeDecision } from '../../lib/shared/decision';
import { errorText } from '../../lib/shared/error-text';
import { OPEN_ID } from '../../lib/shared/open-link';
import { canSee, waitsForPerson } from '../../lib/shared/policy/visibility';
import { type Decision, type Draft, type DraftWithDecisions, type Me, REASON_CODES } from '../../lib/shared/schema';
import type { LocalDecision } from '../../lib/shared/schema/protocol';
import { DraftContentView } from '../panel/DraftContentView';
import { EditForm, type EditResult } from '../panel/EditForm';
import { EvidenceList } from '../panel/EvidenceList';
import { RejectForm } from '../panel/RejectForm';
import { pct } from './format';

/**
 * The dashboard's draft view (issue 15, item 6): `dashboard.html?draft=<id>`, where a notification
 * link lands (through the server's /open page and the open-link content script). It shows one draft
 * for review, and lets the person approve, edit or reject it when it is theirs to decide — through
 * the worker's outbox, the same path as the panel: saved in IndexedDB first, synced once. A draft
 * whose audit check is still to do (`auditPending`) is open for the check. When the server cannot
 * be reached, it shows the worker's copy of the draft (as last pulled), labelled so, and a decision
 * made on it waits in the outbox like any other.
 */

/** The worker side the view needs (`extensionWorker` in the dashboard). */
export interface DraftReviewWorker {
  /** Into the worker's outbox (`saveDecision`); resolves once it is committed there. */
  save(decision: Decision): Promise<void>;
  /** My latest decision on this draft made in this browser (`getLocalDecision`). */
  local(draftId: string): Promise<LocalDecision | null>;
  /** Calls back whenever the worker reports a change (a sync, a result). */
  subscribe(listener: () => void, signal: AbortSignal): void;
  /** This browser's copy of the draft as last pulled, and when (`getLocalDraft`); null: none. */
  copy(draftId: string): Promise<{ draft: Draft; syncedAt: string | null } | null>;
  /** Who is connected, as the worker stored it at Connect (`getConnection`). */
  user(): Promise<Me | null>;
}

/** The extension's worker, as the panel reaches it: decisions go into its outbox and are synced once. */
export const extensionWorker: DraftReviewWorker = {
  async save(decision) {
    await sendRequest('saveDecision', { decision });
  },
  local: async (draftId) => (await sendRequest('getLocalDecision', { draftId })).local,
  subscribe: (listener, signal) => subscribe(() => listener(), signal),
  async copy(draftId) {
    const r = await sendRequest('getLocalDraft', { draftId });
    return r.draft ? { draft: r.draft, syncedAt: r.syncedAt } : null;
  },
  user: async () => (await sendRequest('getConnection', {}))?.user ?? null,
};

/** The server could not be reached or failed (network, timeout, 5xx): the worker's copy may stand in. */
function unreachable(err: unknown): boolean {
  return err instanceof ApiError && err.retryable;
}

/**
 * Who the view is for: the server's `me`, or — when the server cannot be reached — the person the
 * worker connected as, so the view can still show this browser's copy of the draft.
 */
export async function whoAmI(client: ApiClient, worker: Pick<DraftReviewWorker, 'user'>): Promise<Me> {
  try {
    return await client.call('me');
  } catch (err) {
    const user = unreachable(err) ? await worker.user().catch(() => null) : null;
    if (user) return user;
    throw err;
  }
}

type Mode = 'view' | 'edit' | 'reject';

type Load =
  | { state: 'loading' }
  | { state: 'missing' }
  | { state: 'error'; message: string }
  | {
      state: 'ready';
      draft: DraftWithDecisions;
      /** Shown from the worker's copy: the server could not be reached. */
      offline?: { reason: string; syncedAt: string | null };
    };

const STATUS_WORDS: Record<string, string> = {
  pending: 'Waiting for review',
  awaiting_second: 'Approved once; waiting for a second approval',
  escalated: 'Escalated',
  approved: 'Approved',
  rejected: 'Rejected',
  auto_approved: 'Approved automatically',
  withdrawn: 'Withdrawn',
  expired: 'Expired (its deadline passed while it waited)',
};

/** An absolute http(s) URL as a link target, or null (never `javascript:` and the like). */
function httpLink(url: string | undefined): string | null {
  if (!url || !URL.canParse(url)) return null;
  const u = new URL(url);
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
}

/** Who the draft waits for, in words (the queue and assignee as they are now). */
export function waitsFor(draft: Pick<DraftWithDecisions, 'queue' | 'assignee'>, me: Pick<Me, 'id'>): string {
  if (draft.assignee) return draft.assignee === me.id ? 'you' : draft.assignee;
  if (draft.queue === 'review') return 'any reviewer';
  if (draft.queue === 'manual') return 'any reviewer (to write it by hand)';
  if (draft.queue === 'audit') return 'any reviewer (an audit check)';
  if (draft.queue === 'admin') return 'the admins';
  if (draft.queue.startsWith('specialist:')) return `a ${draft.queue.slice('specialist:'.length)} specialist`;
  return draft.queue;
}

/** Waiting for a person (lib/shared/policy/visibility.ts, as the server decides). */
function isOpen(draft: Pick<DraftWithDecisions, 'status' | 'auditPending'>): boolean {
  return waitsForPerson(draft.status, draft.auditPending === true);
}

/** The status in words; a settled draft still to be audited says that first. */
function statusWords(draft: Pick<DraftWithDecisions, 'status' | 'auditPending'>): string {
  const words = STATUS_WORDS[draft.status] ?? draft.status;
  return draft.auditPending ? `Waiting for an audit check (${words.toLowerCase()})` : words;
}

/** Why `me` cannot decide this draft now, or null when they can (the server checks the same). */
export function notYours(draft: DraftWithDecisions, me: Me): string | null {
  if (!isOpen(draft)) {
    if (draft.status === 'expired')
      return 'This draft expired: its deadline passed while it waited. Nobody decides it now.';
    const by = draft.decidedBy ? ` by ${draft.decidedBy === me.id ? 'you' : draft.decidedBy}` : '';
    const at = draft.decidedAt ? ` on ${draft.decidedAt.slice(0, 16).replace('T', ' ')} UTC` : '';
    return `Already decided: ${(STATUS_WORDS[draft.status] ?? draft.status).toLowerCase()}${by}${at}. Nothing is left to decide.`;
  }
  if (!canSee(me, draft.queue, draft.assignee))
    return `Not yours to decide: it now waits for ${waitsFor(draft, me)}${
      draft.status === 'escalated' ? ' (it was escalated)' : ''
    }.`;
  if (draft.approvedBy?.includes(me.id))
    return draft.auditPending
      ? 'You approved it: its audit check must come from someone else.'
      : 'You approved it already: the second approval must come from someone else.';
  return null;
}

function localText(l: LocalDecision): { text: string; problem: boolean } {
  const what = { approve: 'approval', edit: 'edit', reject: 'rejection', escalate: 'escalation' }[l.action];
  switch (l.sync) {
    case 'pending':
      return { text: `Your ${what} is saved in this browser and is being sent to the server.`, problem: false };
    case 'done':
      return { text: `Your ${what} reached the server.`, problem: false };
    case 'conflict':
      return {
        text: `Someone settled it first${l.decidedBy ? ` (${l.decidedBy})` : ''}: your ${what} was not applied.`,
        problem: true,
      };
    case 'rejected':
      return { text: `The server refused your ${what}: ${l.error ?? 'no reason given'}.`, problem: true };
  }
}

export function DraftReview({
  draftId,
  client,
  me,
  worker,
}: {
  draftId: string;
  client: ApiClient;
  me: Me;
  worker: DraftReviewWorker;
}) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [local, setLocal] = useState<LocalDecision | null>(null);
  const [mode, setMode] = useState<Mode>('view');
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const shownAt = useRef(Date.now());

  const refresh = useCallback(async () => {
    const [draft, mine] = await Promise.all([
      client.call('getDraft', { params: { id: draftId } }).then(
        (d): Load => ({ state: 'ready', draft: d }),
        async (err: unknown): Promise<Load> => {
          if (err instanceof ApiError && err.status === 404) return { state: 'missing' };
          // Out of reach: what the worker last pulled (the panel works from the same copy offline).
          const copy = unreachable(err) ? await worker.copy(draftId).catch(() => null) : null;
          if (copy)
            return {
              state: 'ready',
              draft: { ...copy.draft, decisions: [] },
              offline: { reason: errorText(err), syncedAt: copy.syncedAt },
            };
          return { state: 'error', message: errorText(err) };
        },
      ),
      worker.local(draftId).catch(() => null),
    ]);
    // A later failed refresh keeps what the server showed before (its buttons go to the outbox anyway).
    setLoad((prev) => (draft.state === 'error' && prev.state === 'ready' ? prev : draft));
    setLocal(mine);
  }, [client, worker, draftId]);

  useEffect(() => {
    const stop = new AbortController();
    void refresh();
    // The worker reports every sync: the result of my decision, and the draft's new state after it.
    worker.subscribe(() => void refresh(), stop.signal);
    return () => stop.abort();
  }, [refresh, worker]);

  if (load.state === 'loading') return <p aria-busy="true">Loading draft {draftId}…</p>;
  if (load.state === 'missing')
    return (
      <section aria-labelledby="h-draft" className="draft-review">
        <h2 id="h-draft">Draft {draftId}</h2>
        <p className="error" role="alert">
          No draft {draftId} for you: it does not exist on this server, or it was never in one of your queues.
        </p>
      </section>
    );
  if (load.state === 'error')
    return (
      <section aria-labelledby="h-draft" className="draft-review">
        <h2 id="h-draft">Draft {draftId}</h2>
        <p className="error" role="alert">
          Could not load the draft: {load.message}
        </p>
      </section>
    );

  const draft = load.draft;
  const offline = load.offline;
  const blocked = notYours(draft, me);
  // Decided here already and not refused: nothing more to do from this browser.
  const decidedHere = !!local && (local.sync === 'pending' || local.sync === 'done');
  const canDecide = !blocked && !decidedHere && !busy;
  // An audit check approves what was approved already: nothing to write first (the server agrees).
  const writeFirst = draft.oneClickApprove === false && !draft.auditPending;
  const record = httpLink(draft.target.url);
  const who = draft.target.name ?? draft.target.email ?? draft.account.name;

  const decide = async (input: Parameters<typeof makeDecision>[1]) => {
    setBusy(true);
    setSaveError(null);
    try {
      await worker.save(makeDecision(draft, input, Date.now() - shownAt.current));
      setMode('view');
      setLocal(await worker.local(draft.id).catch(() => null));
    } catch (err) {
      setSaveError(`Your decision was not saved: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="h-draft" className="draft-review" data-testid="draft-review">
      <h2 id="h-draft">
        {draft.kind === 'email' ? 'Email' : draft.kind === 'crm_update' ? 'CRM update' : 'Note'} for {who}
      </h2>
      {offline ? (
        <p className="notice" data-testid="draft-offline">
          offline: from this browser's copy
          {offline.syncedAt ? ` (last brought up to date ${offline.syncedAt.slice(0, 16).replace('T', ' ')} UTC)` : ''}.
          The server could not be reached ({offline.reason}); a decision you make is saved in this browser and sent once
          it can be.
        </p>
      ) : null}
      <dl className="draft-facts">
        <div>
          <dt>Status</dt>
          <dd data-testid="draft-status">{statusWords(draft)}</dd>
        </div>
        <div>
          <dt>Waits for</dt>
          <dd data-testid="draft-waits-for">{isOpen(draft) ? waitsFor(draft, me) : 'nobody (settled)'}</dd>
        </div>
        <div>
          <dt>Confidence</dt>
          <dd>{pct(draft.confidence)}</dd>
        </div>
        <div>
          <dt>Workflow</dt>
          <dd>{draft.workflow}</dd>
        </div>
        <div>
          <dt>Account</dt>
          <dd>
            {draft.account.name}
            {draft.account.tier === 'named' ? ' (named account)' : ''}
          </dd>
        </div>
        <div>
          <dt>Record</dt>
          <dd>
            {record ? (
              <a href={record} target="_blank" rel="noopener noreferrer">
                Open the record's page
              </a>
            ) : (
              'no link given'
            )}
          </dd>
        </div>
      </dl>
      {blocked ? (
        <p className="notice" data-testid="draft-blocked">
          {blocked}
        </p>
      ) : null}
      {local ? (
        <p
          className={localText(local).problem ? 'error' : 'notice'}
          role={localText(local).problem ? 'alert' : 'status'}
        >
          {localText(local).text}
        </p>
      ) : null}
      {saveError ? (
        <p className="error" role="alert">
          {saveError}
        </p>
      ) : null}
      <h3>Draft</h3>
      <DraftContentView draft={draft} />
      <h3>Why the model wrote it</h3>
      <p>{draft.rationale || 'No reasons given.'}</p>
      <h3>Why it is here</h3>
      <ul className="reasons">
        {draft.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
        {draft.escalationNote ? <li>Escalation note: {draft.escalationNote}</li> : null}
      </ul>
      <h3>Evidence</h3>
      <EvidenceList evidence={draft.evidence} />
      {draft.decisions.length ? (
        <>
          <h3>Decisions so far</h3>
          <ul>
            {draft.decisions.map((d) => (
              <li key={d.id}>
                {d.userId}: {d.action} ({d.status}), {d.decidedAt.slice(0, 16).replace('T', ' ')} UTC
                {d.reasons.length
                  ? ` — ${d.reasons.map((r) => REASON_CODES[r as keyof typeof REASON_CODES] ?? r).join(', ')}`
                  : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {canDecide && draft.auditPending ? (
        <p className="notice" data-testid="draft-audit">
          An audit check: this draft was approved already. Approve if it was right; Edit or Reject, with reasons, if it
          was not. Your answer is recorded as the audit's result.
        </p>
      ) : null}
      {canDecide && mode === 'view' ? (
        <div className="actions">
          {writeFirst ? (
            <p className="notice">Routed manual: write it from the draft (Edit, then Save and approve).</p>
          ) : (
            <button type="button" onClick={() => void decide({ action: 'approve' })}>
              Approve
            </button>
          )}
          <button type="button" onClick={() => setMode('edit')}>
            Edit
          </button>
          <button type="button" onClick={() => setMode('reject')}>
            Reject
          </button>
        </div>
      ) : null}
      {canDecide && mode === 'edit' ? (
        <EditForm
          draft={draft}
          onSave={(r: EditResult) => void decide({ action: 'edit', ...r })}
          onCancel={() => setMode('view')}
        />
      ) : null}
      {canDecide && mode === 'reject' ? (
        <RejectForm onConfirm={(r) => void decide({ action: 'reject', ...r })} onCancel={() => setMode('view')} />
      ) : null}
      <p className="hint">Opening this page decided nothing; only the buttons above do, and only for you.</p>
    </section>
  );
}

/** "Open a draft": the id from a notification or the /open page, into this view. */
export function OpenDraftForm({ initial = '' }: { initial?: string }) {
  const [id, setId] = useState(initial);
  const valid = OPEN_ID.test(id.trim());
  return (
    <form
      className="controls open-draft"
      aria-label="Open a draft"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) location.search = `?draft=${encodeURIComponent(id.trim())}`;
      }}
    >
      <label>
        Open a draft <input type="text" value={id} onChange={(e) => setId(e.target.value)} placeholder="draft id" />
      </label>
      <button type="submit" disabled={!valid}>
        Open
      </button>
    </form>
  );
}
