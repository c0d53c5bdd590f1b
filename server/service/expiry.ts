import { OPEN_STATUSES } from '../../lib/shared/schema';
import { appendAudit } from '../audit';
import type { Store, Trx } from '../store';
import { queueNotifications } from './notify/events';
import { parseJson, withQueue } from './views';
import { enqueueEvents } from './webhooks/outbox';

/** At most this many drafts per expiry or SLA transaction (the next tick takes the rest). */
const BATCH = 500;

/**
 * `draft.expired` for each of `ids` into the webhook outbox (service/webhooks/outbox.ts), written in
 * the same transaction as the expiry: the event exists exactly when the expiry committed.
 */
export async function onDraftsExpired(trx: Trx, ids: string[], now?: Date): Promise<void> {
  await enqueueEvents(
    trx,
    ids.map((draftId) => ({ type: 'draft.expired' as const, draftId })),
    now,
  );
}

/**
 * Deadlines (contract v1.1): a waiting draft whose `trigger.expiresAt` has passed becomes `expired`.
 * It leaves every queue (pull sends `remove` to whoever could see it), later decisions on it are
 * `rejected` with "expired", and nothing is ever approved because time ran out. Returns the ids.
 */
export async function expireDrafts(store: Store, now = new Date()): Promise<string[]> {
  const at = now.toISOString();
  // A read first: the write transaction (and its counter lock) only when there is something to do.
  const due = await store.db
    .selectFrom('drafts')
    .select('id')
    .where('expires_at', '<=', at)
    .where('status', 'in', [...OPEN_STATUSES])
    .limit(1)
    .execute();
  if (!due.length) return [];
  return store.write(async (trx, versions) => {
    const rows = await trx
      .selectFrom('drafts')
      .select(['id', 'workflow', 'queue', 'assignee', 'status', 'expires_at'])
      .where('expires_at', '<=', at)
      .where('status', 'in', [...OPEN_STATUSES])
      .orderBy('expires_at')
      .limit(BATCH)
      .execute();
    for (const r of rows) {
      await trx
        .updateTable('drafts')
        .set({
          status: 'expired',
          prev_queue: r.queue,
          prev_assignee: r.assignee,
          decided_at: at,
          claimed_by: null,
          claimed_by_name: null,
          claimed_until: null,
          version: versions.next(),
          updated_at: at,
        })
        .where('id', '=', r.id)
        .execute();
      await appendAudit(trx, {
        actor: 'system',
        action: 'draft.expired',
        draftId: r.id,
        workflow: r.workflow,
        detail: { expiresAt: r.expires_at, was: r.status, queue: r.queue, assignee: r.assignee },
      });
    }
    const ids = rows.map((r) => r.id);
    await onDraftsExpired(trx, ids, now);
    return ids;
  });
}

interface SlaRow {
  workflow: string;
  queue: string;
  minutes: number;
  backup: string | null;
}

/** The policy for a draft in `queue` of `workflow`: the workflow's own first, then '*'; exact queue, then `specialist:*`. */
export function slaFor(policies: SlaRow[], workflow: string, queue: string): SlaRow | undefined {
  const queues = queue.startsWith('specialist:') ? [queue, 'specialist:*'] : [queue];
  for (const w of [workflow, '*'])
    for (const q of queues) {
      const p = policies.find((x) => x.workflow === w && x.queue === q);
      if (p) return p;
    }
  return undefined;
}

/**
 * SLAs per queue: when a draft has waited 75% of its queue's SLA, the people it waits for get a
 * "deadline at risk" notification; at 100% it is offered to the backup (the policy's `backup`
 * person, else the admins' queue) with the reason written on the draft, and the backup is told.
 * The clock starts when the draft entered its current queue and holder (its last routing change).
 * Never an approval: only who it waits for changes.
 */
