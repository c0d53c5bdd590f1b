import { browser } from 'wxt/browser';
import type { Role } from '../../lib/shared/schema';

/** Opens the extension's governance dashboard (entrypoints/dashboard) in a new tab. */
export async function openDashboard(): Promise<void> {
  await browser.tabs.create({ url: browser.runtime.getURL('/dashboard.html') });
}

/**
 * "Open dashboard", shown only to admins: the dashboard's data (metrics, policies, calibration)
 * comes from admin-only routes, so for any other role it would be a page of 403s.
 */
export function OpenDashboardButton({ role, onOpened }: { role: Role | null | undefined; onOpened?: () => void }) {
  if (role !== 'admin') return null;
  return (
    <button type="button" onClick={() => void openDashboard().then(onOpened)}>
      Open dashboard
    </button>
  );
}
