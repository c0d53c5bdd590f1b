import { randomUUID } from 'node:crypto';
import { routes } from '../../lib/shared/api/routes';
import {
  type Webhook,
  WebhookCreated,
  WebhookDeliveries,
  WebhookDelivery,
  type WebhookEventType,
  WebhookList,
} from '../../lib/shared/schema';
import { appendAudit } from '../audit';
import { newRouter, type Resource, requireRole } from '../context';
import { notFound } from '../errors';
import { parseJson } from '../service/views';
import { generateSecret, sealSecret, serverKey, WEBHOOK_KEY_ENV } from '../service/webhooks/secrets';
import { wakeWorkers } from '../service/webhooks/worker';
import type { WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../store/webhooks';
import { webhookDb } from '../store/webhooks';
import { ERRORS, openApiRoute } from './openapi';

const PREFIX = '/v1/webhooks';

const create = openApiRoute(PREFIX, routes.createWebhook, {
  summary: 'Subscribe a URL to draft events (admin); answers 201 with the signing secret, shown this once',
  ok: 'The subscription and its secret (the answer is 201)',
  errors: ERRORS,
});
const list = openApiRoute(PREFIX, routes.listWebhooks, {
  summary: 'Webhook subscriptions with their delivery standing (admin)',
  ok: 'The subscriptions (never their secrets)',
  errors: ERRORS,
});
const remove = openApiRoute(PREFIX, routes.deleteWebhook, {
  summary: 'Delete a subscription and its pending deliveries (admin)',
  ok: 'Deleted',
  errors: { 404: 'No such subscription', ...ERRORS },
});
const deliveries = openApiRoute(PREFIX, routes.webhookDeliveries, {
  summary: "A subscription's deliveries, newest first (admin)",
  ok: 'The deliveries',
  errors: { 404: 'No such subscription', ...ERRORS },
});
const retry = openApiRoute(PREFIX, routes.retryDelivery, {
  summary: 'Send a delivery again now (admin); a failed one gets another 24 h of retries',
  ok: 'The delivery, due now',
  errors: { 404: 'No such delivery', ...ERRORS },
});

type SubRow = Pick<
  WebhookSubscriptionsTable,
  'id' | 'url' | 'events_json' | 'workflows_json' | 'description' | 'created_at'
>;

function toWebhook(s: SubRow): Webhook {
  return {
    id: s.id,
    url: s.url,
    events: parseJson<WebhookEventType[]>(s.events_json, []),
    workflows: s.workflows_json === null ? null : parseJson<string[]>(s.workflows_json, []),
    description: s.description,
    createdAt: s.created_at,
  };
}

type DeliveryRow = Omit<WebhookDeliveriesTable, 'seq'> & { seq: number };

function toDelivery(d: DeliveryRow): WebhookDelivery {
  return WebhookDelivery.parse({
    id: String(d.seq),
    eventId: d.event_id,
    type: d.type,
    draftId: d.draft_id,
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.last_status,
    lastError: d.last_error,
    lastAttemptAt: d.last_attempt_at,
    nextAttemptAt: d.state === 'pending' ? d.next_attempt_at : null,
    deliveredAt: d.delivered_at,
    createdAt: d.created_at,
  });
}

/** How many of a subscription's latest deliveries the list's summary looks at. */
const STATS_WINDOW = 200;

export const webhookRoutes: Resource = {
  prefix: PREFIX,
  routes: (deps) => {
    const { store, logger } = deps;
    const db = webhookDb(store.db);
    const findSub = async (id: string) => {
      const sub = await db.selectFrom('webhook_subscriptions').select('id').where('id', '=', id).executeTakeFirst();
      if (!sub) throw notFound('No such webhook subscription');
    };
    return newRouter()
      .openapi(create, async (c) => {
        const user = requireRole(c, ['admin']);
        const body = c.req.valid('json');
        const secret = generateSecret();
        if (!serverKey())
          logger.warn('webhook secret stored unsealed', {
            hint: `set ${WEBHOOK_KEY_ENV} to seal webhook secrets at rest`,
          });
        const row = {
          id: `wh_${randomUUID()}`,
          url: body.url,
          events_json: JSON.stringify([...new Set(body.events)]),
          workflows_json: body.workflows ? JSON.stringify([...new Set(body.workflows)]) : null,
          description: body.description ?? null,
          secret: sealSecret(secret),
          created_by: user.id,
          created_at: new Date().toISOString(),
        };
        await store.db.transaction().execute(async (trx) => {
          await webhookDb(trx).insertInto('webhook_subscriptions').values(row).execute();
          await appendAudit(trx, {
            actor: user.id,
            action: 'webhook.create',
            reasons: [],
            detail: { id: row.id, url: row.url, events: JSON.parse(row.events_json) },
          });
        });
        // 201 per the contract (the route table documents the body; the status is the contract's).
        return c.json(WebhookCreated.parse({ ...toWebhook(row), secret }), 201 as 200);
      })
      .openapi(list, async (c) => {
        requireRole(c, ['admin']);
        const subs = await db
          .selectFrom('webhook_subscriptions')
          .select(['id', 'url', 'events_json', 'workflows_json', 'description', 'created_at'])
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        const out: Webhook[] = [];
        for (const s of subs) {
          const recent = await db
            .selectFrom('webhook_deliveries')
            .select(['state', 'delivered_at', 'last_attempt_at', 'last_error', 'last_status'])
            .where('subscription_id', '=', s.id)
            .orderBy('seq', 'desc')
            .limit(STATS_WINDOW)
            .execute();
          const lastFailure = recent.find((d) => d.last_error !== null);
          out.push({
            ...toWebhook(s),
            stats: {
              pending: recent.filter((d) => d.state === 'pending').length,
              failed: recent.filter((d) => d.state === 'failed').length,
              delivered: recent.filter((d) => d.state === 'delivered').length,
              lastDeliveredAt:
                recent
                  .map((d) => d.delivered_at)
                  .filter((t): t is string => t !== null)
                  .sort()
                  .at(-1) ?? null,
              lastFailureAt: lastFailure?.last_attempt_at ?? null,
              lastError: lastFailure?.last_error ?? null,
            },
          });
        }
        return c.json(WebhookList.parse({ webhooks: out }), 200);
      })
      .openapi(remove, async (c) => {
        const user = requireRole(c, ['admin']);
        const { id } = c.req.valid('param');
        await findSub(id);
        await store.db.transaction().execute(async (trx) => {
          await webhookDb(trx).deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
          await webhookDb(trx).deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
          await appendAudit(trx, { actor: user.id, action: 'webhook.delete', reasons: [], detail: { id } });
        });
        return c.json({ deleted: true }, 200);
      })
      .openapi(deliveries, async (c) => {
        requireRole(c, ['admin']);
        const { id } = c.req.valid('param');
        const q = c.req.valid('query');
        await findSub(id);
        let query = db.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', id);
        if (q.state) query = query.where('state', '=', q.state);
        const rows = await query
          .orderBy('seq', 'desc')
          .limit(q.limit ?? 50)
          .execute();
        return c.json(WebhookDeliveries.parse({ deliveries: rows.map((r) => toDelivery(r as DeliveryRow)) }), 200);
      })
      .openapi(retry, async (c) => {
        const user = requireRole(c, ['admin']);
        const { id, deliveryId } = c.req.valid('param');
        const seq = /^\d{1,15}$/.test(deliveryId) ? Number(deliveryId) : -1;
        const now = new Date();
        const updated = await db
          .updateTable('webhook_deliveries')
          .set({
            state: 'pending',
            next_attempt_at: now.toISOString(),
            give_up_at: new Date(now.getTime() + 24 * 3600 * 1000).toISOString(),
          })
          .where('seq', '=', seq)
          .where('subscription_id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!updated) throw notFound('No such delivery for this subscription');
        await appendAudit(store.db, {
          actor: user.id,
          action: 'webhook.retry',
          reasons: [],
          detail: { id, deliveryId, eventId: updated.event_id },
        });
        wakeWorkers(store);
        return c.json(toDelivery(updated as DeliveryRow), 200);
      });
  },
};
