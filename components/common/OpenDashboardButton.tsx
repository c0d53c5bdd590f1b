import { browser } from 'wxt/browser';
import { REVIEWER_ROLES, type Role } from '../../lib/shared/schema';

/** Opens the extension's dashboard page (entrypoints/dashboard) in a new tab. */
export async function openDashboard(): Promise<void> {
  await browser.tabs.create({ url: browser.runtime.getURL('/dashboard.html') });
}

/**
 * "Open dashboard" for admins (governance: metrics, policies, calibration); "Calibration sessions"
 * for the reviewer roles, whom the same page shows only the calibration sessions they judge (issue
 * 16 §3). Nothing for the pipeline or before Connect.
 */
export function OpenDashboardButton({ role, onOpened }: { role: Role | null | undefined; onOpened?: () => void }) {
  const label =
    role === 'admin'
      ? 'Open dashboard'
      : role && (REVIEWER_ROLES as readonly string[]).includes(role)
        ? 'Calibration sessions'
        : null;
  if (!label) return null;
  return (
    <button type="button" onClick={() => void openDashboard().then(onOpened)}>
      {label}
    </button>
  );
}
