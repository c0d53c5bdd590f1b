import { defineContentScript } from 'wxt/utils/define-content-script';
import { sendRequest } from '../lib/client/messaging';
import { OPEN_ID, OPEN_MARKER } from '../lib/shared/open-link';

/**
 * Notification links (issue 15, item 6; lib/shared/open-link.ts). Not in the manifest: the worker
 * registers it at run time for the connected server's /open pages only, once the person has allowed
 * it (lib/worker/open-link.ts). On such a page it reads the draft id from the page's marker and asks
 * the worker to show that draft in the dashboard's draft view, where the person decides. It decides
 * nothing itself and reads nothing else from the page.
 */
export default defineContentScript({
  registration: 'runtime',
  main() {
    if (window.top !== window) return;
    // Coming back to this page (Back from the dashboard) is not a new request to open the draft.
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (nav?.type === 'back_forward') return;
    const id = document.querySelector(`meta[name="${OPEN_MARKER}"]`)?.getAttribute('content') ?? '';
    if (!OPEN_ID.test(id)) return;
    const status = document.querySelector('[data-countersign-open-status]');
    if (status) status.textContent = 'Opening the draft in the Countersign extension…';
    sendRequest('openDraft', { draftId: id }).catch((err: unknown) => {
      if (status)
        status.textContent = `The Countersign extension could not open the draft: ${err instanceof Error ? err.message : String(err)}`;
    });
  },
});
