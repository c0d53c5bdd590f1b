import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Role, Role as RoleSchema } from '../../lib/shared/schema';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, postDrafts } from './fixtures';

const ALL = RoleSchema.options;
const REVIEWERS: Role[] = ['reviewer', 'owner', 'specialist', 'admin'];

interface RouteCase {
  name: string;
  allowed: readonly Role[];
  request(ctx: { draftId: string }): { method: string; path: string; body?: unknown };
}

// Every route of this server (governance routes are covered by their own suite).
const ROUTES: RouteCase[] = [
  { name: 'GET /v1/me', allowed: ALL, request: () => ({ method: 'GET', path: '/v1/me' }) },
  {
    name: 'POST /v1/drafts',
    allowed: ['pipeline', 'admin'],
    request: () => ({ method: 'POST', path: '/v1/drafts', body: { drafts: [draftIn()] } }),
  },
  { name: 'GET /v1/drafts', allowed: ALL, request: () => ({ method: 'GET', path: '/v1/drafts' }) },
  {
    name: 'GET /v1/drafts/{id}',
    allowed: ALL,
    request: ({ draftId }) => ({ method: 'GET', path: `/v1/drafts/${draftId}` }),
  },
  {
    name: 'GET /v1/workflows/{workflow}',
    allowed: ALL,
    request: () => ({ method: 'GET', path: '/v1/workflows/wf-roles' }),
  },
  {
    name: 'PUT /v1/workflows/{workflow}',
    allowed: ['admin'],
    request: () => ({ method: 'PUT', path: '/v1/workflows/wf-roles', body: { auditSampleRate: 0.1 } }),
  },
  { name: 'GET /v1/queue', allowed: REVIEWERS, request: () => ({ method: 'GET', path: '/v1/queue' }) },
  { name: 'GET /v1/sync/pull', allowed: REVIEWERS, request: () => ({ method: 'GET', path: '/v1/sync/pull' }) },
  {
    name: 'POST /v1/decisions',
    allowed: REVIEWERS,
    // Deciding a draft nobody may see still answers 200 with a per-item result.
    request: () => ({ method: 'POST', path: '/v1/decisions', body: { decisions: [decision('no-such-draft')] } }),
  },
  {
    name: 'POST /v1/outcomes',
    allowed: ['pipeline', 'admin'],
    request: ({ draftId }) => ({
      method: 'POST',
      path: '/v1/outcomes',
      body: { outcomes: [{ draftId, correct: true, source: 'qa' }] },
    }),
  },
  { name: 'GET /v1/audit', allowed: ['admin'], request: () => ({ method: 'GET', path: '/v1/audit' }) },
];

describe.each(TEST_DBS)('role matrix on %s', (db) => {
  let s: TestApi;
  const tokens = {} as Record<Role, string>;
  let draftId = '';
  beforeAll(async () => {
    s = await startTestApp(db);
    for (const role of ALL) tokens[role] = await s.token(role, role === 'specialist' ? { specialty: 'pricing' } : {});
    // A draft in the general review queue: visible to every reviewer role.
    draftId = (await postDrafts(s, tokens.pipeline, [draftIn()]))[0]!.id;
  });
  afterAll(() => s?.close());

  const matrix = ROUTES.flatMap((r) => ALL.map((role) => [r.name, role, r.allowed.includes(role)] as const));
  it.each(matrix)('%s as %s → allowed: %s', async (name, role, allowed) => {
    const route = ROUTES.find((r) => r.name === name)!;
    const { method, path, body } = route.request({ draftId });
    const r = await s.api(path, { method, token: tokens[role], body });
    if (allowed) expect(r.status).toBe(200);
    else {
      expect(r.status).toBe(403);
      expect((await r.json()).error.code).toBe('forbidden');
    }
  });

  it.each(ROUTES.map((r) => r.name))('%s without a token → 401', async (name) => {
    const { method, path, body } = ROUTES.find((r) => r.name === name)!.request({ draftId });
    const r = await s.api(path, { method, body });
    expect(r.status).toBe(401);
  });
});
