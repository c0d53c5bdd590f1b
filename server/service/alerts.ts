import { type Expression, type RawBuilder, sql } from 'kysely';
import { REPEATED_FAILURES } from '../../lib/shared/policy/routing';
import { type Alert, AlertKind, type NotifyEvent } from '../../lib/shared/schema';
import type { Store, Trx } from '../store';
import { alertDb } from '../store/alerts';
import { WAITING } from './expiry';
import { teamDestinations } from './notify/events';
import { getPolicy } from './policy';
import { parseJson } from './views';

// Governance alerts (issue 16 §5). Each tick of the timers (one instance at a time) computes the
// conditions with SQL aggregates over indexed columns, on SQLite and PostgreSQL alike (outside the
// write transaction), then in one transaction: a condition without an open alert opens one (the
// partial unique index alerts_open keeps it to one per episode) and tells the admins through their
// notification preferences (issue 15's outbox, sent by service/notify/deliver.ts); an open alert
// whose condition still holds is updated (count, figures); one whose condition cleared is closed,
// and that is told too.

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface AlertLimits {
  /** A waiting draft older than this makes its queue's backlog an alert. */
  backlogMs: number;
  /** More escalations into one queue than this within the last hour is a surge (one alert with the count). */
  escalationsPerHour: number;
  /** Rubber-stamping: window, decisions needed, "very fast" approval time and share, near-total approval vs peers. */
  reviewerWindowMs: number;
  minDecisions: number;
  fastMs: number;
  fastShare: number;
  nearTotalApproval: number;
  /** How far above the peers' approval rate near-total approval must be to stand out. */
  aboveTeam: number;
  /** The false-auto window (the tightening rule's 7 days). */
  falseAutoWindowMs: number;
}

const envNumber = (name: string, d: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : d;
};

export function alertLimitsFromEnv(): AlertLimits {
  return {
    backlogMs: envNumber('COUNTERSIGN_ALERT_BACKLOG_MINUTES', 240) * 60_000,
    escalationsPerHour: envNumber('COUNTERSIGN_ALERT_ESCALATIONS_PER_HOUR', 20),
    reviewerWindowMs: 7 * DAY,
    minDecisions: 30,
    // The practical guide: "approves 100% of items in under 5 seconds each".
    fastMs: 5_000,
    fastShare: 0.5,
    nearTotalApproval: 0.97,
    aboveTeam: 0.1,
    falseAutoWindowMs: 7 * DAY,
  };
}

/** How often the timers look (ms; 0 = never). */
export const ALERTS_EVERY_MS = Number(process.env.COUNTERSIGN_ALERTS_INTERVAL_MS ?? 60_000);

export interface Condition {
  kind: AlertKind;
  scope: string;
  workflow: string | null;
  message: string;
  detail: Record<string, number | string | null>;
  count: number;
}

const pct = (x: number) => (x * 100 < 10 ? `${(x * 100).toFixed(1)}%` : `${Math.round(x * 100)}%`);
const limitPct = (x: number) => `${Math.round(x * 1000) / 10}%`;
const minutes = (ms: number) =>
  ms >= 2 * HOUR ? `${Math.round(ms / HOUR)} h` : `${Math.max(1, Math.round(ms / 60_000))} min`;

/** Only each draft's latest outcome: `outcome` aliases outcomes, `draftId` names the draft's id. */
const isLatestOutcome = (outcome: string, draftId: string) =>
  sql<boolean>`${sql.ref(`${outcome}.id`)} = (select max(o2.id) from outcomes o2 where o2.draft_id = ${sql.ref(draftId)})`;

/**
 * Repeated failures (routing's rule): the segments with at least `REPEATED_FAILURES.min` bad ones among
 * their latest `REPEATED_FAILURES.window` rows of `rows` (workflow, segment, bad 0/1, rn = 1 newest).
 */
async function repeated(db: Trx, rows: Expression<unknown>) {
  const r = await sql<{ workflow: string; segment: string; bad: unknown; n: unknown }>`
    select r.workflow, r.segment, sum(r.bad) as bad, count(*) as n from (${rows}) r
    where r.rn <= ${REPEATED_FAILURES.window}
    group by r.workflow, r.segment
    having sum(r.bad) >= ${REPEATED_FAILURES.min}`.execute(db);
  return r.rows;
}

