import type { Insertable, Selectable } from 'kysely';
import { HttpUrl, type NotifyEvent, TEAM_EVENTS } from '../../../lib/shared/schema';
import type { Store, Trx } from '../../store';
import type { NotificationsTable, WorkflowChannelsTable } from '../../store/schema';
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
  /**
   * The escalation's kind (detected content, a reviewer's escalation, a named account, repeated
   * failures): beyond the rate per recipient and kind, the message is folded into one batch message.
   */
  kind?: EscalationKind;
}

export interface EscalationKind {
  key: string;
  /** In words, after "escalated to you for": `detected content (pricing)`. */
  label: string;
}

/**
 * Escalation batching (issue 16 §5, the practical guide: "rate-limit escalations so specialists are
 * not flooded"): per recipient (a person's or a team channel's destination) and escalation kind, at
 * most `limit` single messages within `windowMs`; beyond it, further ones are folded into one batch
 * message with the count, sent when its window (from the first one folded) closes.
 */
export interface EscalationBatching {
  limit: number;
  windowMs: number;
}

const HOUR = 3_600_000;

/** `COUNTERSIGN_ESCALATIONS_PER_HOUR` (default 10; 0 = every escalation message batched). */
export function escalationBatchingFromEnv(env: NodeJS.ProcessEnv = process.env): EscalationBatching {
  const raw = env.COUNTERSIGN_ESCALATIONS_PER_HOUR;
  const v = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return { limit: Number.isInteger(v) && v >= 0 ? v : 10, windowMs: HOUR };
}

/** The outbox's recipient id of a workflow's team channels (never a user id: those have no '#'). */
export const teamRecipient = (workflow: string) => `#${workflow}`;
export const isTeamRecipient = (userId: string) => userId.startsWith('#');

/** Where one notification goes: a person's preference or a workflow's team channel. */
export interface Destination {
  userId: string;
  channel: string;
  target: string;
  digest: boolean;
  team: boolean;
}

/** Whether a team channel's `events` (empty = TEAM_EVENTS) wants `event`. */
export function teamWants(events: readonly string[], event: NotifyEvent): boolean {
  return events.length ? wants(events, event) : (TEAM_EVENTS as readonly string[]).includes(event);
}

