import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { WebhookEventType } from '../../../lib/shared/schema';
import type { Database } from '../../store';
import { webhookDb } from '../../store/webhooks';
import { loadDraftViews } from '../draft-view';
import { parseJson } from '../views';

/**
 * The webhook outbox. Whatever changes a draft in a way a pipeline must hear about calls
 * `enqueueEvents` INSIDE the same write transaction (`store.write`), after writing the draft: the
 * event and its deliveries then exist exactly when the change committed (a rollback takes them
 * with it), and their order per draft is the commit order. The delivery worker (worker.ts) sends
 * them; `store.write` advances the version counter, whose change feed wakes the workers of every
 * instance.
 *
 * Cost when nobody subscribed: one read of the (small) subscriptions table.
 */
export interface DraftEvent {
  type: WebhookEventType;
  draftId: string;
  /** The decision that caused it (decided, escalated, audit_failed): sent as `data.decision`. */
  decisionId?: string;
}

/** A `webhook-id`: `msg_` and 26 base32 characters. */
export function newEventId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(26);
  let s = 'msg_';
  for (const b of bytes) s += alphabet[b & 31];
  return s;
}

/** Deliveries stop being retried this long after they were created (contract: hourly for 24 h). */
export const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Writes `events` (in the order given) to the outbox, one delivery per subscription that wants each.
 * Canary drafts never produce events (they are governance's test items, never the pipeline's output).
 * Returns the number of deliveries written.
 */
export async function enqueueEvents(
  trx: Kysely<Database>,
  events: readonly DraftEvent[],
  now: Date = new Date(),
): Promise<number> {
  if (!events.length) return 0;
  const db = webhookDb(trx);
  const subs = (
    await db.selectFrom('webhook_subscriptions').select(['id', 'events_json', 'workflows_json']).execute()
  ).map((s) => ({
    id: s.id,
    events: new Set(parseJson<string[]>(s.events_json, [])),
    workflows: s.workflows_json === null ? null : new Set(parseJson<string[]>(s.workflows_json, [])),
  }));
  if (!subs.length) return 0;
  const wanted = events.filter((e) => subs.some((s) => s.events.has(e.type)));
  if (!wanted.length) return 0;

  const views = await loadDraftViews(trx, [...new Set(wanted.map((e) => e.draftId))], now.getTime());
  const at = now.toISOString();
  // The delivery schedule runs on the wall clock whatever `now` the change was made for (a timer
  // passing its tick's time, a test passing a later one): due at once, given up 24 h from now.
  const wall = Date.now();
  const due = new Date(wall).toISOString();
  const giveUp = new Date(wall + GIVE_UP_AFTER_MS).toISOString();
  const eventRows: Array<{
    id: string;
    type: string;
    draft_id: string;
    workflow: string;
    payload: string;
    created_at: string;
  }> = [];
  const deliveryRows: Array<{
    subscription_id: string;
    event_id: string;
    draft_id: string;
    type: string;
    state: string;
    attempts: number;
    next_attempt_at: string;
    give_up_at: string;
    created_at: string;
  }> = [];
  for (const e of wanted) {
    const found = views.get(e.draftId);
    if (!found || found.row.canary) continue;
    const targets = subs.filter((s) => s.events.has(e.type) && (!s.workflows || s.workflows.has(found.row.workflow)));
    if (!targets.length) continue;
    const decision = e.decisionId ? found.view.decisions.find((d) => d.id === e.decisionId) : undefined;
    const id = newEventId();
    const payload = JSON.stringify({
      type: e.type,
      timestamp: at,
      data: { draft: found.view, ...(decision ? { decision } : {}) },
    });
    eventRows.push({ id, type: e.type, draft_id: e.draftId, workflow: found.row.workflow, payload, created_at: at });
    for (const s of targets)
      deliveryRows.push({
        subscription_id: s.id,
        event_id: id,
        draft_id: e.draftId,
        type: e.type,
        state: 'pending',
        attempts: 0,
        next_attempt_at: due,
        give_up_at: giveUp,
        created_at: due,
      });
  }
  // Chunks stay under SQLite's bound-parameter limit; insertion order = delivery order per draft.
  for (let i = 0; i < eventRows.length; i += 200)
    await db
      .insertInto('webhook_events')
      .values(eventRows.slice(i, i + 200))
      .execute();
  for (let i = 0; i < deliveryRows.length; i += 200)
    await db
      .insertInto('webhook_deliveries')
      .values(deliveryRows.slice(i, i + 200))
      .execute();
  return deliveryRows.length;
}

/** One event: the same as `enqueueEvents(trx, [event])`. */
export function enqueueEvent(trx: Kysely<Database>, event: DraftEvent, now?: Date): Promise<number> {
  return enqueueEvents(trx, [event], now);
}

/**
 * The event a decision causes, from the draft's status after it: approved/rejected → decided,
 * escalated → escalated; an audit check (the draft stays auto_approved) that is not an approval →
 * audit_failed (the draft already went out and was wrong: the pipeline's cue to correct it).
 * `awaiting_second` (one of two approvals) causes none.
 */
export function decisionEventType(statusAfter: string, action: string): WebhookEventType | null {
  if (statusAfter === 'approved' || statusAfter === 'rejected') return 'draft.decided';
  if (statusAfter === 'escalated' && action === 'escalate') return 'draft.escalated';
  if (statusAfter === 'auto_approved' && action !== 'approve') return 'draft.audit_failed';
  return null;
}
