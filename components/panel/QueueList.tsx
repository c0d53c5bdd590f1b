import {
  measureElement as defaultMeasure,
  observeElementRect as defaultObserveRect,
  defaultRangeExtractor,
  useVirtualizer,
  type Virtualizer,
} from '@tanstack/react-virtual';
import { type ReactNode, type Ref, useImperativeHandle, useRef } from 'react';

export interface QueueListHandle {
  scrollToIndex(index: number): void;
  scrollElement(): HTMLElement | null;
}

/**
 * A virtualised list (issue 4 item 8): only the rows in view (plus overscan) are in the DOM, each
 * measured after render, so a queue of 5,000 drafts costs what a screenful costs.
 * Where layout reports no sizes (happy-dom), `fallbackHeight` and the estimates stand in.
 */
export function QueueList({
  count,
  getKey,
  estimateSize,
  renderRow,
  label,
  fallbackHeight = 600,
  handle,
  scrollRef,
  headerOf,
}: {
  count: number;
  getKey: (index: number) => string;
  estimateSize: (index: number) => number;
  renderRow: (index: number) => ReactNode;
  label: string;
  fallbackHeight?: number;
  handle?: Ref<QueueListHandle>;
  scrollRef?: (el: HTMLElement | null) => void;
  /**
   * For a row inside a group, the index of the group's header row (else null). While the top of the
   * view is inside a group, its header stays rendered and sticks to the top, so the group's
   * approve-all stays at hand while the person goes through (and excludes) its members.
   */
  headerOf?: (index: number) => number | null;
}) {
  const parent = useRef<HTMLElement | null>(null);
  const activeHeader = useRef<number | null>(null);
  const virtualizer: Virtualizer<HTMLElement, Element> = useVirtualizer({
    count,
    getScrollElement: () => parent.current,
    estimateSize,
    getItemKey: getKey,
    // Few extra cards: each is a full card, and the first paint is what a person waits for.
    overscan: 2,
    rangeExtractor: (range) => {
      const rows = defaultRangeExtractor(range);
      const header = headerOf?.(range.startIndex) ?? null;
      activeHeader.current = header;
      return header === null || rows.includes(header) ? rows : [header, ...rows];
    },
    initialRect: { width: 380, height: fallbackHeight },
    observeElementRect: (instance, cb) =>
      defaultObserveRect(instance, (rect) =>
        cb(rect.height > 0 ? rect : { width: rect.width || 380, height: fallbackHeight }),
      ),
    measureElement: (el, entry, instance) => {
      const h = defaultMeasure(el, entry, instance);
      return h > 0 ? h : estimateSize(Number((el as HTMLElement).dataset.index ?? 0));
    },
  });

  useImperativeHandle(
    handle,
    () => ({
      scrollToIndex: (index: number) => virtualizer.scrollToIndex(index, { align: 'auto' }),
      scrollElement: () => parent.current,
    }),
    [virtualizer],
  );

  const items = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  return (
    <section
      className="cs-list"
      // Size containment (contain: strict) ignores the content, so the list is given the height of its
      // rows here; max-height in the stylesheet caps it at what the viewport leaves.
      style={{ height: `${Math.max(120, total)}px` }}
      ref={(el) => {
        parent.current = el;
        scrollRef?.(el);
      }}
      // A scrollable region must be reachable by keyboard (axe: scrollable-region-focusable);
      // the cards inside are, so the list itself is not a tab stop.
      aria-label={label}
    >
      <div style={{ height: `${total}px`, position: 'relative', width: '100%' }}>
        {items.map((item) => (
          <div
            key={item.key as string}
            data-index={item.index}
            ref={virtualizer.measureElement}
            className={item.index === activeHeader.current ? 'cs-row cs-sticky' : 'cs-row'}
            style={item.index === activeHeader.current ? undefined : { transform: `translateY(${item.start}px)` }}
          >
            {renderRow(item.index)}
          </div>
        ))}
      </div>
    </section>
  );
}