/** The team channels of `workflow` that want `event`. */
export async function teamDestinations(
  trx: Trx,
  workflow: string,
  event: NotifyEvent,
  cache?: Map<string, Promise<Selectable<WorkflowChannelsTable>[]>>,
): Promise<Destination[]> {
  const read = () => trx.selectFrom('workflow_channels').selectAll().where('workflow', '=', workflow).execute();
  let rows = cache?.get(workflow);
  if (!rows) {
    rows = read();
    cache?.set(workflow, rows);
  }
  return (await rows)
    .filter((r) => teamWants(parseJson<string[]>(r.events_json, []), event))
    .map((r) => ({ userId: teamRecipient(workflow), channel: r.kind, target: r.target, digest: r.digest, team: true }));
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

/** The same events told to a workflow's team channel (nobody in particular is "you" there). */
const TEAM_TITLES: Partial<Record<NotifyEvent, string>> = {
  escalated_to_you: 'A draft was escalated',
  named_account_waiting: "A named-account draft waits for its owner's review",
  sla_breached: 'A draft passed its review deadline and was handed to a backup',
};

/**
 * Whether a preference's `events` (empty = all) wants `event`. `sla_at_risk` was announced as
 * `deadline_at_risk` before it had its own kind: a preference naming that one keeps getting it.
 */
export function wants(events: readonly string[], event: NotifyEvent): boolean {
  return !events.length || events.includes(event) || (event === 'sla_at_risk' && events.includes('deadline_at_risk'));
}

/** The server's public address (links in notifications): `COUNTERSIGN_PUBLIC_URL`, else this host's. */
function publicBase(): string {
  return (process.env.COUNTERSIGN_PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(/\/+$/, '');
}

/** Where a link in a notification points: a page that shows the draft and where to review it; it never approves. */
export function draftLink(draftId: string): string {
  return `${publicBase()}/open/${encodeURIComponent(draftId)}`;
}

/** The draft's record page (`target.url`, an http(s) URL as ingest checked), or null. */
export function recordLink(url: unknown): string | null {
  return typeof url === 'string' && HttpUrl.safeParse(url).success ? url : null;
}

/** A link to a queue (a batch of escalations): a page that names the queue and where to review it; it decides nothing. */
export function queueLink(queue: string): string {
  return `${publicBase()}/open/queue/${encodeURIComponent(queue)}`;
}

const span = (ms: number) =>
  ms % HOUR === 0
    ? ms === HOUR
      ? 'hour'
      : `${ms / HOUR} hours`
    : ms >= 60_000
      ? `${Math.round(ms / 60_000)} min`
      : `${Math.max(1, Math.round(ms / 1000))} s`;

/** The batch message's subject: how many more, of which kind, to whom. */
function batchSubject(e: NotifyInput, d: Destination, n: number, windowMs: number): string {
  const drafts = `${n} more draft${n === 1 ? '' : 's'}`;
  const last = `in the last ${span(windowMs)}`;
  const label = e.kind?.label ?? e.event;
  switch (e.event) {
    case 'escalated_to_you':
      return d.team
        ? `${drafts} of ${e.workflow} escalated for ${label} ${last}`
        : `${drafts} escalated to you for ${label} ${last}`;
    case 'named_account_waiting':
      return d.team
        ? `${n} more named-account draft${n === 1 ? '' : 's'} of ${e.workflow} wait for their owners (${last})`
        : `${n} more named-account draft${n === 1 ? '' : 's'} wait for your review (${last})`;
    case 'repeated_failures':
      return `${drafts}${d.team ? ` of ${e.workflow}` : ''} sent to the admins for repeated failures ${last}`;
    default:
      return `${drafts}: ${TITLES[e.event]} ${last}`;
  }
}

const BATCH_LINES = 20;

/**
 * Writes `row` for `d`, or — beyond the rate for this recipient and escalation kind — folds it into
 * the open batch message (made now if none is open), whose subject and text are brought up to date
 * with the count. Folded rows keep their draft (so the same event for the same draft is still written
 * once) but are only ever sent within their batch (service/notify/deliver.ts).
 */
async function insertBatched(
  trx: Trx,
  e: NotifyInput,
  d: Destination,
  row: NotificationRow,
  b: EscalationBatching,
): Promise<void> {
  const key = `${e.event}|${e.kind!.key}|${e.queue}`;
  const t = e.now.getTime();
  const since = new Date(t - b.windowMs).toISOString();
  const open = await trx
    .selectFrom('notifications')
    .select(['id', 'next_at'])
    .where('user_id', '=', d.userId)
    .where('channel', '=', d.channel)
    .where('target', '=', d.target)
    .where('batch_key', '=', key)
    .where('draft_id', 'is', null)
    .where('sent_at', 'is', null)
    .where('attempts', '=', 0)
    .where('created_at', '>', since)
    .where('next_at', '>', row.created_at)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  let batch = open ? { id: Number(open.id), next_at: open.next_at } : null;
  if (!batch) {
    const singles = await trx
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', d.userId)
      .where('channel', '=', d.channel)
      .where('target', '=', d.target)
      .where('batch_key', '=', key)
      .where('draft_id', 'is not', null)
      .where('folded_into', 'is', null)
      .where('created_at', '>', since)
      .executeTakeFirst();
    if (Number(singles?.n ?? 0) < b.limit) {
      await trx
        .insertInto('notifications')
        .values({ ...row, batch_key: key })
        .execute();
      return;
    }
    const next_at = new Date(t + b.windowMs).toISOString();
    const made = await trx
      .insertInto('notifications')
      .values({
        ...row,
        draft_id: null,
        subject: batchSubject(e, d, 0, b.windowMs),
        text: '',
        link: queueLink(e.queue),
        batch_key: key,
        next_at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    batch = { id: Number(made.id), next_at };
  }
  await trx
    .insertInto('notifications')
    .values({ ...row, batch_key: key, folded_into: batch.id, next_at: batch.next_at })
    .execute();
  const folded = await trx
    .selectFrom('notifications')
    .select(['subject', 'link'])
    .where('folded_into', '=', batch.id)
    .orderBy('id')
    .execute();
  const n = folded.length;
  const subject = batchSubject(e, d, n, b.windowMs);
  const lines = folded.slice(0, BATCH_LINES).map((f) => `• ${f.subject} — ${f.link ?? ''}`);
  if (n > BATCH_LINES) lines.push(`• …and ${n - BATCH_LINES} more in the queue`);
  const link = queueLink(e.queue);
  const text =
    `${subject} (beyond ${b.limit} message${b.limit === 1 ? '' : 's'} per ${span(b.windowMs)}, they come together). ` +
    `They wait in ${e.queue}: ${link} — opening a link decides nothing.\n${lines.join('\n')}`;
  await trx.updateTable('notifications').set({ subject, text }).where('id', '=', batch.id).execute();
}

type NotificationRow = Omit<Insertable<NotificationsTable>, 'id' | 'batch_key' | 'folded_into'>;

/**
 * Turns events into notification rows (the outbox service/notify/deliver.ts sends), one per
 * recipient and matching preference (`notification_prefs`: channel, workflow or '*', events) and one
 * per team channel of the draft's workflow that wants the event (`workflow_channels`), in the
 * caller's transaction. The same event for the same recipient (a team channel: destination) and
 * draft is written once. Escalations (events with a `kind`) beyond `batching`'s rate are folded
 * into one batch message per recipient and kind.
 */
export async function queueNotifications(
  trx: Trx,
  _store: Store,
  events: NotifyInput[],
  opts: { batching?: EscalationBatching } = {},
): Promise<number> {
  let n = 0;
  const batching = opts.batching ?? escalationBatchingFromEnv();
  // Each workflow's team channels, read once per call (a scan covers up to 500 drafts).
  const channels = new Map<string, Promise<Selectable<WorkflowChannelsTable>[]>>();
  for (const e of events) {
    const dests: Destination[] = [];
    const people = await recipients(trx, e.queue, e.assignee, e.event);
    if (people.length) {
      const prefs = await trx
        .selectFrom('notification_prefs')
        .selectAll()
        .where('user_id', 'in', people)
        .where('workflow', 'in', [e.workflow, '*'])
        .execute();
      for (const p of prefs) {
        const wanted = parseJson<string[]>(p.events_json, []);
        if (!wants(wanted, e.event)) continue;
        // A workflow-specific preference wins over '*' for the same channel.
        if (
          p.workflow === '*' &&
          prefs.some((q) => q.user_id === p.user_id && q.channel === p.channel && q.workflow === e.workflow)
        )
          continue;
        dests.push({ userId: p.user_id, channel: p.channel, target: p.target, digest: p.digest, team: false });
      }
    }
    dests.push(...(await teamDestinations(trx, e.workflow, e.event, channels)));
    if (!dests.length) continue;
    const draft = await trx.selectFrom('drafts').select(['input_json']).where('id', '=', e.draftId).executeTakeFirst();
    const input = parseJson<{
      content?: { subject?: string };
      account?: { name?: string };
      target?: { url?: unknown };
    }>(draft?.input_json ?? null, {});
    const what = input.content?.subject ?? input.account?.name ?? e.draftId;
    const link = draftLink(e.draftId);
    const recordUrl = recordLink(input.target?.url);
    for (const d of dests) {
      let dup = trx
        .selectFrom('notifications')
        .select('id')
        .where('user_id', '=', d.userId)
        .where('event', '=', e.event)
        .where('draft_id', '=', e.draftId)
        .where('channel', '=', d.channel);
      // One workflow may have several team channels of a kind: each destination is told once.
      if (d.team) dup = dup.where('target', '=', d.target);
      if (await dup.executeTakeFirst()) continue;
      const title = (d.team ? TEAM_TITLES[e.event] : undefined) ?? TITLES[e.event];
      const to = d.team && e.event === 'escalated_to_you' ? ` to ${e.assignee ?? e.queue}` : '';
      const row: NotificationRow = {
        user_id: d.userId,
        channel: d.channel,
        target: d.target,
        event: e.event,
        draft_id: e.draftId,
        workflow: e.workflow,
        subject: `${title}${to}: ${what}`,
        text: `${title}${to} (${e.workflow}): “${what}”.${e.reason ? ` ${e.reason}.` : ''} Open it to review: ${link} — opening the link decides nothing.${recordUrl ? ` The record: ${recordUrl}` : ''}`,
        link,
        digest: d.digest,
        created_at: e.now.toISOString(),
        next_at: e.now.toISOString(),
      };
      if (e.kind) await insertBatched(trx, e, d, row, batching);
      else await trx.insertInto('notifications').values(row).execute();
      n++;
    }
  }
  return n;
}

/**
 * The leader's scan of committed changes since the last one (`notify_marks.scanned`): a draft
 * that arrived in a person's or a specialist's queue by escalation → `escalated_to_you` (kind: a
 * reviewer's escalation), a new draft routed to a specialist for detected content → also
 * `escalated_to_you` (kind: detected content); a new draft for a named account's owner →
 * `named_account_waiting`; a draft routed to the admins for repeated failures → `repeated_failures`.
 * Each is an escalation kind that `batching` rate-limits per recipient.
 */
export async function scanForNotifications(
  store: Store,
  now = new Date(),
  opts: { batching?: EscalationBatching } = {},
): Promise<number> {
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
    const fresh = r.status === 'pending' && r.prev_queue === null;
    const tell = (event: NotifyEvent, key: string, label: string) =>
      events.push({
        event,
        draftId: r.id,
        workflow: r.workflow,
        queue: r.queue,
        assignee: r.assignee,
        now,
        kind: { key, label },
      });
    if (r.status === 'escalated' && moved && r.prev_queue !== null)
      tell('escalated_to_you', 'person', "a reviewer's escalation");
    else if (fresh && r.queue.startsWith('specialist:'))
      tell('escalated_to_you', 'detected', `detected content (${r.queue.slice('specialist:'.length)})`);
    else if (fresh && r.queue === 'owner' && r.assignee) tell('named_account_waiting', 'named', 'a named account');
    else if (
      r.queue === 'admin' &&
      r.prev_queue === null &&
      parseJson<string[]>(r.reasons_json, []).some((x) => /repeated|failure/i.test(x))
    )
      tell('repeated_failures', 'failures', 'repeated failures');
  }
  const last = Number(rows.at(-1)!.version);
  return store.write(async (trx) => {
    const n = events.length ? await queueNotifications(trx, store, events, opts) : 0;
    await trx.updateTable('notify_marks').set({ value: last }).where('name', '=', 'scanned').execute();
    return n;
  });
}
