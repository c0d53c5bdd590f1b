import { defineBackground } from 'wxt/utils/define-background';
import { startWorker } from '../lib/sync/worker';

// Thin on purpose: the sync engine, message handlers and alarms live in lib/sync (issue 3).
export default defineBackground(() => {
  startWorker();
});
