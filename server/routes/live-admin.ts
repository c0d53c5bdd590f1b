import { routes } from '../../lib/shared/api/routes';
import { NotificationPref, type SlaPolicy } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { ApiError, notFound } from '../errors';
import { parseJson } from '../service/views';
import type { Store } from '../store';
import { ERRORS, openApiRoute } from './openapi';

// Issue 15's settings: SLAs per queue (admin), notification preferences (each person their own),
// rotation caps per workflow (admin). The timers that act on them: service/expiry.ts, service/notify.

const listSlas = openApiRoute('/v1/slas', routes.listSlas, {
  summary: 'SLA of each queue (admin)',
  ok: 'The SLA policies',
  errors: ERRORS,
});
const putSla = openApiRoute('/v1/slas', routes.putSla, {
  summary: 'Set the SLA of a queue, per workflow or for all (admin): reminder at 75%, then offered to the backup',
  ok: 'The SLA policies',
  errors: ERRORS,
});

async function allSlas(db: Store['db']): Promise<SlaPolicy[]> {
  const rows = await db.selectFrom('sla_policies').selectAll().orderBy('workflow').orderBy('queue').execute();
  return rows.map((r) => ({ workflow: r.workflow, queue: r.queue, minutes: Number(r.minutes), backup: r.backup }));
}

export const slaRoutes: Resource = {
  prefix: '/v1/slas',
  routes: ({ store, now }) =>
    newRouter()
      .openapi(listSlas, async (c) => {
        requireRole(c, ['admin']);
        return c.json({ policies: await allSlas(store.db) }, 200);
      })
      .openapi(putSla, async (c) => {
        requireRole(c, ['admin']);
        const p = c.req.valid('json');
        if (p.backup) {
          const u = await store.db.selectFrom('users').select('id').where('id', '=', p.backup).executeTakeFirst();
          if (!u) throw new ApiError(400, 'invalid_input', `backup "${p.backup}" is not a known user`);
        }
        const row = {
          workflow: p.workflow,
          queue: p.queue,
          minutes: p.minutes,
          backup: p.backup ?? null,
          updated_at: now().toISOString(),
        };
        await store.db
          .insertInto('sla_policies')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['workflow', 'queue'])
              .doUpdateSet({ minutes: row.minutes, backup: row.backup, updated_at: row.updated_at }),
          )
          .execute();
        return c.json({ policies: await allSlas(store.db) }, 200);
      }),
};

const getPrefs = openApiRoute('/v1/me', routes.getNotifications, {
  summary: "The caller's notification preferences",
  ok: 'Where and about what the caller is told',
  errors: ERRORS,
});
const putPrefs = openApiRoute('/v1/me', routes.putNotifications, {
  summary: "Replace the caller's notification preferences (email, Slack-compatible webhook; per workflow; digest)",
  ok: 'The preferences as stored',
  errors: ERRORS,
});

