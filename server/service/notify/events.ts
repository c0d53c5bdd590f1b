import type { NotifyEvent } from '../../../lib/shared/schema';
import type { Store, Trx } from '../../store';
import { parseJson } from '../views';

export interface NotifyInput {
  event: NotifyEvent;
  draftId: string;
  workflow: string;
  /** Where the draft now waits: its recipients are the people who see it there. */
  queue: string;
  assignee: string | null;
  now: Date;
  reason?: string;
}

/**
 * Who a draft waiting in `queue` (held by `assignee`) waits for. The shared queues (review, manual,
 * audit) wait for nobody in particular: only a deadline there (at risk, or passed) is told to the
 * reviewers — those of them who asked for notifications (`notification_prefs`).
 */
async function recipients(trx: Trx, queue: string, assignee: string | null, event: NotifyEvent): Promise<string[]> {
  if (assignee) return [assignee];
  if (queue === 'review' || queue === 'manual' || queue === 'audit')
    return event === 'deadline_at_risk' || event === 'sla_at_risk' || event === 'sla_breached'
      ? (await trx.selectFrom('users').select('id').where('role', '=', 'reviewer').execute()).map((u) => u.id)
      : [];
  if (queue === 'admin')
    return (await trx.selectFrom('users').select('id').where('role', '=', 'admin').execute()).map((u) => u.id);
  if (queue.startsWith('specialist:')) {
    const specialty = queue.slice('specialist:'.length);
    const rows = await trx
      .selectFrom('users')
      .select(['id', 'specialties_json'])
      .where('role', '=', 'specialist')
      .execute();
    return rows.filter((u) => parseJson<string[]>(u.specialties_json, []).includes(specialty)).map((u) => u.id);
  }
  return [];
}

const TITLES: Record<NotifyEvent, string> = {
  escalated_to_you: 'A draft was escalated to you',
  named_account_waiting: 'A named-account draft waits for your review',
  deadline_at_risk: 'A draft is close to its review deadline',
  sla_breached: 'A draft passed its review deadline and was handed to you',
  repeated_failures: 'Repeated failures in a segment need an admin',
  sla_at_risk: "A draft has used 75% of its queue's review time (SLA)",
  queue_backlog: 'A review queue has a backlog',
  escalation_surge: 'Escalations are surging',
  rubber_stamping: 'A reviewer may be rubber-stamping',
  false_auto_rate: 'False auto-approvals are over target',
};

/**
 * Whether a preference's `events` (empty = all) wants `event`. `sla_at_risk` was announced as
 * `deadline_at_risk` before it had its own kind: a preference naming that one keeps getting it.
 */
export function wants(events: readonly string[], event: NotifyEvent): boolean {
  return !events.length || events.includes(event) || (event === 'sla_at_risk' && events.includes('deadline_at_risk'));
}

