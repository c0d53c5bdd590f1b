import { act, type ReactNode } from 'react';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { startTestApp, type TestApi } from '../helpers/server';
import { type Mounted, mount } from './panel-helpers';

/** A dashboard section's test fixture: the real server app and what is on screen. */
export interface DashboardApp {
  /** The server app (in process, SQLite), set before the file's own `beforeAll` runs. */
  s: TestApi;
  /** A token of the admin `adminUser`. */
  admin: string;
  /** Mounts `node` (unmounting whatever this fixture mounted before). */
  mount(node: ReactNode): Mounted;
}

/**
 * For a dashboard component test file's top level: starts the real server app with an admin before
 * all of the file's tests (register this before the file's own `beforeAll`, which then seeds it),
 * and after them unmounts what was mounted and closes the app (the database goes with it).
 */
export function dashboardApp(adminUser: string): DashboardApp {
  let mounted: Mounted | null = null;
  const app: DashboardApp = {
    s: undefined as unknown as TestApi,
    admin: '',
    mount(node) {
      mounted?.unmount();
      mounted = mount(node);
      return mounted;
    },
  };
  beforeAll(async () => {
    app.s = await startTestApp('sqlite');
    app.admin = await app.s.token('admin', { user: adminUser });
  });
  afterAll(async () => {
    mounted?.unmount();
    await app.s?.close();
  });
  return app;
}

/** Lets effects and their API calls run until `until()` holds (at most 5 s). */
export async function settle(until: () => boolean): Promise<void> {
  await vi.waitFor(
    async () => {
      await act(async () => {});
      expect(until()).toBe(true);
    },
    { timeout: 5000 },
  );
}