export const notificationRoutes: Resource = {
  prefix: '/v1/me',
  routes: ({ store, now }) => {
    const read = async (userId: string) =>
      (
        await store.db
          .selectFrom('notification_prefs')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('channel')
          .orderBy('workflow')
          .execute()
      ).map((r) =>
        NotificationPref.parse({
          channel: r.channel,
          target: r.target,
          workflow: r.workflow,
          digest: r.digest,
          events: parseJson(r.events_json, []),
        }),
      );
    return newRouter()
      .openapi(getPrefs, async (c) => {
        const user = c.get('user');
        return c.json({ preferences: await read(user.id) }, 200);
      })
      .openapi(putPrefs, async (c) => {
        const user = c.get('user');
        if (user.role === 'pipeline')
          throw new ApiError(403, 'forbidden', 'The pipeline gets webhooks, not notifications');
        const { preferences } = c.req.valid('json');
        for (const p of preferences) {
          if (p.channel === 'email' && !/^[^\s@]+@[^\s@]+$/.test(p.target))
            throw new ApiError(400, 'invalid_input', `"${p.target}" is not an email address`);
          if (p.channel === 'slack') {
            const u = URL.canParse(p.target) ? new URL(p.target) : null;
            if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
              throw new ApiError(400, 'invalid_input', 'a Slack-compatible webhook target is an http(s) URL');
            if (u.username || u.password)
              throw new ApiError(400, 'invalid_input', 'a webhook URL must not carry a user name or password');
          }
        }
        const at = now().toISOString();
        await store.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('notification_prefs').where('user_id', '=', user.id).execute();
          const seen = new Set<string>();
          for (const p of preferences) {
            const k = `${p.channel}\u0000${p.workflow}`;
            if (seen.has(k))
              throw new ApiError(400, 'invalid_input', `two preferences for ${p.channel} in workflow ${p.workflow}`);
            seen.add(k);
            await trx
              .insertInto('notification_prefs')
              .values({
                user_id: user.id,
                channel: p.channel,
                workflow: p.workflow,
                target: p.target,
                digest: p.digest,
                events_json: JSON.stringify(p.events),
                updated_at: at,
              })
              .execute();
          }
        });
        return c.json({ preferences: await read(user.id) }, 200);
      });
  },
};

const getRotation = openApiRoute('/v1/workflows', routes.getRotation, {
  summary: "A workflow's rotation cap (admin)",
  ok: 'maxShare null when off',
  errors: ERRORS,
});
const putRotation = openApiRoute('/v1/workflows', routes.putRotation, {
  summary: 'Rotation (admin): no reviewer gets more than maxShare of one segment or model version a day',
  ok: 'The rotation cap',
  errors: ERRORS,
});

export const rotationRoutes: Resource = {
  prefix: '/v1/workflows',
  routes: ({ store, now }) =>
    newRouter()
      .openapi(getRotation, async (c) => {
        requireRole(c, ['admin']);
        const { workflow } = c.req.valid('param');
        const r = await store.db
          .selectFrom('rotation_caps')
          .selectAll()
          .where('workflow', '=', workflow)
          .executeTakeFirst();
        return c.json(
          { workflow, maxShare: r ? Number(r.max_share) : null, minDrafts: r ? Number(r.min_drafts) : 0 },
          200,
        );
      })
      .openapi(putRotation, async (c) => {
        requireRole(c, ['admin']);
        const { workflow } = c.req.valid('param');
        const { maxShare, minDrafts } = c.req.valid('json');
        const at = now().toISOString();
        await store.db
          .insertInto('rotation_caps')
          .values({ workflow, max_share: maxShare, min_drafts: minDrafts, updated_at: at })
          .onConflict((oc) =>
            oc.column('workflow').doUpdateSet({ max_share: maxShare, min_drafts: minDrafts, updated_at: at }),
          )
          .execute();
        return c.json({ workflow, maxShare, minDrafts }, 200);
      }),
};

/**
 * `GET /open/{id}`: where a notification's link lands. It names the draft and where to review it
 * (the extension's dashboard, the record's page); it changes nothing — a chat tool's link preview
 * fetching it approves nothing. No token: it shows nothing but the id.
 */
export const openLinkRoutes: Resource = {
  prefix: '/open',
  routes: () => {
    const r = newRouter();
    r.get('/:id', (c) => {
      const id = c.req.param('id');
      if (!/^[\w.:-]{1,200}$/.test(id)) throw notFound();
      const safe = id.replace(/[&<>"']/g, '');
      c.header('cache-control', 'no-store');
      c.header('x-robots-tag', 'noindex');
      return c.html(
        `<!doctype html><meta charset="utf-8"><title>Countersign draft ${safe}</title>` +
          `<h1>Draft ${safe} waits for your review</h1>` +
          `<p>Open the Countersign extension's dashboard (or the record's page, where the panel shows it) to review it. ` +
          `This page decides nothing.</p>`,
      );
    });
    return r;
  },
};