/** Where a link in a notification points: a page that shows the draft and where to review it; it never approves. */
export function draftLink(draftId: string): string {
  const base = (process.env.COUNTERSIGN_PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(
    /\/+$/,
    '',
  );
  return `${base}/open/${encodeURIComponent(draftId)}`;
}

/**
 * Turns events into notification rows (the outbox service/notify/deliver.ts sends), one per
 * recipient and matching preference (`notification_prefs`: channel, workflow or '*', events), in
 * the caller's transaction. The same event for the same person and draft is written once.
 */
export async function queueNotifications(trx: Trx, _store: Store, events: NotifyInput[]): Promise<number> {
  let n = 0;
  for (const e of events) {
    const people = await recipients(trx, e.queue, e.assignee, e.event);
    if (!people.length) continue;
    const prefs = await trx
      .selectFrom('notification_prefs')
      .selectAll()
      .where('user_id', 'in', people)
      .where('workflow', 'in', [e.workflow, '*'])
      .execute();
    const draft = await trx.selectFrom('drafts').select(['input_json']).where('id', '=', e.draftId).executeTakeFirst();
    const input = parseJson<{ content?: { subject?: string }; account?: { name?: string } }>(
      draft?.input_json ?? null,
      {},
    );
    const what = input.content?.subject ?? input.account?.name ?? e.draftId;
    for (const p of prefs) {
      const wanted = parseJson<string[]>(p.events_json, []);
      if (!wants(wanted, e.event)) continue;
      // A workflow-specific preference wins over '*' for the same channel.
      if (
        p.workflow === '*' &&
        prefs.some((q) => q.user_id === p.user_id && q.channel === p.channel && q.workflow === e.workflow)
      )
        continue;
      const dup = await trx
        .selectFrom('notifications')
        .select('id')
        .where('user_id', '=', p.user_id)
        .where('event', '=', e.event)
        .where('draft_id', '=', e.draftId)
        .where('channel', '=', p.channel)
        .executeTakeFirst();
      if (dup) continue;
      const link = draftLink(e.draftId);
      await trx
        .insertInto('notifications')
        .values({
          user_id: p.user_id,
          channel: p.channel,
          target: p.target,
          event: e.event,
          draft_id: e.draftId,
          workflow: e.workflow,
          subject: `${TITLES[e.event]}: ${what}`,
          text: `${TITLES[e.event]} (${e.workflow}): “${what}”.${e.reason ? ` ${e.reason}.` : ''} Open it to review: ${link} — opening the link decides nothing.`,
          link,
          digest: p.digest,
          created_at: e.now.toISOString(),
          next_at: e.now.toISOString(),
        })
        .execute();
      n++;
    }
  }
  return n;
}

/**
 * The leader's scan of committed changes since the last one (`notify_marks.scanned`): a draft
 * that arrived in a person's or a specialist's queue by escalation → `escalated_to_you`; a new draft
 * for a named account's owner → `named_account_waiting`; a draft routed to the admins for repeated
 * failures → `repeated_failures`.
 */
export async function scanForNotifications(store: Store, now = new Date()): Promise<number> {
  const mark = await store.db
    .selectFrom('notify_marks')
    .select('value')
    .where('name', '=', 'scanned')
    .executeTakeFirst();
  const since = Number(mark?.value ?? 0);
  const head = store.changes.version;
  if (head <= since && since > 0) return 0;
  const rows = await store.db
    .selectFrom('drafts')
    .select([
      'id',
      'workflow',
      'status',
      'queue',
      'assignee',
      'prev_queue',
      'prev_assignee',
      'version',
      'created_version',
      'reasons_json',
    ])
    .where('version', '>', since)
    .orderBy('version')
    .limit(500)
    .execute();
  if (!rows.length) return 0;
  const events: NotifyInput[] = [];
  for (const r of rows) {
    const moved = r.queue !== r.prev_queue || r.assignee !== r.prev_assignee;
    if (r.status === 'escalated' && moved && r.prev_queue !== null)
      events.push({
        event: 'escalated_to_you',
        draftId: r.id,
        workflow: r.workflow,
        queue: r.queue,
        assignee: r.assignee,
        now,
      });
    else if (r.status === 'pending' && r.queue === 'owner' && r.assignee && r.prev_queue === null)
      events.push({
        event: 'named_account_waiting',
        draftId: r.id,
        workflow: r.workflow,
        queue: r.queue,
        assignee: r.assignee,
        now,
      });
    else if (
      r.queue === 'admin' &&
      r.prev_queue === null &&
      parseJson<string[]>(r.reasons_json, []).some((x) => /repeated|failure/i.test(x))
    )
      events.push({
        event: 'repeated_failures',
        draftId: r.id,
        workflow: r.workflow,
        queue: r.queue,
        assignee: r.assignee,
        now,
      });
  }
  const last = Number(rows.at(-1)!.version);
  return store.write(async (trx) => {
    const n = events.length ? await queueNotifications(trx, store, events) : 0;
    await trx.updateTable('notify_marks').set({ value: last }).where('name', '=', 'scanned').execute();
    return n;
  });
}