/** Every condition that holds now. */
export async function alertConditions(db: Trx, now: Date, limits: AlertLimits): Promise<Condition[]> {
  const out: Condition[] = [];
  const t = now.getTime();

  // Queue backlog: the oldest waiting draft of a queue is older than the limit (from
  // drafts_waiting_since alone, migration 52: its condition written out as the index's).
  const backlog = await db
    .selectFrom('drafts')
    .select((eb) => ['queue', eb.fn.min('created_at').as('oldest'), eb.fn.countAll<number>().as('n')])
    .where(WAITING)
    .where('canary', '=', false)
    .groupBy('queue')
    .having((eb) => eb.fn.min('created_at'), '<', new Date(t - limits.backlogMs).toISOString())
    .execute();
  for (const r of backlog) {
    const age = t - Date.parse(String(r.oldest));
    const n = Number(r.n);
    out.push({
      kind: 'queue_backlog',
      scope: r.queue,
      workflow: null,
      count: n,
      message: `Backlog in the ${r.queue} queue: ${n} draft${n === 1 ? '' : 's'} waiting, the oldest for ${minutes(age)} (limit ${minutes(limits.backlogMs)}).`,
      detail: { waiting: n, oldestAgeMs: age, limitMs: limits.backlogMs, oldestAt: String(r.oldest) },
    });
  }

  // Escalation surge: arrivals in an escalation queue (by routing at ingest, or by a person) in the last hour.
  const hourAgo = new Date(t - HOUR).toISOString();
  const escalationQueue = sql<boolean>`(queue like 'specialist:%' or queue in ('owner', 'admin'))`;
  const routed = await db
    .selectFrom('drafts')
    .select((eb) => ['queue', eb.fn.countAll<number>().as('n')])
    .where('created_at', '>=', hourAgo)
    .where('canary', '=', false)
    .where(escalationQueue)
    .groupBy('queue')
    .execute();
  const byPeople = await db
    .selectFrom('decisions')
    .innerJoin('drafts', 'drafts.id', 'decisions.draft_id')
    .select((eb) => ['drafts.queue as queue', eb.fn.countAll<number>().as('n')])
    .where('decisions.action', '=', 'escalate')
    .where('decisions.status', '=', 'applied')
    .where('decisions.received_at', '>=', hourAgo)
    .groupBy('drafts.queue')
    .execute();
  const arrivals = new Map<string, number>();
  for (const r of [...routed, ...byPeople]) arrivals.set(r.queue, (arrivals.get(r.queue) ?? 0) + Number(r.n));
  for (const [queue, n] of arrivals)
    if (n > limits.escalationsPerHour)
      out.push({
        kind: 'escalation_surge',
        scope: queue,
        workflow: null,
        count: n,
        message: `Escalation surge into ${queue}: ${n} escalations in the last hour (more than ${limits.escalationsPerHour} an hour); batched into this one alert.`,
        detail: { lastHour: n, perHourLimit: limits.escalationsPerHour },
      });

  // Rubber-stamping: very fast approvals, or near-total approval well above the peers'. As in the
  // dashboard's reviewer table, an "edit" saved without a change is an approval too. The people's
  // sums read only indexed columns (migration 92); the unchanged edits, a second query, read the
  // rows of the window's edits alone.
  const since = new Date(t - limits.reviewerWindowMs).toISOString();
  const passed = (approvals: RawBuilder<unknown>) => [
    sql<number>`sum(case when ${approvals} then 1 else 0 end)`.as('approved'),
    sql<number>`sum(case when ${approvals} and dwell_ms is not null then 1 else 0 end)`.as('timed'),
    sql<number>`sum(case when ${approvals} and dwell_ms < ${limits.fastMs} then 1 else 0 end)`.as('fast'),
  ];
  const people = await db
    .selectFrom('decisions')
    .select((eb) => ['user_id', eb.fn.countAll<number>().as('judged'), ...passed(sql`action = 'approve'`)])
    .where('status', '=', 'applied')
    .where('action', 'in', ['approve', 'edit', 'reject'])
    .where('received_at', '>=', since)
    .groupBy('user_id')
    .execute();
  const unchangedEdits = await db
    .selectFrom('decisions')
    .select(['user_id', ...passed(sql`diff is null`)])
    .where('status', '=', 'applied')
    .where('action', '=', 'edit')
    .where('received_at', '>=', since)
    .groupBy('user_id')
    .execute();
  for (const e of unchangedEdits) {
    const p = people.find((x) => x.user_id === e.user_id);
    if (!p) continue;
    p.approved = Number(p.approved ?? 0) + Number(e.approved ?? 0);
    p.timed = Number(p.timed ?? 0) + Number(e.timed ?? 0);
    p.fast = Number(p.fast ?? 0) + Number(e.fast ?? 0);
  }
  let teamJudged = 0;
  let teamApproved = 0;
  for (const p of people) {
    teamJudged += Number(p.judged);
    teamApproved += Number(p.approved ?? 0);
  }
  for (const p of people) {
    const judged = Number(p.judged);
    if (judged < limits.minDecisions) continue;
    const approved = Number(p.approved ?? 0);
    const timed = Number(p.timed ?? 0);
    const fast = Number(p.fast ?? 0);
    const rate = approved / judged;
    const peersJudged = teamJudged - judged;
    const peers = peersJudged > 0 ? (teamApproved - approved) / peersJudged : null;
    const reasons: string[] = [];
    if (timed >= 10 && fast / timed >= limits.fastShare)
      reasons.push(`${fast} of ${timed} approvals in under ${limits.fastMs / 1000} s`);
    if (
      rate >= limits.nearTotalApproval &&
      peers !== null &&
      peersJudged >= limits.minDecisions &&
      rate - peers >= limits.aboveTeam
    )
      reasons.push(`approved ${pct(rate)} of ${judged} unchanged against ${pct(peers)} for the rest of the team`);
    if (reasons.length)
      out.push({
        kind: 'rubber_stamping',
        scope: p.user_id,
        workflow: null,
        count: judged,
        message: `Possible rubber-stamping by ${p.user_id} in the last ${Math.round(limits.reviewerWindowMs / DAY)} days: ${reasons.join('; ')}.`,
        detail: {
          decisions: judged,
          approveRate: rate,
          peersApproveRate: peers,
          fastApprovals: fast,
          timedApprovals: timed,
        },
      });
  }

  // False auto-approvals over target: audited auto-approvals of the window whose latest outcome is
  // wrong. The window's auto-approvals first (drafts_created_cover alone, migration 53), then their
  // outcomes: grouped by workflow in one pass, SQLite walked every draft by workflow instead.
  const windowStart = new Date(t - limits.falseAutoWindowMs).toISOString();
  const { rows: audited } = await sql<{ workflow: string; audited: unknown; wrong: unknown }>`
    with autos as materialized (
      select id, workflow from drafts
      where created_at >= ${windowStart} and route = 'auto' and canary = ${false})
    select a.workflow, count(*) as audited, sum(case when o.correct = ${false} then 1 else 0 end) as wrong
    from autos a join outcomes o on o.draft_id = a.id
    where ${isLatestOutcome('o', 'a.id')}
    group by a.workflow`.execute(db);
  for (const r of audited) {
    const n = Number(r.audited);
    const wrong = Number(r.wrong ?? 0);
    const policy = await getPolicy(db, r.workflow);
    const min = policy.minAuditedToTighten ?? 200;
    if (n < min || n === 0 || wrong / n <= policy.falseAutoTarget) continue;
    out.push({
      kind: 'false_auto_rate',
      scope: r.workflow,
      workflow: r.workflow,
      count: wrong,
      message: `False auto-approvals in ${r.workflow}: ${pct(wrong / n)} over ${n} audited drafts > ${limitPct(policy.falseAutoTarget)} target (${wrong} wrong in the last ${Math.round(limits.falseAutoWindowMs / DAY)} days).`,
      detail: { audited: n, wrong, falseAutoRate: wrong / n, target: policy.falseAutoTarget },
    });
  }

  // A segment's repeated failures: of its latest drafts (routing's window), too many below the
  // review threshold; or of its latest outcomes (each draft's latest), too many negative — customer
  // complaints, failed audits, QA. Either makes one alert per segment.
  const weekAgo = new Date(t - 7 * DAY).toISOString();
  // The week's drafts first (drafts_created_cover alone, migration 53), numbered after: numbered in
  // one pass, SQLite walked every draft by (workflow, segment, created_version) to skip the sort
  // (4 s at 1,000,000 drafts, the server held for all of it).
  const lowDrafts = await repeated(
    db,
    sql`with week as materialized (
        select workflow, segment, created_version,
          case when confidence < coalesce(review_threshold, 0.7) then 1 else 0 end as bad
        from drafts
        where segment is not null and canary = ${false} and created_at >= ${weekAgo})
      select workflow, segment, bad,
        row_number() over (partition by workflow, segment order by created_version desc) as rn
      from week`,
  );
  // The week's latest outcomes first (outcomes_created, migration 51), then their drafts: joined in
  // one pass, SQLite walked the drafts by segment instead (5 s at 1,000,000 drafts).
  const wrongOutcomes = await repeated(
    db,
    sql`with recent as materialized (
        select o.id, o.draft_id, o.correct from outcomes o
        where o.created_at >= ${weekAgo} and ${isLatestOutcome('o', 'o.draft_id')})
      select d.workflow, d.segment, case when r.correct then 0 else 1 end as bad,
        row_number() over (partition by d.workflow, d.segment order by r.id desc) as rn
      from recent r join drafts d on d.id = r.draft_id
      where d.segment is not null and d.canary = ${false}`,
  );
  type Failing = { workflow: string; segment: string; low?: [number, number]; wrong?: [number, number] };
  const failing = new Map<string, Failing>();
  const at = (workflow: string, segment: string) => {
    const key = `${workflow}/${segment}`;
    const f = failing.get(key) ?? { workflow, segment };
    failing.set(key, f);
    return f;
  };
  for (const r of lowDrafts) at(r.workflow, String(r.segment)).low = [Number(r.bad), Number(r.n)];
  for (const r of wrongOutcomes) at(r.workflow, String(r.segment)).wrong = [Number(r.bad), Number(r.n)];
  for (const [scope, f] of failing) {
    const found = [
      f.low && `${f.low[0]} of its last ${f.low[1]} drafts are below the review threshold`,
      f.wrong && `${f.wrong[0]} of its last ${f.wrong[1]} outcomes are negative (complaints, failed audits, QA)`,
    ].filter(Boolean);
    out.push({
      kind: 'segment_failures',
      scope,
      workflow: f.workflow,
      count: (f.low?.[0] ?? 0) + (f.wrong?.[0] ?? 0),
      message: `Repeated failures in segment “${f.segment}” of ${f.workflow}: ${found.join('; ')}. The prompt or workflow needs a look.`,
      detail: {
        segment: f.segment,
        below: f.low?.[0] ?? 0,
        of: f.low?.[1] ?? 0,
        negativeOutcomes: f.wrong?.[0] ?? 0,
        outcomes: f.wrong?.[1] ?? 0,
      },
    });
  }
  return out;
}

