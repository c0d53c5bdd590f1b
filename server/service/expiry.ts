import { sql } from 'kysely';
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

export interface SlaRow {
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
 * Who a draft that passed its SLA is offered to (issue 15: "another owner of the account, a
 * specialist of the same kind, the workflow's admin"), first that applies:
 * 1. the policy's `backup` person (not the one it waits for now);
 * 2. in the owner queue: another owner of the same account — a user with the owner role who owns
 *    other drafts of that account (same account name, or domain when both have one), the most
 *    recent first;
 * 3. held by one specialist: every specialist of the same kind (that specialty's shared queue);
 * 4. the admins' queue.
 */
export async function slaBackup(
  trx: Trx,
  policy: Pick<SlaRow, 'backup'>,
  row: { id: string; queue: string; assignee: string | null; input_json: string },
): Promise<{ queue: string; assignee: string | null; label: string }> {
  if (policy.backup && policy.backup !== row.assignee)
    return { queue: row.queue, assignee: policy.backup, label: policy.backup };
  if (row.queue === 'owner' && row.assignee) {
    const other = await anotherOwner(trx, row);
    if (other) return { queue: 'owner', assignee: other, label: `${other}, another owner of the account` };
  }
  if (row.queue.startsWith('specialist:') && row.assignee)
    return { queue: row.queue, assignee: null, label: `the ${row.queue.slice('specialist:'.length)} specialists` };
  return { queue: 'admin', assignee: null, label: 'the admins' };
}

type AccountRef = { name?: string; domain?: string };
const accountOf = (inputJson: string): AccountRef | null =>
  parseJson<{ account?: AccountRef }>(inputJson, {}).account ?? null;

/** Another user with the owner role who owns drafts of the same account as `row` (most recent first). */
async function anotherOwner(trx: Trx, row: { id: string; assignee: string | null; input_json: string }) {
  const account = accountOf(row.input_json);
  if (!account?.name) return null;
  // A prefilter on the stored JSON text (the name as JSON writes it), then the account compared parsed.
  const like = `%${JSON.stringify(account.name).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const candidates = await trx
    .selectFrom('drafts')
    .innerJoin('users', 'users.id', 'drafts.owner_id')
    .select(['drafts.owner_id', 'drafts.input_json', 'drafts.created_at'])
    .where('users.role', '=', 'owner')
    .where('drafts.owner_id', '!=', row.assignee)
    .where('drafts.id', '!=', row.id)
    .where(sql<boolean>`drafts.input_json like ${like} escape '\\'`)
    .orderBy('drafts.created_at', 'desc')
    .limit(200)
    .execute();
  const same = (a: AccountRef | null) =>
    !!a &&
    (a.domain && account.domain
      ? a.domain.toLowerCase() === account.domain.toLowerCase()
      : a.name?.trim().toLowerCase() === account.name!.trim().toLowerCase());
  return candidates.find((c) => same(accountOf(c.input_json)))?.owner_id ?? null;
}

/** One read of the waiting drafts for both deadline jobs (SLAs and deadline warnings). */
const OPEN_COLUMNS = [
  'drafts.id',
  'drafts.workflow',
  'drafts.queue',
  'drafts.assignee',
  'drafts.updated_at',
  'drafts.created_at',
  'drafts.expires_at',
  'draft_sla.queue as sla_key',
  'draft_sla.reminded_at',
  'draft_sla.breached_at',
  'deadline_warnings.warned_at',
] as const;

export interface OpenDraft {
  id: string;
  workflow: string;
  queue: string;
  assignee: string | null;
  updated_at: string | null;
  created_at: string;
  expires_at: string | null;
  sla_key: string | null;
  reminded_at: string | null;
  breached_at: string | null;
  warned_at: string | null;
}

/** A draft under an SLA policy is "at risk" (its people reminded) once this share of the SLA has passed. */
export const SLA_AT_RISK = 0.75;

/**
 * The open statuses written into the statement: SQLite uses a partial index only for a WHERE term the
 * same as the index's, and a bound parameter is not the same (migration 52). The backlog alert's too.
 */
export const WAITING = sql.raw<boolean>(`drafts.status in (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})`);

const openDrafts = (store: Store) =>
  store.db
    .selectFrom('drafts')
    .leftJoin('draft_sla', 'draft_sla.draft_id', 'drafts.id')
    .leftJoin('deadline_warnings', 'deadline_warnings.draft_id', 'drafts.id')
    .select(OPEN_COLUMNS);

/**
 * The waiting drafts in their queue since `cutoff` or before (a range of `drafts_waiting_since`), in
 * the queues the policies name (`slaFor`: a queue, or every specialist queue for 'specialist:*').
 */
export const waitingSince = (store: Store, cutoff: string, policies: readonly Pick<SlaRow, 'queue'>[]) => {
  const queues = [...new Set(policies.map((p) => p.queue))];
  const named = queues.filter((q) => q !== 'specialist:*');
  return openDrafts(store)
    .where(WAITING)
    .where('drafts.updated_at', '<=', cutoff)
    .where((eb) =>
      eb.or([
        ...(named.length ? [eb('drafts.queue', 'in', named)] : []),
        ...(named.length < queues.length ? [eb('drafts.queue', 'like', 'specialist:%')] : []),
      ]),
    );
};

/**
 * The waiting drafts the deadline jobs look at: those with a trigger deadline still ahead and not yet
 * warned about (all `warnDeadlines` needs, the soonest 5,000) and, when an SLA policy exists, those
 * that have waited in a queue with a policy (`updated_at`, the last routing change) at least the
 * at-risk share of the shortest policy: every draft the SLA check can act on, few others. Reading
 * every open draft each second instead took 190 ms of SQLite's (blocking) time and 97 ms of
 * PostgreSQL's at 1,000,000 drafts with 50,000 open; with those drafts within their SLA, 0.1 and
 * 0.7 ms (ranges of a partial index, migration 52). Times are the server's own ISO strings (ingest,
 * decisions, hand-overs), compared as text.
 */
export async function readOpenDrafts(store: Store, now: Date, policies: SlaRow[]): Promise<OpenDraft[]> {
  const deadlines = openDrafts(store)
    .where('drafts.status', 'in', [...OPEN_STATUSES])
    .where('drafts.expires_at', '>', now.toISOString())
    .where('deadline_warnings.draft_id', 'is', null)
    .orderBy('drafts.expires_at')
    .limit(5_000);
  if (!policies.length) return (await deadlines.execute()) as OpenDraft[];
  const shortest = Math.min(...policies.map((p) => p.minutes));
  const cutoff = new Date(now.getTime() - SLA_AT_RISK * shortest * 60_000).toISOString();
  const waiting = (await waitingSince(store, cutoff, policies).execute()) as OpenDraft[];
  const seen = new Set(waiting.map((d) => d.id));
  for (const d of (await deadlines.execute()) as OpenDraft[]) if (!seen.has(d.id)) waiting.push(d);
  return waiting;
}

const readPolicies = (store: Store): Promise<SlaRow[]> =>
  store.db.selectFrom('sla_policies').selectAll().execute() as Promise<SlaRow[]>;

/**
 * The timer's deadline job: SLA reminders and hand-overs (`checkSlas`) and deadline warnings
 * (`warnDeadlines`) from one read of the waiting drafts per tick.
 */
export async function watchDeadlines(
  store: Store,
  now = new Date(),
): Promise<{ reminded: string[]; handedOver: string[]; warned: string[] }> {
  const policies = await readPolicies(store);
  const open = await readOpenDrafts(store, now, policies);
  const sla = await checkSlas(store, now, { policies, open });
  const warned = await warnDeadlines(store, now, open);
  return { ...sla, warned };
}

/**
 * SLAs per queue: when a draft has waited 75% of its queue's SLA, the people it waits for get an
 * "SLA at risk" notification (`sla_at_risk`, its own kind: a draft can also be close to its
 * trigger's deadline, `deadline_at_risk`, and each is told once); at 100% it is offered to the
 * backup (`slaBackup`) with the reason written on the draft, and the backup is told.
 * The clock starts when the draft entered its current queue and holder (its last routing change).
 * Never an approval: only who it waits for changes. `read`: what `watchDeadlines` already read.
 */
export async function checkSlas(
  store: Store,
  now = new Date(),
  read?: { policies: SlaRow[]; open: OpenDraft[] },
): Promise<{ reminded: string[]; handedOver: string[] }> {
  const policies = read?.policies ?? (await readPolicies(store));
  const out = { reminded: [] as string[], handedOver: [] as string[] };
  if (!policies.length) return out;
  const t = now.getTime();
  const at = now.toISOString();
  const open = read?.open ?? (await readOpenDrafts(store, now, policies));
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
    else if (elapsed >= SLA_AT_RISK && (fresh || !d.reminded_at)) remind.push(d);
  }
  for (const d of remind.slice(0, BATCH)) {
    await store.write(async (trx) => {
      await upsertSla(trx, d.id, `${d.queue}|${d.assignee ?? ''}`, { reminded_at: at, breached_at: null });
      await queueNotifications(trx, store, [
        { event: 'sla_at_risk', draftId: d.id, workflow: d.workflow, queue: d.queue, assignee: d.assignee, now },
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
          .select(['id', 'status', 'queue', 'assignee', 'reasons_json', 'queue_history_json', 'owner_id', 'input_json'])
          .where('id', '=', d.id)
          .executeTakeFirst();
        if (!row || !(OPEN_STATUSES as readonly string[]).includes(row.status)) continue;
        if (row.queue !== d.queue || row.assignee !== d.assignee) continue;
        const { queue, assignee, label } = await slaBackup(trx, d.policy, row);
        const hours =
          d.policy.minutes >= 60 ? `${Math.round((d.policy.minutes / 60) * 10) / 10} h` : `${d.policy.minutes} min`;
        const reason = `SLA: waited more than ${hours} in ${row.queue}${row.assignee ? ` (${row.assignee})` : ''}; offered to ${label}`;
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

/** A draft's deadline is at risk once this share of the time from its arrival to `expiresAt` has passed. */
export const DEADLINE_RISK_AT = 0.75;

/**
 * Deadlines at risk (issue 15 "Notifications: a deadline at risk"): a waiting draft that has used
 * 75% of the time between its arrival and its trigger's `expiresAt` is announced once to the people
 * it waits for (`deadline_at_risk`; on the shared queues, the reviewers who asked for notifications),
 * while there is still time to review it. Returns the ids announced.
 */
export async function warnDeadlines(store: Store, now = new Date(), open?: OpenDraft[]): Promise<string[]> {
  const at = now.toISOString();
  const rows = (open ?? (await readOpenDrafts(store, now, []))).filter(
    (r) => r.expires_at !== null && r.expires_at > at && r.warned_at === null,
  );
  rows.sort((a, b) => (a.expires_at! < b.expires_at! ? -1 : a.expires_at! > b.expires_at! ? 1 : 0));
  const t = now.getTime();
  const due = rows
    .filter((r) => {
      const start = Date.parse(r.created_at);
      const end = Date.parse(r.expires_at!);
      return end > start && (t - start) / (end - start) >= DEADLINE_RISK_AT;
    })
    .slice(0, BATCH);
  if (!due.length) return [];
  await store.write(async (trx) => {
    for (const r of due)
      await trx
        .insertInto('deadline_warnings')
        .values({ draft_id: r.id, warned_at: at })
        .onConflict((oc) => oc.column('draft_id').doNothing())
        .execute();
    const left = (r: (typeof due)[number]) => Math.max(1, Math.round((Date.parse(r.expires_at!) - t) / 60_000));
    await queueNotifications(
      trx,
      store,
      due.map((r) => ({
        event: 'deadline_at_risk' as const,
        draftId: r.id,
        workflow: r.workflow,
        queue: r.queue,
        assignee: r.assignee,
        now,
        reason: `It expires at ${r.expires_at} (in about ${left(r) >= 120 ? `${Math.round(left(r) / 60)} h` : `${left(r)} min`}); after that it is out of every queue`,
      })),
    );
  });
  return due.map((r) => r.id);
}
