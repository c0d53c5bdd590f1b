import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../server/tokens';
import { connectExtension, type LaunchedExtension, launchExtension, sendToWorker } from './helpers/extension';
import { type E2eServer, startE2eServer } from './helpers/server';

let server: E2eServer;
let ext: LaunchedExtension;

beforeAll(async () => {
  server = await startE2eServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  await ext?.close();
});

describe('options page', () => {
  it('connects with a valid token and shows who is connected, then disconnects', async () => {
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'ana', name: 'Ana Lima' });
    const options = await connectExtension(ext, { url: `${server.url}/`, token });
    await options.getByText('Connected as Ana Lima').waitFor();
    await options.getByText('(reviewer)').waitFor();
    // The token is not shown back on the page, and not in storage.local (which content scripts can read).
    expect(await options.content()).not.toContain(token);
    const local = await options.evaluate(() =>
      (
        globalThis as unknown as { chrome: { storage: { local: { get(k: null): Promise<unknown> } } } }
      ).chrome.storage.local.get(null),
    );
    expect(JSON.stringify(local)).toContain('Ana Lima');
    expect(JSON.stringify(local)).not.toContain(token);
    await options.getByRole('button', { name: 'Disconnect' }).click();
    await options.getByText('Connected as').waitFor({ state: 'detached' });
  });

  it('explains a bad URL, an unreachable server and a wrong token', async () => {
    ext = await launchExtension();
    const options = await ext.openOptions();
    const url = options.getByLabel('Server URL');
    const token = options.getByLabel('Access token');
    const connect = options.getByRole('button', { name: 'Connect', exact: true });
    const alert = options.getByRole('alert');

    await url.fill('not a url');
    await token.fill('x');
    await connect.click();
    await alert.filter({ hasText: 'starting with http:// or https://' }).waitFor();

    // A port nobody listens on: the server we just stopped.
    const down = await startE2eServer();
    const downUrl = down.url;
    await down.close();
    await url.fill(downUrl);
    await connect.click();
    await alert.filter({ hasText: 'Could not reach a server' }).waitFor({ timeout: 15_000 });

    await url.fill(server.url);
    await token.fill('cs_wrong_token');
    await connect.click();
    await alert.filter({ hasText: 'did not accept this access token' }).waitFor();
    expect(await options.getByText('Connected as').count()).toBe(0);
  });

  it('a token revoked on the server pauses sync and the options page says so', async () => {
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'bo', name: 'Bo' });
    const options = await connectExtension(ext, { url: server.url, token });
    await revokeToken(server.running().store, token, 'e2e');
    await sendToWorker(options, 'syncNow', {});
    await options.getByRole('alert').filter({ hasText: 'Sync is paused' }).waitFor();
    const status = await sendToWorker<{ paused: boolean }>(options, 'getStatus', {});
    expect(status.paused).toBe(true);
    // Connecting again with a good token lifts the pause.
    const fresh = await server.token('reviewer', { user: 'bo', name: 'Bo' });
    await options.getByLabel('Access token').fill(fresh);
    await options.getByRole('button', { name: 'Connect', exact: true }).click();
    await options.getByRole('alert').filter({ hasText: 'Sync is paused' }).waitFor({ state: 'detached' });
    expect((await sendToWorker<{ paused: boolean }>(options, 'getStatus', {})).paused).toBe(false);
  });
});