const EVENT: Record<AlertKind, NotifyEvent> = {
  segment_failures: 'repeated_failures',
  queue_backlog: 'queue_backlog',
  escalation_surge: 'escalation_surge',
  rubber_stamping: 'rubber_stamping',
  false_auto_rate: 'false_auto_rate',
};

const TITLE: Record<AlertKind, string> = {
  segment_failures: 'Repeated failures in a segment',
  queue_backlog: 'Review backlog',
  escalation_surge: 'Escalation surge',
  rubber_stamping: 'Possible rubber-stamping',
  false_auto_rate: 'False auto-approvals over target',
};

/**
 * Tells the admins (those with a matching notification preference) that an alert opened or closed,
 * and the team channels of the alert's workflow that want its event (a segment's repeated failures
 * by default; the other alerts when a channel lists them).
 */
async function notifyAdmins(trx: Trx, a: Condition, resolved: boolean, now: string): Promise<void> {
  const admins = (await trx.selectFrom('users').select('id').where('role', '=', 'admin').execute()).map((u) => u.id);
  const event = EVENT[a.kind];
  const prefs = admins.length
    ? await trx
        .selectFrom('notification_prefs')
        .selectAll()
        .where('user_id', 'in', admins)
        .where('workflow', 'in', a.workflow ? [a.workflow, '*'] : ['*'])
        .execute()
    : [];
  const dests: Array<{ user_id: string; channel: string; target: string; digest: boolean }> = [];
  for (const p of prefs) {
    const wanted = parseJson<string[]>(p.events_json, []);
    if (wanted.length && !wanted.includes(event)) continue;
    if (
      p.workflow === '*' &&
      prefs.some((q) => q.user_id === p.user_id && q.channel === p.channel && q.workflow === a.workflow)
    )
      continue;
    dests.push(p);
  }
  if (a.workflow)
    for (const d of await teamDestinations(trx, a.workflow, event))
      dests.push({ user_id: d.userId, channel: d.channel, target: d.target, digest: d.digest });
  for (const p of dests) {
    await trx
      .insertInto('notifications')
      .values({
        user_id: p.user_id,
        channel: p.channel,
        target: p.target,
        event,
        draft_id: null,
        workflow: a.workflow,
        subject: `${resolved ? 'Resolved: ' : ''}${TITLE[a.kind]}${a.workflow ? ` (${a.workflow})` : ''}: ${a.scope}`,
        text: resolved ? `Resolved — ${a.message.replace(/\.$/, '')} no longer holds.` : a.message,
        link: null,
        digest: p.digest,
        created_at: now,
        next_at: now,
      })
      .execute();
  }
}

