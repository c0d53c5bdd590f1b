import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../server/tokens';
import { connectExtension, type LaunchedExtension, launchExtension, sendToWorker } from './helpers/extension';
import { type E2eServer, startE2eServer } from './helpers/server';

/** The bits of the extension API the sandbox check reads (no @types/chrome in this project). */
interface ExtensionApi {
  runtime: {
    getManifest(): { permissions?: string[]; host_permissions?: string[]; content_scripts?: { matches?: string[] }[] };
  };
  permissions: { contains(p: { origins: string[] }): Promise<boolean> };
  scripting?: { getRegisteredContentScripts(): Promise<unknown[]> };
}

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
    // The dashboard is for admins only.
    expect(await options.getByRole('button', { name: 'Open dashboard' }).count()).toBe(0);
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

    // Plain HTTP to another machine would carry the token and decisions unencrypted (issue 13 item 8).
    await url.fill('http://countersign.example.com:8787');
    await connect.click();
    await alert.filter({ hasText: 'Plain http:// is only allowed for a server on this computer' }).waitFor();
    expect(await alert.textContent()).toContain('use https://countersign.example.com:8787');

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

  it('an admin opens the dashboard from it; "Enable sandbox pages" starts off and the manifest matches no loopback page', async () => {
    ext = await launchExtension();
    const token = await server.token('admin', { user: 'lead', name: 'Team Lead' });
    const options = await connectExtension(ext, { url: server.url, token });
    const [dashboard] = await Promise.all([
      ext.context.waitForEvent('page'),
      options.getByRole('button', { name: 'Open dashboard' }).click(),
    ]);
    await dashboard.waitForURL(ext.url('dashboard.html'));
    await dashboard.getByRole('heading', { name: 'Countersign governance' }).waitFor();

    // Sandbox pages: an automated run cannot answer the permission prompt that ticking the box opens
    // (tests/unit/options-sandbox.test.tsx covers the flow with a stand-in answer), so this checks the
    // real browser's state without it: off, nothing registered, no loopback access in the manifest.
    const box = options.getByRole('checkbox', { name: 'Enable sandbox pages' });
    await expect.poll(() => box.isEnabled()).toBe(true);
    expect(await box.isChecked()).toBe(false);
    const state = await options.evaluate(async () => {
      const c = (globalThis as unknown as { chrome: ExtensionApi }).chrome;
      const manifest = c.runtime.getManifest();
      return {
        permissions: manifest.permissions ?? [],
        patterns: [
          ...(manifest.host_permissions ?? []),
          ...(manifest.content_scripts ?? []).flatMap((s) => s.matches ?? []),
        ],
        granted: await c.permissions.contains({ origins: ['http://127.0.0.1/*'] }),
        registered: (await c.scripting?.getRegisteredContentScripts()) ?? [],
      };
    });
    // `scripting` is optional: asked for with the loopback access when the sandbox is switched on.
    expect(state.permissions).not.toContain('scripting');
    expect(state.patterns.filter((p) => /localhost|127\.0\.0\.1/.test(p))).toEqual([]);
    expect(state.granted).toBe(false);
    expect(state.registered).toEqual([]);
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
