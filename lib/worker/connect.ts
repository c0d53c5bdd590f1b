import { ApiError, createApiClient } from '../shared/api-client';
import { transportProblem } from '../shared/server-url';
import { clearSettings, normaliseServerUrl, type Settings, saveSettings } from './settings';

export type ConnectResult =
  | { ok: true; settings: Settings }
  | { ok: false; field: 'url' | 'token' | null; message: string };

/**
 * The options page's Connect: checks the URL, asks the server who the token belongs to
 * (`GET /v1/me`), and stores the connection only when that worked. Error messages name the
 * problem a person can fix (issue 3 §2: bad URL, unreachable server, wrong token).
 */
export async function connect(
  urlInput: string,
  tokenInput: string,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<ConnectResult> {
  const serverUrl = normaliseServerUrl(urlInput);
  if (!serverUrl) {
    return {
      ok: false,
      field: 'url',
      message: 'Enter the full server address, starting with http:// or https:// (for example http://127.0.0.1:8787).',
    };
  }
  // The token and every decision travel to this URL: encrypted, unless they never leave the machine.
  const insecure = transportProblem(serverUrl);
  if (insecure) return { ok: false, field: 'url', message: insecure };
  const token = tokenInput.trim();
  if (!token) return { ok: false, field: 'token', message: 'Enter the access token your administrator gave you.' };

  const client = createApiClient({ baseUrl: serverUrl, token, fetch: opts.fetch, timeoutMs: opts.timeoutMs ?? 10_000 });
  try {
    const user = await client.call('me');
    const settings: Settings = { serverUrl, token, user, connectedAt: new Date().toISOString() };
    await saveSettings(settings);
    return { ok: true, settings };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.kind === 'network' || err.kind === 'timeout') {
      return {
        ok: false,
        field: 'url',
        message: `Could not reach a server at ${serverUrl}. Check the address and that the server is running.`,
      };
    }
    if (err.status === 401) {
      return {
        ok: false,
        field: 'token',
        message: 'The server did not accept this access token. Check it and try again.',
      };
    }
    if (err.kind === 'invalid_response' || err.status === 404) {
      return {
        ok: false,
        field: 'url',
        message: `${serverUrl} answered, but not like a Countersign server. Check the address.`,
      };
    }
    return { ok: false, field: null, message: `The server could not check the token: ${err.message}` };
  }
}

export async function disconnect(): Promise<void> {
  await clearSettings();
}
