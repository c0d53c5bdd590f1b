import { type RawBuilder, sql } from 'kysely';
import type {
  Accountability,
  AccountabilityQuery,
  AccountabilityReviewer,
} from '../../lib/shared/schema/accountability';
import type { Store } from '../store';
import { parseJson } from './views';

// GET /v1/accountability (issue 16 §4): who approved what, and what was found wrong later. Every
// figure is a SQL aggregate over drafts, decisions and outcomes (no history loaded into memory);
// migration 81 indexes approved drafts by decision time and wrong outcomes by time. Canaries are
// left out everywhere except each reviewer's canary counts.

const MISSES_LISTED = 100;

type Frag = RawBuilder<unknown>;
const none: Frag = sql``;

/** Each element of a JSON array column as `alias.value` (SQLite json_each / PostgreSQL jsonb). */
function eachOf(store: Store, column: Frag, alias: string): Frag {
  return store.dialect === 'postgres'
    ? sql`cross join lateral jsonb_array_elements_text(${column}::jsonb) as ${sql.raw(alias)}(value)`
    : sql`cross join json_each(${column}) as ${sql.raw(alias)}`;
}

const n = (v: unknown) => Number(v ?? 0);

export async function accountabilityFigures(store: Store, q: AccountabilityQuery): Promise<Accountability> {
  const db = store.db;
  const scope = (d: string) =>
    sql.join(
      [
        q.workflow ? sql`and ${sql.ref(`${d}.workflow`)} = ${q.workflow}` : none,
        q.segment ? sql`and ${sql.ref(`${d}.segment`)} = ${q.segment}` : none,
      ],
      sql` `,
    );
  const wrong = (source?: string) =>
    sql`exists (select 1 from outcomes o where o.draft_id = d.id and not o.correct${source ? sql` and o.source = ${source}` : none})`;

  // Approvals and their misses, per approver, workflow and segment.
  const cells = await sql<{
    user_id: string;
    workflow: string;
    segment: string;
    approvals: unknown;
    checked: unknown;
    misses: unknown;
    m_audit: unknown;
    m_customer: unknown;
    m_qa: unknown;
  }>`select a.value as user_id, d.workflow, coalesce(d.segment, '') as segment, count(*) as approvals,
      sum(case when exists (select 1 from outcomes o where o.draft_id = d.id) then 1 else 0 end) as checked,
      sum(case when ${wrong()} then 1 else 0 end) as misses,
      sum(case when ${wrong('audit')} then 1 else 0 end) as m_audit,
      sum(case when ${wrong('customer')} then 1 else 0 end) as m_customer,
      sum(case when ${wrong('qa')} then 1 else 0 end) as m_qa
    from drafts d ${eachOf(store, sql`d.approved_by_json`, 'a')}
    where status = 'approved' and not d.canary ${q.since ? sql`and decided_at >= ${q.since}` : none} ${scope('d')}
    group by a.value, d.workflow, coalesce(d.segment, '')
    order by a.value, d.workflow, segment`.execute(db);

  const decisionScope = sql`de.status = 'applied' ${q.since ? sql`and de.received_at >= ${q.since}` : none} ${scope('d')}`;
  // Reviews and canaries per person (a canary is caught when edited with a change, rejected or escalated).
  const reviews = await sql<{ user_id: string; reviews: unknown; canaries: unknown; caught: unknown }>`
    select de.user_id, count(*) as reviews,
      sum(case when d.canary then 1 else 0 end) as canaries,
      sum(case when d.canary and (de.action in ('reject', 'escalate') or (de.action = 'edit' and de.diff is not null)) then 1 else 0 end) as caught
    from decisions de join drafts d on d.id = de.draft_id
    where ${decisionScope}
    group by de.user_id`.execute(db);

  // Median dwell per person: the middle row (or the two middle rows) of each person's sorted times.
  const medians = await sql<{ user_id: string; median: unknown }>`
    select user_id, avg(dwell_ms) as median from (
      select de.user_id, de.dwell_ms,
        row_number() over (partition by de.user_id order by de.dwell_ms) as rn,
        count(*) over (partition by de.user_id) as c
      from decisions de join drafts d on d.id = de.draft_id
      where ${decisionScope} and de.dwell_ms is not null
    ) t where rn * 2 >= c and rn * 2 <= c + 2
    group by user_id`.execute(db);

  // Reason codes of edits and rejections by person, day, workflow and segment.
  const reasons = await sql<{
    user_id: string;
    day: string;
    workflow: string;
    segment: string;
    reason: string;
    count: unknown;
  }>`select de.user_id, substr(de.received_at, 1, 10) as day, d.workflow, coalesce(d.segment, '') as segment,
      r.value as reason, count(*) as count
    from decisions de join drafts d on d.id = de.draft_id ${eachOf(store, sql`de.reasons_json`, 'r')}
    where ${decisionScope} and de.action in ('edit', 'reject') and not d.canary
    group by de.user_id, substr(de.received_at, 1, 10), d.workflow, coalesce(d.segment, ''), r.value`.execute(db);

  // The latest negative outcomes, each with who approved the draft.
  const misses = await sql<{
    draft_id: string;
    workflow: string;
    segment: string | null;
    approved_by_json: string;
    decided_by: string | null;
    source: string;
    note: string | null;
    created_at: string;
  }>`select o.draft_id, d.workflow, d.segment, d.approved_by_json, d.decided_by, o.source, o.note, o.created_at
    from outcomes o join drafts d on d.id = o.draft_id
    where not correct and not d.canary ${q.since ? sql`and o.created_at >= ${q.since}` : none} ${scope('d')}
    order by o.created_at desc, o.id desc
    limit ${MISSES_LISTED}`.execute(db);

  const people = new Map<string, AccountabilityReviewer>();
  const person = (userId: string) => {
    let p = people.get(userId);
    if (!p) {
      p = {
        userId,
        name: null,
        approvals: 0,
        checked: 0,
        misses: 0,
        missesBySource: { audit: 0, customer: 0, qa: 0 },
        missRate: null,
        reviews: 0,
        reviewTimeMedianMs: null,
        canaries: 0,
        canariesCaught: 0,
        canaryCatchRate: null,
        reasons: [],
      };
      people.set(userId, p);
    }
    return p;
  };
  for (const c of cells.rows) {
    const p = person(c.user_id);
    p.approvals += n(c.approvals);
    p.checked += n(c.checked);
    p.misses += n(c.misses);
    p.missesBySource.audit += n(c.m_audit);
    p.missesBySource.customer += n(c.m_customer);
    p.missesBySource.qa += n(c.m_qa);
  }
  for (const r of reviews.rows) {
    const p = person(r.user_id);
    p.reviews = n(r.reviews);
    p.canaries = n(r.canaries);
    p.canariesCaught = n(r.caught);
  }
  for (const m of medians.rows) person(m.user_id).reviewTimeMedianMs = Math.round(n(m.median));
  const used = new Map<string, Map<string, number>>();
  const errorTypes = new Map<string, Accountability['errorTypes'][number]>();
  for (const r of reasons.rows) {
    const byReason = used.get(r.user_id) ?? new Map<string, number>();
    byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + n(r.count));
    used.set(r.user_id, byReason);
    const key = `${r.day}\u0000${r.workflow}\u0000${r.segment}\u0000${r.reason}`;
    const row = errorTypes.get(key) ?? {
      day: r.day,
      workflow: r.workflow,
      segment: r.segment,
      reason: r.reason,
      count: 0,
    };
    row.count += n(r.count);
    errorTypes.set(key, row);
  }
  for (const [userId, byReason] of used)
    person(userId).reasons = [...byReason]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const ids = [...people.keys()];
  if (ids.length)
    for (const u of await db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute())
      person(u.id).name = u.name;
  for (const p of people.values()) {
    p.missRate = p.checked ? p.misses / p.checked : null;
    p.canaryCatchRate = p.canaries ? p.canariesCaught / p.canaries : null;
  }
  return {
    since: q.since ?? null,
    // Most misses first, then the busiest.
    reviewers: [...people.values()].sort(
      (a, b) =>
        b.misses - a.misses || b.approvals - a.approvals || b.reviews - a.reviews || a.userId.localeCompare(b.userId),
    ),
    cells: cells.rows.map((c) => ({
      userId: c.user_id,
      workflow: c.workflow,
      segment: c.segment,
      approvals: n(c.approvals),
      checked: n(c.checked),
      misses: n(c.misses),
    })),
    misses: misses.rows.map((m) => ({
      draftId: m.draft_id,
      workflow: m.workflow,
      segment: m.segment,
      approvedBy: parseJson<string[]>(m.approved_by_json, []),
      decidedBy: m.decided_by,
      source: m.source,
      note: m.note,
      at: m.created_at,
    })),
    errorTypes: [...errorTypes.values()].sort(
      (a, b) =>
        a.day.localeCompare(b.day) ||
        a.workflow.localeCompare(b.workflow) ||
        a.segment.localeCompare(b.segment) ||
        b.count - a.count ||
        a.reason.localeCompare(b.reason),
    ),
  };
}
