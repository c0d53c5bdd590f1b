import { defineContentScript } from 'wxt/utils/define-content-script';
import { installMainWorldBridge } from '../lib/page/apply/bridge';

/**
 * Firefox only: a page-world helper that builds the synthetic `paste`/`beforeinput` events the
 * insertion techniques use. Firefox hands events built in a content script's isolated world to the
 * page without their clipboardData/dataTransfer (docs/sites.md), so Draft.js, Quill, Slate and Lexical
 * would see an empty paste. Chromium passes them through, so its build does not ship this script.
 * It holds no extension API and no data: it answers requests from the review script (lib/page/apply/bridge.ts).
 */
export default defineContentScript({
  // `matches`: the supported sites, from the site registry (set in wxt.config.ts).
  include: ['firefox'],
  world: 'MAIN',
  runAt: 'document_start',
  main() {
    if (window.top !== window) return;
    installMainWorldBridge(document);
  },
});
