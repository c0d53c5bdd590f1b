import type { PageContext } from './types';

export interface ContextWatchOptions {
  doc: Document;
  signal: AbortSignal;
  /** Reads the current context (the adapter's `readContext`). */
  read: (doc: Document) => PageContext;
  onChange: (ctx: PageContext) => void;
  /**
   * The elements to observe (subtree `childList`), e.g. the app's main container. Defaults to the
   * body. Called again after each change so a root that appears later is picked up.
   */
  roots?: (doc: Document) => Element[];
  /** Attributes whose change may change the context (e.g. `class` for Salesforce's `.active`). */
  attributeFilter?: string[];
  /** Quiet time before re-reading the context. */
  debounceMs?: number;
  /** Upper bound on the wait while the page keeps mutating (a pure debounce would never fire). */
  maxWaitMs?: number;
}

/** Equality of two contexts by value (arrays compared in order; adapters build them in DOM order). */
export function contextKey(ctx: PageContext): string {
  return JSON.stringify(ctx);
}

/**
 * The one page watcher the adapters share (docs/sites.md, "Watching the page"): a MutationObserver that
 * only signals, a debounce with a maximum wait, the Navigation API for in-app navigation (WXT's
 * `wxt:locationchange` is a 1 s poll and misses UI that keeps the URL), and no interval polling.
 * The context is re-read at most once per debounce window and `onChange` fires only when it differs.
 * Everything is released when `signal` aborts.
 */
export function watchContext(opts: ContextWatchOptions): void {
  const { doc, signal, read, onChange } = opts;
  if (signal.aborted) return;
  const debounceMs = opts.debounceMs ?? 40;
  const maxWaitMs = opts.maxWaitMs ?? 200;
  const win = doc.defaultView;

  let lastKey = contextKey(read(doc));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstSignal = 0;
  let observed: Element[] = [];

  const flush = () => {
    timer = undefined;
    firstSignal = 0;
    urgent = false;
    if (signal.aborted) return;
    const ctx = read(doc);
    const key = contextKey(ctx);
    reobserve();
    if (key === lastKey) return;
    lastKey = key;
    onChange(ctx);
  };

  // The observer callback does nothing but (re)arm a timer: its cost per mutation batch is constant.
  // A navigation asks for an immediate read (`delay` 0) that later mutations must not push back.
  let urgent = false;
  const schedule = (delay = debounceMs) => {
    if (signal.aborted) return;
    const now = performance.now();
    if (timer === undefined) firstSignal = now;
    else {
      if (urgent || now - firstSignal >= maxWaitMs) return; // a read is already due soon enough
      clearTimeout(timer);
    }
    urgent = delay === 0;
    timer = setTimeout(flush, Math.min(delay, Math.max(0, maxWaitMs - (now - firstSignal))));
  };

  const mo = new MutationObserver(() => schedule());
  const init: MutationObserverInit = { childList: true, subtree: true };
  if (opts.attributeFilter?.length) {
    init.attributes = true;
    init.attributeFilter = opts.attributeFilter;
  }

  function currentRoots(): Element[] {
    const roots = opts.roots?.(doc).filter((r) => r.isConnected) ?? [];
    if (roots.length) return roots;
    return [doc.body ?? doc.documentElement];
  }

  function reobserve() {
    const next = currentRoots();
    if (next.length === observed.length && next.every((r, i) => r === observed[i])) return;
    mo.disconnect();
    observed = next;
    for (const r of observed) mo.observe(r, init);
  }
  reobserve();

  // In-app navigation: pushState/replaceState, back/forward, hash changes.
  const nav = (win as (Window & { navigation?: EventTarget }) | null)?.navigation;
  const onNav = () => schedule(0);
  nav?.addEventListener('currententrychange', onNav, { signal });
  win?.addEventListener('popstate', onNav, { signal });
  win?.addEventListener('hashchange', onNav, { signal });

  signal.addEventListener(
    'abort',
    () => {
      mo.disconnect();
      if (timer !== undefined) clearTimeout(timer);
    },
    { once: true },
  );
}
