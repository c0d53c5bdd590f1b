import { routes } from '../../lib/shared/api/routes';
import { REVIEWER_ROLES } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { ApiError, notFound } from '../errors';
import { claimDraft, releaseClaim } from '../service/claims';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/drafts';

const claim = openApiRoute(PREFIX, routes.claim, {
  summary: 'Claim a draft for about two minutes (renewable by the holder); deciding never needs one',
  ok: 'The claim: who holds it, until when',
  errors: {
    404: 'No such draft in your view',
    409: 'Another person holds it, or it is settled',
    400: 'Invalid input',
    401: 'No or unknown token',
    403: 'Role may not',
  },
});

const release = openApiRoute(PREFIX, routes.releaseClaim, {
  summary: "Release the caller's claim",
  ok: 'released: false when the caller held no claim on it',
  errors: {
    404: 'No such draft in your view',
    409: 'Another person holds it',
    400: 'Invalid input',
    401: 'No or unknown token',
    403: 'Role may not',
  },
});

/** `POST`/`DELETE /v1/drafts/{id}/claim` (contract v1.1 "Claims"). */
export const claimRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store, now }) =>
    newRouter()
      .openapi(claim, async (c) => {
        const user = requireRole(c, REVIEWER_ROLES);
        const { id } = c.req.valid('param');
        const r = await claimDraft(store, user, id, now());
        if (r.ok) return c.json({ claimedBy: r.claimedBy, until: r.until, claimedByName: r.claimedByName }, 200);
        if (r.reason === 'not_found') throw notFound('No such draft in your view');
        if (r.reason === 'settled') throw new ApiError(409, 'conflict', `This draft is already ${r.status}`);
        throw new ApiError(
          409,
          'conflict',
          `${r.claimedByName ?? r.claimedBy} is reviewing this draft (claimed until ${r.until})`,
        );
      })
      .openapi(release, async (c) => {
        const user = requireRole(c, REVIEWER_ROLES);
        const { id } = c.req.valid('param');
        const r = await releaseClaim(store, user, id, now());
        if (!r.found) throw notFound('No such draft in your view');
        if (r.heldBy) throw new ApiError(409, 'conflict', `${r.heldBy} holds this claim`);
        return c.json({ released: r.released }, 200);
      }),
};
