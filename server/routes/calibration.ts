import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { routes } from '../../lib/shared/api/routes';
import {
  bootstrapKappa,
  countTable,
  deviations,
  fleissKappa,
  itemAgreement,
  plurality,
  type Rating,
} from '../../lib/shared/policy/agreement';
import { hash32 } from '../../lib/shared/policy/stats';
import {
  CALIBRATION_VERDICTS,
  type CalibrationItem,
  type CalibrationResults,
  type CalibrationSession,
  type CalibrationVerdict,
  DraftIn,
  REVIEWER_ROLES,
} from '../../lib/shared/schema';
import { appendAudit } from '../audit';
import { type AppContext, newRouter, type Resource, requireRole } from '../context';
import { ApiError, forbidden, notFound } from '../errors';
import { parseJson } from '../service/views';
import type { Store } from '../store';
import { calDb } from '../store/calibration';
import { ERRORS, openApiRoute } from './openapi';

// Calibration sessions (issue 16; GTMStack: "monthly, have your review team evaluate the same set
// of outputs independently"). Blind: a reviewer's answers carry only the drafts as the pipeline
// wrote them and their own judgements; results are for admins, and an admin who is also a judge in
// an open session gets them only after it closes. Nothing is sent: judgements are stored apart
// from decisions, and no draft changes.

const PREFIX = '/v1/calibration-sessions';
const NOT_FOUND = { ...ERRORS, 404: 'No such session (or not yours)' } as const;

const createRoute = openApiRoute(PREFIX, routes.createCalibrationSession, {
  summary: 'Start a calibration session: chosen drafts (or a random sample) judged blind by chosen reviewers (admin)',
  ok: 'The session',
  errors: ERRORS,
});
const listRoute = openApiRoute(PREFIX, routes.listCalibrationSessions, {
  summary: 'Calibration sessions: all (admin) or the ones the caller judges in',
  ok: 'The sessions, newest first',
  errors: ERRORS,
});
const itemsRoute = openApiRoute(PREFIX, routes.calibrationItems, {
  summary: "The drafts of a session to judge, with the caller's own judgements only",
  ok: 'The drafts as the pipeline wrote them',
  errors: NOT_FOUND,
});
const judgeRoute = openApiRoute(PREFIX, routes.putCalibrationJudgements, {
  summary: "Record (or change) the caller's judgements while the session is open; nothing is sent",
  ok: 'How many are saved and judged',
  errors: { ...NOT_FOUND, 409: 'The session is closed' },
});
const closeRoute = openApiRoute(PREFIX, routes.closeCalibrationSession, {
  summary: 'Close a session (admin); its results',
  ok: 'Agreement, deviations and splits',
  errors: NOT_FOUND,
});
const resultsRoute = openApiRoute(PREFIX, routes.calibrationResults, {
  summary:
    "Agreement (Fleiss' kappa with a bootstrap interval), deviation from the majority, drafts that split the team (admin)",
  ok: 'The results so far',
  errors: { ...NOT_FOUND, 409: 'The caller judges in this open session' },
});

type Db = ReturnType<typeof calDb>;

