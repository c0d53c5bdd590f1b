import { defineBackground } from 'wxt/utils/define-background';
import { startWorker } from '../lib/worker/start';

// Thin on purpose: the sync engine, message handlers and alarms live in lib/worker (issue 3).
export default defineBackground(() => {
  startWorker();
});
