import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Role, VIGILANCE_SETTINGS } from '../../lib/shared/schema';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn, json, postDrafts } from './fixtures';

// Contract v1.1 "Who may see the vigilance settings": a reviewer must not learn whether test drafts
// are planted in their queue.
describe.each(TEST_DBS)('vigilance settings stay secret on %s', (db) => {
  let s: TestApi;
  let admin: string;

  beforeAll(async () => {
    s = await startTestApp(db);
    admin = await s.token('admin');
    const put = await s.api('/v1/workflows/outbound-email', {
      method: 'PUT',
      token: admin,
      body: { canaryRate: 0.25, autoThreshold: 0.95 },
    });
    expect(put.status).toBe(200);
    expect(await json(put)).toMatchObject({ canaryRate: 0.25 });
    await postDrafts(s, await s.token('pipeline'), [draftIn(), draftIn()]);
  });
  afterAll(() => s?.close());

  it('admins read canaryRate; no other role does, in the policy or anywhere it can read', async () => {
    expect(await json(s.api('/v1/workflows/outbound-email', { token: admin }))).toMatchObject({
      canaryRate: 0.25,
      autoThreshold: 0.95,
    });
    const roles: Role[] = ['reviewer', 'owner', 'specialist', 'pipeline'];
    for (const role of roles) {
      const token = await s.token(role, role === 'specialist' ? { specialty: 'legal' } : {});
      const r = await s.api('/v1/workflows/outbound-email', { token });
      expect(r.status).toBe(200);
      const text = await r.text();
      const policy = JSON.parse(text) as Record<string, unknown>;
      // The rest of the policy is there (the panel shows thresholds) …
      expect(policy, role).toMatchObject({ workflow: 'outbound-email', autoThreshold: 0.95, level: 'review_all' });
      // … the vigilance settings are not, under any name.
      for (const k of VIGILANCE_SETTINGS) expect(policy, role).not.toHaveProperty(k);
      expect(text, role).not.toMatch(/canary/i);
      // A workflow nobody configured answers the same way (its defaults).
      expect(await json(s.api('/v1/workflows/never-configured', { token }))).not.toHaveProperty('canaryRate');
      // Nothing else the role may read carries it.
      for (const path of ['/v1/queue', '/v1/sync/pull', '/v1/me', '/v1/drafts'])
        expect(await (await s.api(path, { token })).text(), `${role} ${path}`).not.toMatch(/canaryRate/);
    }
  });
});
