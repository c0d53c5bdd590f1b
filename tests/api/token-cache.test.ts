import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store';
import { createToken, revokeToken, TOKEN_CACHE_MS } from '../../server/tokens';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';

// Token → person lookups are cached for a moment (every request needs one). A revocation or a
// role change must still take effect: at once when made through the server's store, within
// TOKEN_CACHE_MS when made by another process (the CLI) against the same database.

describe.each(TEST_DBS)('token lookup cache on %s', (db) => {
  let server: TestApi;

  beforeAll(async () => {
    server = await startTestApp(db);
  });
  afterAll(async () => {
    await server?.close();
  });

  const me = (token: string) => server.api('/v1/me', { token });

  it('a token revoked through the server store is refused on the very next request', async () => {
    const token = await server.token('reviewer', { user: 'cache-inproc' });
    expect((await me(token)).status).toBe(200);
    expect((await me(token)).status).toBe(200); // now cached
    expect(await revokeToken(server.store, token, 'test')).toBe(true);
    expect((await me(token)).status).toBe(401);
  });

  it('a role change through the server store is seen on the very next request', async () => {
    const token = await server.token('reviewer', { user: 'cache-role' });
    expect(((await (await me(token)).json()) as { role: string }).role).toBe('reviewer');
    await createToken(server.store, { user: 'cache-role', role: 'owner', actor: 'test' });
    expect(((await (await me(token)).json()) as { role: string }).role).toBe('owner');
  });

  it('a token revoked by another process is refused within the cache time', async () => {
    const token = await server.token('reviewer', { user: 'cache-cli' });
    expect((await me(token)).status).toBe(200);
    const cli = await openStore(server.databaseUrl);
    try {
      expect(await revokeToken(cli, token, 'cli')).toBe(true);
    } finally {
      await cli.close();
    }
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < TOKEN_CACHE_MS + 1_000) {
      status = (await me(token)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(TOKEN_CACHE_MS + 500);
  });

  it('an unknown token is refused', async () => {
    expect((await me('cs_not-a-token')).status).toBe(401);
  });
});
