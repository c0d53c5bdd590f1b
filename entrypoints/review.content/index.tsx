import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { PANEL_CSS } from '../../components/panel/styles';
import { sendRequest, subscribe } from '../../lib/client/messaging';
import { trackSelection } from '../../lib/page/apply';
import { followingApplier } from '../../lib/page/follow/applier';
import { watchHealth } from '../../lib/page/health';
import { copyToClipboard } from '../../lib/page/panel/in-page';
import { createPanelStore, parsePlacement } from '../../lib/page/panel/store';
import { contextKey, pickAdapter } from '../../lib/page/sites';
import { HANDOFF_PREFIX, type Handoff } from '../../lib/shared/schema/protocol';
import { PanelHost } from './PanelHost';

export default defineContentScript({
  // `matches`: the supported sites, from the site registry (set in wxt.config.ts).
  // Loaded at document_start so parsing this bundle overlaps the page's own loading; the panel is
  // mounted the moment the DOM is parsed (issue 4 figure: panel visible < 150 ms after DOMContentLoaded).
  // With document_end the bundle's evaluation alone came after DOMContentLoaded (bench: 130–185 ms).
  runAt: 'document_start',
  async main(ctx) {
    if (window.top !== window) return; // never inside the page's iframes (e.g. Salesforce's email composer)
    // Marks on the page's performance timeline, read by scripts/bench-panel.ts.
    performance.mark('countersign:start');
    const signal = ctx.signal;
    const memory = trackSelection(document, signal);
    if (document.readyState === 'loading') {
      await new Promise<void>((resolve) =>
        document.addEventListener('DOMContentLoaded', () => resolve(), { once: true, signal }),
      );
    }
    // Custom-domain detection reads page markers, so the adapter is picked once the DOM is there.
    const adapter = pickAdapter(location, document);
    // Where the panel sits, per site (their layouts differ); plain storage.local keeps the bundle small.
    const placementKey = `countersign:panel:${adapter.id}`;

    // Site health: parts of a recognised page the adapter did not find, counted (issue 18).
    const health = watchHealth(
      document,
      adapter,
      (parts) =>
        sendRequest('reportHealth', { site: adapter.id, selectorVersion: health.version, parts }, { signal }).then(
          () => {},
          () => {},
        ),
      { signal },
    );
    const store = createPanelStore({
      getDrafts: (context) => sendRequest('getDrafts', { context }, { signal }),
      saveDecision: (decision, sendAfter) => sendRequest('saveDecision', { decision, sendAfter }, { signal }),
      cancelDecision: async (decisionId) => (await sendRequest('cancelDecision', { decisionId }, { signal })).cancelled,
      // Where the worker collects what it could not be handed (lib/worker/handoff.ts).
      handOff: (decision, sendAfter) =>
        browser.storage.local.set({ [HANDOFF_PREFIX + decision.id]: { decision, sendAfter } satisfies Handoff }),
      clearHandOff: (decisionId) => browser.storage.local.remove(HANDOFF_PREFIX + decisionId),
      claim: (draftId, hold) => sendRequest('claim', { draftId, hold }, { signal }),
      subscribe: (listener, s) => subscribe(listener, s),
      loadPlacement: async () => parsePlacement((await browser.storage.local.get(placementKey))[placementKey]),
      savePlacement: (p) => browser.storage.local.set({ [placementKey]: p }),
      signal,
    });

    const ui = await createShadowRootUi(ctx, {
      name: 'countersign-panel',
      position: 'inline',
      anchor: 'body',
      append: 'last',
      mode: 'open',
      css: PANEL_CSS,
      // Gmail and Outlook have single-key shortcuts: keys typed in the panel stop at the shadow root.
      isolateEvents: ['keydown', 'keyup', 'keypress'],
      onMount(container, shadow) {
        const root = createRoot(container);
        root.render(
          <PanelHost
            store={store}
            onApply={followingApplier(document, adapter, {
              memory,
              // Through the worker's page-report outbox, like a decision (issue 18).
              report: (report) => void sendRequest('reportPage', { report }, { signal }).catch(() => {}),
              missing: (part) => health.missing(part),
              open: (url) => window.open(url, '_blank', 'noopener'),
            })}
            onCopy={(text) => copyToClipboard(text, shadow)}
          />,
        );
        return root;
      },
      onRemove(root) {
        root?.unmount();
      },
    });
    // Placement first, so the panel does not jump after it appears.
    await store.loadPlacement();
    performance.mark('countersign:placement');
    ui.mount();
    performance.mark('countersign:mounted');
    await store.start(adapter.readContext(document));
    adapter.watch(document, signal, (c) => {
      store.setContext(c);
      health.check(c);
    });
    health.check(adapter.readContext(document));
    // A change between the first read and the watcher starting would otherwise go unnoticed.
    const now = adapter.readContext(document);
    const shown = store.get().context;
    if (!shown || contextKey(now) !== contextKey(shown)) store.setContext(now);
  },
});