async function loadSession(db: Db, id: string) {
  const s = await db.selectFrom('calibration_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) throw notFound('No such calibration session');
  const reviewers = (
    await db
      .selectFrom('calibration_reviewers')
      .select('user_id')
      .where('session_id', '=', id)
      .orderBy('user_id')
      .execute()
  ).map((r) => r.user_id);
  return { ...s, reviewers };
}

async function summary(
  db: Db,
  s: Awaited<ReturnType<typeof loadSession>>,
  viewer: { id: string; admin: boolean },
): Promise<CalibrationSession> {
  const items = await db
    .selectFrom('calibration_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('session_id', '=', s.id)
    .executeTakeFirst();
  const judged = await db
    .selectFrom('calibration_judgements')
    .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('session_id', '=', s.id)
    .groupBy('user_id')
    .execute();
  const count = new Map(judged.map((r) => [r.user_id, Number(r.n)]));
  return {
    id: s.id,
    workflow: s.workflow,
    name: s.name,
    createdBy: s.created_by,
    createdAt: s.created_at,
    closedAt: s.closed_at,
    reviewers: s.reviewers,
    items: Number(items?.n ?? 0),
    ...(viewer.admin ? { progress: s.reviewers.map((u) => ({ userId: u, judged: count.get(u) ?? 0 })) } : {}),
    ...(s.reviewers.includes(viewer.id) ? { yourJudged: count.get(viewer.id) ?? 0 } : {}),
  };
}

/** The session, if the caller may see it: admins all, reviewers those they judge in. */
async function visibleSession(c: AppContext, store: Store, id: string) {
  const user = requireRole(c, REVIEWER_ROLES);
  const db = calDb(store.db);
  const s = await loadSession(db, id);
  const admin = user.role === 'admin';
  if (!admin && !s.reviewers.includes(user.id)) throw notFound('No such calibration session');
  return { user, db, s, admin };
}

const emptyCounts = () => ({ approve: 0, edit: 0, reject: 0, escalate: 0 });

/** Agreement, deviations and splits of a session, from its judgements. */
async function results(db: Db, s: Awaited<ReturnType<typeof loadSession>>, viewer: { id: string; admin: boolean }) {
  const items = (
    await db
      .selectFrom('calibration_items')
      .select('draft_id')
      .where('session_id', '=', s.id)
      .orderBy('position')
      .execute()
  ).map((r) => r.draft_id);
  const judgements = await db
    .selectFrom('calibration_judgements')
    .selectAll()
    .where('session_id', '=', s.id)
    .orderBy('draft_id')
    .orderBy('user_id')
    .execute();
  const index = (v: string) => CALIBRATION_VERDICTS.indexOf(v as CalibrationVerdict);
  const ratings: Rating[] = judgements.map((j) => ({ item: j.draft_id, rater: j.user_id, category: index(j.verdict) }));
  const table = countTable(ratings, items, CALIBRATION_VERDICTS.length);
  const f = fleissKappa(table);
  const interval = bootstrapKappa(table, { seed: hash32(s.id) });
  const devs = new Map(deviations(ratings, table, items).map((d) => [d.rater, d]));
  const verdicts = new Map<string, ReturnType<typeof emptyCounts>>();
  for (const j of judgements) {
    const v = verdicts.get(j.user_id) ?? emptyCounts();
    v[j.verdict as CalibrationVerdict]++;
    verdicts.set(j.user_id, v);
  }
  const byDraft = new Map<string, typeof judgements>();
  for (const j of judgements) byDraft.set(j.draft_id, [...(byDraft.get(j.draft_id) ?? []), j]);
  const splits: CalibrationResults['splits'] = [];
  items.forEach((draftId, i) => {
    const row = table[i]!;
    const p = itemAgreement(row);
    if (p === null || p >= 1) return;
    const counts = emptyCounts();
    CALIBRATION_VERDICTS.forEach((v, j) => {
      counts[v] = row[j]!;
    });
    const m = plurality(row);
    splits.push({
      draftId,
      counts,
      majority: m === null ? null : CALIBRATION_VERDICTS[m]!,
      agreement: p,
      judgements: (byDraft.get(draftId) ?? []).map((j) => ({
        userId: j.user_id,
        verdict: j.verdict as CalibrationVerdict,
        reasons: parseJson<string[]>(j.reasons_json, []),
        note: j.note,
      })),
    });
  });
  splits.sort((a, b) => (a.agreement ?? 0) - (b.agreement ?? 0) || (a.draftId < b.draftId ? -1 : 1));
  const out: CalibrationResults = {
    session: await summary(db, s, viewer),
    agreement: {
      items: f.items,
      ratings: f.ratings,
      observed: f.observed,
      expected: f.expected,
      kappa: f.kappa,
      interval,
    },
    reviewers: s.reviewers.map((u) => {
      const d = devs.get(u);
      return {
        userId: u,
        judged: d?.judged ?? 0,
        compared: d?.compared ?? 0,
        deviations: d?.deviations ?? 0,
        deviationRate: d?.rate ?? null,
        verdicts: verdicts.get(u) ?? emptyCounts(),
      };
    }),
    splits: splits.slice(0, 100),
  };
  return out;
}

export const calibrationSessionRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store, now }) =>
    newRouter()
      .openapi(createRoute, async (c) => {
        const user = requireRole(c, ['admin']);
        const body = c.req.valid('json');
        if (!body.draftIds === !body.sample)
          throw new ApiError(400, 'invalid_input', 'give either draftIds or sample, not both or neither');
        const reviewers = [...new Set(body.reviewers)];
        if (reviewers.length < 2) throw new ApiError(400, 'invalid_input', 'a session needs at least two reviewers');
        const db = calDb(store.db);
        const known = await db.selectFrom('users').select(['id', 'role']).where('id', 'in', reviewers).execute();
        for (const r of reviewers) {
          const u = known.find((k) => k.id === r);
          if (!u || !(REVIEWER_ROLES as readonly string[]).includes(u.role))
            throw new ApiError(400, 'invalid_input', `"${r}" is not a known reviewer`);
        }
        let drafts: string[];
        if (body.draftIds) {
          drafts = [...new Set(body.draftIds)];
          const found = await db
            .selectFrom('drafts')
            .select('id')
            .where('id', 'in', drafts)
            .where('workflow', '=', body.workflow)
            .where('canary', '=', false)
            .execute();
          const have = new Set(found.map((r) => r.id));
          const missing = drafts.filter((d) => !have.has(d));
          if (missing.length)
            throw new ApiError(
              400,
              'invalid_input',
              `not drafts of ${body.workflow}: ${missing.slice(0, 5).join(', ')}`,
            );
        } else {
          let q = db
            .selectFrom('drafts')
            .select('id')
            .where('workflow', '=', body.workflow)
            .where('canary', '=', false);
          if (body.sample!.since) q = q.where('created_at', '>=', body.sample!.since);
          drafts = (await q.orderBy(sql`random()`).limit(body.sample!.size).execute()).map((r) => r.id);
          if (drafts.length < 2)
            throw new ApiError(400, 'invalid_input', `too few drafts of ${body.workflow} to sample`);
        }
        const id = randomUUID();
        const at = now().toISOString();
        const name = body.name ?? `Calibration ${at.slice(0, 10)}`;
        await store.write(async (trx) => {
          const t = calDb(trx);
          await t
            .insertInto('calibration_sessions')
            .values({ id, workflow: body.workflow, name, created_by: user.id, created_at: at, closed_at: null })
            .execute();
          await t
            .insertInto('calibration_reviewers')
            .values(reviewers.map((u) => ({ session_id: id, user_id: u })))
            .execute();
          await t
            .insertInto('calibration_items')
            .values(drafts.map((d, i) => ({ session_id: id, draft_id: d, position: i })))
            .execute();
          await appendAudit(trx, {
            actor: user.id,
            action: 'calibration.created',
            workflow: body.workflow,
            detail: { sessionId: id, name, reviewers, drafts: drafts.length, sampled: !!body.sample },
          });
        });
        return c.json(await summary(db, await loadSession(db, id), { id: user.id, admin: true }), 200);
      })
      .openapi(listRoute, async (c) => {
        const user = requireRole(c, REVIEWER_ROLES);
        const admin = user.role === 'admin';
        const db = calDb(store.db);
        let q = db.selectFrom('calibration_sessions').select('id');
        if (!admin)
          q = q.where(
            'id',
            'in',
            db.selectFrom('calibration_reviewers').select('session_id').where('user_id', '=', user.id),
          );
        const ids = (await q.orderBy('created_at', 'desc').orderBy('id').limit(200).execute()).map((r) => r.id);
        const sessions = [];
        for (const id of ids) sessions.push(await summary(db, await loadSession(db, id), { id: user.id, admin }));
        return c.json({ sessions }, 200);
      })
      .openapi(itemsRoute, async (c) => {
        const { user, db, s, admin } = await visibleSession(c, store, c.req.valid('param').id);
        const rows = await db
          .selectFrom('calibration_items as i')
          .innerJoin('drafts as d', 'd.id', 'i.draft_id')
          .select(['i.draft_id', 'd.input_json'])
          .where('i.session_id', '=', s.id)
          .orderBy('i.position')
          .execute();
        const mine = new Map(
          (
            await db
              .selectFrom('calibration_judgements')
              .selectAll()
              .where('session_id', '=', s.id)
              .where('user_id', '=', user.id)
              .execute()
          ).map((j) => [j.draft_id, j]),
        );
        const items: CalibrationItem[] = [];
        for (const r of rows) {
          const parsed = DraftIn.safeParse(parseJson<unknown>(r.input_json, null));
          if (!parsed.success) continue;
          const d = parsed.data;
          const j = mine.get(r.draft_id);
          items.push({
            draftId: r.draft_id,
            kind: d.kind,
            content: d.content,
            confidence: d.confidence,
            rationale: d.rationale,
            evidence: d.evidence,
            account: d.account,
            target: d.target,
            ...(d.flags ? { flags: d.flags } : {}),
            ...(d.inbound !== undefined ? { inbound: d.inbound } : {}),
            yours: j
              ? {
                  verdict: j.verdict as CalibrationVerdict,
                  reasons: parseJson<string[]>(j.reasons_json, []),
                  ...(j.note !== null ? { note: j.note } : {}),
                  ...(j.dwell_ms !== null ? { dwellMs: Number(j.dwell_ms) } : {}),
                }
              : null,
          });
        }
        return c.json({ session: await summary(db, s, { id: user.id, admin }), items }, 200);
      })
      .openapi(judgeRoute, async (c) => {
        const { user, db, s } = await visibleSession(c, store, c.req.valid('param').id);
        if (!s.reviewers.includes(user.id)) throw forbidden('Only the reviewers of this session judge in it');
        if (s.closed_at) throw new ApiError(409, 'conflict', 'this calibration session is closed');
        const { judgements } = c.req.valid('json');
        const ids = [...new Set(judgements.map((j) => j.draftId))];
        const inSession = new Set(
          (
            await db
              .selectFrom('calibration_items')
              .select('draft_id')
              .where('session_id', '=', s.id)
              .where('draft_id', 'in', ids)
              .execute()
          ).map((r) => r.draft_id),
        );
        const outside = ids.filter((d) => !inSession.has(d));
        if (outside.length)
          throw new ApiError(400, 'invalid_input', `not in this session: ${outside.slice(0, 5).join(', ')}`);
        const at = now().toISOString();
        await store.write(async (trx) => {
          const t = calDb(trx);
          for (const j of judgements) {
            const row = {
              verdict: j.verdict,
              reasons_json: JSON.stringify(j.reasons ?? []),
              note: j.note ?? null,
              dwell_ms: j.dwellMs ?? null,
              judged_at: at,
            };
            await t
              .insertInto('calibration_judgements')
              .values({ session_id: s.id, draft_id: j.draftId, user_id: user.id, ...row })
              .onConflict((oc) => oc.columns(['session_id', 'draft_id', 'user_id']).doUpdateSet(row))
              .execute();
          }
        });
        const judged = await db
          .selectFrom('calibration_judgements')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('session_id', '=', s.id)
          .where('user_id', '=', user.id)
          .executeTakeFirst();
        const items = await db
          .selectFrom('calibration_items')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('session_id', '=', s.id)
          .executeTakeFirst();
        return c.json({ saved: judgements.length, judged: Number(judged?.n ?? 0), items: Number(items?.n ?? 0) }, 200);
      })
      .openapi(closeRoute, async (c) => {
        const user = requireRole(c, ['admin']);
        const db = calDb(store.db);
        const s = await loadSession(db, c.req.valid('param').id);
        if (!s.closed_at) {
          const at = now().toISOString();
          await store.write(async (trx) => {
            await calDb(trx)
              .updateTable('calibration_sessions')
              .set({ closed_at: at })
              .where('id', '=', s.id)
              .where('closed_at', 'is', null)
              .execute();
            await appendAudit(trx, {
              actor: user.id,
              action: 'calibration.closed',
              workflow: s.workflow,
              detail: { sessionId: s.id },
            });
          });
        }
        return c.json(await results(db, await loadSession(db, s.id), { id: user.id, admin: true }), 200);
      })
      .openapi(resultsRoute, async (c) => {
        const user = requireRole(c, ['admin']);
        const db = calDb(store.db);
        const s = await loadSession(db, c.req.valid('param').id);
        if (!s.closed_at && s.reviewers.includes(user.id))
          throw new ApiError(409, 'conflict', 'you judge in this session: its results open when it is closed');
        return c.json(await results(db, s, { id: user.id, admin: true }), 200);
      }),
};