const keyOf = (kind: string, scope: string) => `${kind}\u0000${scope}`;

/**
 * Raises, updates and closes alerts from the conditions now (the timers' job). Returns what changed.
 */
export async function checkAlerts(
  store: Store,
  now = new Date(),
  limits: AlertLimits = alertLimitsFromEnv(),
): Promise<{ opened: number; closed: number }> {
  // The conditions are read before the write: on PostgreSQL a write holds the writers' lock from its
  // first statement (store/index.ts), so reading them inside it would hold every decision and every
  // ingest for as long as the aggregates take. The alerts table is read and changed inside it; the
  // timers run this on one instance at a time.
  const conditions = await alertConditions(store.db, now, limits);
  return store.write(async (trx) => {
    const db = alertDb(trx);
    const open = await db.selectFrom('alerts').selectAll().where('closed_at', 'is', null).execute();
    const openByKey = new Map(open.map((a) => [keyOf(a.kind, a.scope), a]));
    const at = now.toISOString();
    let opened = 0;
    let closed = 0;
    const seen = new Set<string>();
    for (const c of conditions) {
      const k = keyOf(c.kind, c.scope);
      seen.add(k);
      const existing = openByKey.get(k);
      if (existing) {
        await db
          .updateTable('alerts')
          .set({
            last_seen_at: at,
            message: c.message,
            detail_json: JSON.stringify(c.detail),
            count: Math.max(Number(existing.count), c.count),
          })
          .where('id', '=', existing.id)
          .execute();
        continue;
      }
      await db
        .insertInto('alerts')
        .values({
          kind: c.kind,
          scope: c.scope,
          workflow: c.workflow,
          message: c.message,
          detail_json: JSON.stringify(c.detail),
          count: c.count,
          opened_at: at,
          last_seen_at: at,
          closed_at: null,
        } as never)
        .execute();
      await notifyAdmins(trx, c, false, at);
      opened++;
    }
    for (const a of open) {
      if (seen.has(keyOf(a.kind, a.scope))) continue;
      await db.updateTable('alerts').set({ closed_at: at }).where('id', '=', a.id).execute();
      await notifyAdmins(
        trx,
        {
          kind: AlertKind.parse(a.kind),
          scope: a.scope,
          workflow: a.workflow,
          message: a.message,
          detail: {},
          count: Number(a.count),
        },
        true,
        at,
      );
      closed++;
    }
    return { opened, closed };
  });
}

/** `GET /v1/alerts`: open alerts (or all), newest first. */
export async function listAlerts(store: Store, state: 'open' | 'all', limit: number): Promise<Alert[]> {
  let q = alertDb(store.db).selectFrom('alerts').selectAll();
  if (state === 'open') q = q.where('closed_at', 'is', null);
  const rows = await q.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: String(r.id),
    kind: AlertKind.parse(r.kind),
    scope: r.scope,
    workflow: r.workflow,
    message: r.message,
    detail: parseJson<Alert['detail']>(r.detail_json, {}),
    count: Number(r.count),
    openedAt: r.opened_at,
    lastSeenAt: r.last_seen_at,
    closedAt: r.closed_at,
  }));
}
