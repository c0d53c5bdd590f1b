import { routes } from '../../lib/shared/api/routes';
import { OPEN_ID, OPEN_MARKER } from '../../lib/shared/open-link';
import { NotificationPref, type SlaPolicy, WorkflowChannel, type WorkflowChannelsOut } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { ApiError, notFound } from '../errors';
import { checkNotifyUrl, OutboundRefused } from '../service/notify/outbound';
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

/**
 * A notification target as its channel needs it: an email address, or an http(s) URL without
 * credentials that reaches a public address (or a host the deployment allows: outbound.ts).
 */
async function checkTarget(channel: 'email' | 'slack', target: string): Promise<void> {
  if (channel === 'email' && !/^[^\s@]+@[^\s@]+$/.test(target))
    throw new ApiError(400, 'invalid_input', `"${target}" is not an email address`);
  if (channel === 'slack') {
    try {
      await checkNotifyUrl(target);
    } catch (e) {
      if (e instanceof OutboundRefused) throw new ApiError(400, 'invalid_input', e.message);
      throw e;
    }
  }
}

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
        for (const p of preferences) await checkTarget(p.channel, p.target);
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

const getChannels = openApiRoute('/v1/workflows', routes.getChannels, {
  summary: "A workflow's team channels (admin)",
  ok: 'The channels (none: the workflow has no team channel)',
  errors: ERRORS,
});
const putChannels = openApiRoute('/v1/workflows', routes.putChannels, {
  summary:
    "Replace a workflow's team channels (admin): email or Slack-compatible webhook, digest, events (empty = escalations, named-account drafts waiting, deadlines and SLAs at risk or passed, a segment's repeated failures)",
  ok: 'The channels as stored',
  errors: ERRORS,
});

/**
 * A workflow's team channels (issue 15 §6: notifications "per person and per workflow"). The
 * notifier (service/notify/events.ts) writes one outbox row per channel for the workflow's events,
 * with the same /open/{id} links; escalations beyond the hourly rate come batched, as for persons.
 */
export const channelRoutes: Resource = {
  prefix: '/v1/workflows',
  routes: ({ store, now }) => {
    const read = async (workflow: string): Promise<WorkflowChannelsOut> => ({
      workflow,
      channels: (
        await store.db
          .selectFrom('workflow_channels')
          .selectAll()
          .where('workflow', '=', workflow)
          .orderBy('kind')
          .orderBy('target')
          .execute()
      ).map((r) => ({
        ...WorkflowChannel.parse({
          kind: r.kind,
          target: r.target,
          digest: r.digest,
          events: parseJson(r.events_json, []),
        }),
        updatedAt: r.updated_at,
        updatedBy: r.updated_by,
      })),
    });
    return newRouter()
      .openapi(getChannels, async (c) => {
        requireRole(c, ['admin']);
        const { workflow } = c.req.valid('param');
        return c.json(await read(workflow), 200);
      })
      .openapi(putChannels, async (c) => {
        const user = requireRole(c, ['admin']);
        const { workflow } = c.req.valid('param');
        const { channels } = c.req.valid('json');
        const seen = new Set<string>();
        for (const ch of channels) {
          await checkTarget(ch.kind, ch.target);
          const k = `${ch.kind}\u0000${ch.target}`;
          if (seen.has(k))
            throw new ApiError(400, 'invalid_input', `${ch.kind} channel "${ch.target}" is listed twice`);
          seen.add(k);
        }
        const at = now().toISOString();
        await store.write(async (trx) => {
          await trx.deleteFrom('workflow_channels').where('workflow', '=', workflow).execute();
          for (const ch of channels)
            await trx
              .insertInto('workflow_channels')
              .values({
                workflow,
                kind: ch.kind,
                target: ch.target,
                digest: ch.digest,
                events_json: JSON.stringify(ch.events),
                updated_at: at,
                updated_by: user.id,
              })
              .execute();
        });
        return c.json(await read(workflow), 200);
      });
  },
};

/**
 * The /open page. It is unauthenticated and may be fetched by anyone holding the link (a chat tool's
 * preview, a forwarded email), so it shows the id and a generic text only: no content, account,
 * record link or status, and no database read (whether the id exists is not told either).
 */
export function openPage(id: string): string {
  // The id pattern below allows no markup characters; escaped all the same.
  const safe = id.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">` +
    `<meta name="${OPEN_MARKER}" content="${safe}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Countersign draft ${safe}</title>` +
    `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2933}` +
    `code{background:#f0f2f5;padding:.1rem .3rem;border-radius:3px}</style></head><body>` +
    `<h1>Draft <code>${safe}</code> waits for your review</h1>` +
    `<p data-countersign-open-status>If the Countersign extension is installed in this browser and allowed to open ` +
    `links from this server, it opens the draft in its dashboard now.</p>` +
    `<p>Otherwise: open the Countersign extension's dashboard (its toolbar button, then <em>Open dashboard</em>) and ` +
    `enter <code>${safe}</code> under <em>Open a draft</em>, or go to the record's page, where the panel shows the draft. ` +
    `To open links like this one directly, tick <em>Open notification links in the dashboard</em> in the extension's settings.</p>` +
    `<p>This page decides nothing: approving, editing and rejecting happen in the extension, by you.</p>` +
    `</body></html>`
  );
}

/**
 * `GET /open/{id}`: where a notification's link lands (`/open/queue/{queue}`: a batch's, the queue). It names the draft and where to review it
 * (the extension's dashboard, the record's page); it changes nothing — a chat tool's link preview
 * fetching it approves nothing. No token: it shows nothing but the id. With the extension installed
 * and allowed on this server's origin, its content script finds the `countersign-open` marker and
 * hands the person to the dashboard's draft view (`dashboard.html?draft=<id>`), where they decide.
 */
export const openLinkRoutes: Resource = {
  prefix: '/open',
  routes: () => {
    const r = newRouter();
    // A batch of escalations links to the queue they wait in (service/notify/events.ts queueLink).
    r.get('/queue/:name', (c) => {
      const name = c.req.param('name');
      if (!/^[\w.:*-]{1,200}$/.test(name)) throw notFound();
      const safe = name.replace(/[&<>"']/g, '');
      c.header('cache-control', 'no-store');
      c.header('x-robots-tag', 'noindex');
      return c.html(
        `<!doctype html><meta charset="utf-8"><title>Countersign queue ${safe}</title>` +
          `<h1>Drafts wait for review in the ${safe} queue</h1>` +
          `<p>Open the Countersign extension's dashboard or panel to review them. This page decides nothing.</p>`,
      );
    });
    r.get('/:id', (c) => {
      const id = c.req.param('id');
      if (!OPEN_ID.test(id)) throw notFound();
      c.header('cache-control', 'no-store');
      c.header('x-robots-tag', 'noindex, nofollow');
      c.header('referrer-policy', 'no-referrer');
      c.header('x-content-type-options', 'nosniff');
      // No script of its own and nothing to load: the extension's content script is not subject to
      // the page's CSP. Never framed (nothing to click, but no reason to be embedded either).
      c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      return c.html(openPage(id));
    });
    return r;
  },
};