export async function checkSlas(store: Store, now = new Date()): Promise<{ reminded: string[]; handedOver: string[] }> {
  const policies = await store.db.selectFrom('sla_policies').selectAll().execute();
  const out = { reminded: [] as string[], handedOver: [] as string[] };
  if (!policies.length) return out;
  const t = now.getTime();
  const at = now.toISOString();
  const open = await store.db
    .selectFrom('drafts')
    .leftJoin('draft_sla', 'draft_sla.draft_id', 'drafts.id')
    .select([
      'drafts.id',
      'drafts.workflow',
      'drafts.queue',
      'drafts.assignee',
      'drafts.updated_at',
      'drafts.created_at',
      'draft_sla.queue as sla_key',
      'draft_sla.reminded_at',
      'draft_sla.breached_at',
    ])
    .where('drafts.status', 'in', [...OPEN_STATUSES])
    .execute();
  const remind: typeof open = [];
  const breach: Array<(typeof open)[number] & { policy: SlaRow }> = [];
  for (const d of open) {
    const policy = slaFor(policies, d.workflow, d.queue);
    if (!policy) continue;
    const key = `${d.queue}|${d.assignee ?? ''}`;
    const fresh = d.sla_key !== key;
    const since = Date.parse(d.updated_at ?? d.created_at);
    const elapsed = (t - since) / (policy.minutes * 60_000);
    if (elapsed >= 1 && (fresh || !d.breached_at)) breach.push({ ...d, policy });
    else if (elapsed >= 0.75 && (fresh || !d.reminded_at)) remind.push(d);
  }
  for (const d of remind.slice(0, BATCH)) {
    await store.write(async (trx) => {
      await upsertSla(trx, d.id, `${d.queue}|${d.assignee ?? ''}`, { reminded_at: at, breached_at: null });
      await queueNotifications(trx, store, [
        { event: 'deadline_at_risk', draftId: d.id, workflow: d.workflow, queue: d.queue, assignee: d.assignee, now },
      ]);
    });
    out.reminded.push(d.id);
  }
  if (breach.length)
    await store.write(async (trx, versions) => {
      for (const d of breach.slice(0, BATCH)) {
        // Read again inside the write: a decision may have settled or moved it meanwhile.
        const row = await trx
          .selectFrom('drafts')
          .select(['id', 'status', 'queue', 'assignee', 'reasons_json', 'queue_history_json', 'owner_id'])
          .where('id', '=', d.id)
          .executeTakeFirst();
        if (!row || !(OPEN_STATUSES as readonly string[]).includes(row.status)) continue;
        if (row.queue !== d.queue || row.assignee !== d.assignee) continue;
        const backup = d.policy.backup && d.policy.backup !== row.assignee ? d.policy.backup : null;
        const queue = backup ? row.queue : 'admin';
        const assignee = backup;
        const hours =
          d.policy.minutes >= 60 ? `${Math.round((d.policy.minutes / 60) * 10) / 10} h` : `${d.policy.minutes} min`;
        const reason = `SLA: waited more than ${hours} in ${row.queue}${row.assignee ? ` (${row.assignee})` : ''}; offered to ${backup ?? 'the admins'}`;
        const reasons = parseJson<string[]>(row.reasons_json, []);
        reasons.push(reason);
        await trx
          .updateTable('drafts')
          .set({
            queue,
            assignee,
            prev_queue: row.queue,
            prev_assignee: row.assignee,
            reasons_json: JSON.stringify(reasons),
            queue_history_json: withQueue(row.queue_history_json, queue, assignee),
            claimed_by: null,
            claimed_by_name: null,
            claimed_until: null,
            version: versions.next(),
            updated_at: at,
          })
          .where('id', '=', row.id)
          .execute();
        await upsertSla(trx, row.id, `${queue}|${assignee ?? ''}`, { reminded_at: null, breached_at: at });
        await appendAudit(trx, {
          actor: 'system',
          action: 'draft.sla_breached',
          draftId: row.id,
          workflow: d.workflow,
          reasons: [reason],
          detail: {
            from: { queue: row.queue, assignee: row.assignee },
            to: { queue, assignee },
            minutes: d.policy.minutes,
          },
        });
        await queueNotifications(trx, store, [
          { event: 'sla_breached', draftId: row.id, workflow: d.workflow, queue, assignee, now, reason },
        ]);
        out.handedOver.push(row.id);
      }
    });
  return out;
}

async function upsertSla(
  trx: Trx,
  draftId: string,
  key: string,
  v: { reminded_at: string | null; breached_at: string | null },
): Promise<void> {
  await trx
    .insertInto('draft_sla')
    .values({ draft_id: draftId, queue: key, ...v })
    .onConflict((oc) => oc.column('draft_id').doUpdateSet({ queue: key, ...v }))
    .execute();
}
