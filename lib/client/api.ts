import { type ApiClient, ApiError, createApiClient } from '../shared/api-client';
import { errorText } from '../shared/error-text';
import { sendRequest } from './messaging';

/**
 * An API client for an extension page (the dashboard) on the stored connection: the page asks the
 * worker for the server URL and token (`getApiAccess`, extension pages only) and calls the server
 * itself, so large answers (the feedback export) do not travel through extension messages.
 */
export async function serverClient(): Promise<ApiClient & { token: string }> {
  let access: { serverUrl: string; token: string };
  try {
    access = await sendRequest('getApiAccess', {});
  } catch (err) {
    throw new ApiError('not_connected', errorText(err));
  }
  return { ...createApiClient({ baseUrl: access.serverUrl, token: access.token }), token: access.token };
}
