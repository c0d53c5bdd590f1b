import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { Timers } from '../../lib/page/panel/undo';
import type { Draft } from '../../lib/shared/schema';

// React's act() warns unless the environment says it is a test.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let n = 0;

/** A valid email draft (as the server returns it) with overrides. */
export function makeDraft(over: Partial<Draft> & Record<string, unknown> = {}): Draft {
  n++;
  return {
    id: `d${n}`,
    externalId: `ext-${n}`,
    workflow: 'outbound-email',
    kind: 'email',
    target: { site: 'gmail', email: `p${n}@acme.com`, name: `Person ${n}` },
    account: { name: 'Acme', tier: 'standard', dealValue: 12000 },
    confidence: 0.82,
    rationale: `Rationale ${n}`,
    evidence: [{ label: 'Funding', snippet: 'Raised a Series B', url: 'https://news.example/acme', source: 'News' }],
    content: { subject: `Subject ${n}`, body: `Hello Person ${n},\nbody text` },
    route: 'review',
    status: 'pending',
    assignee: null,
    queue: 'review',
    reasons: ['confidence_below_auto'],
    secondReview: false,
    createdAt: '2026-11-21T10:00:00Z',
    ...over,
  } as Draft;
}

export interface Mounted {
  container: HTMLElement;
  root: Root;
  render(node: ReactNode): void;
  unmount(): void;
}

export function mount(node: ReactNode): Mounted {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  act(() => root.render(node));
  return {
    container,
    root,
    render: (next) => act(() => root.render(next)),
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** Timers driven by the test: `tick(ms)` runs what is due. */
export function fakeTimers(): Timers & { tick(ms: number): void } {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = ++seq;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      due.delete(h as number);
    },
    tick(ms) {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          due.delete(id);
          act(() => t.fn());
        }
      }
    },
  };
}

/**
 * The person's own input. The panel acts only on events the browser marks `isTrusted` (made from real
 * input, lib/page/panel/trust.ts); happy-dom has no real input, so these helpers mark the events they
 * dispatch as the browser would mark the person's. `scriptClick`/`scriptKey` dispatch what a page
 * script can: unmarked. Real trusted input is covered in real Chromium (tests/e2e/hostile-page.test.ts).
 */
export function asPerson<E extends Event>(e: E): E {
  Object.defineProperty(e, 'isTrusted', { value: true });
  return e;
}

export function click(el: Element | null | undefined) {
  if (!el) throw new Error('nothing to click');
  act(() => {
    el.dispatchEvent(asPerson(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true })));
  });
}

export function key(target: Element, k: string) {
  act(() => {
    target.dispatchEvent(asPerson(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true })));
  });
}

/** What a page script can do: `el.click()` (isTrusted false). */
export function scriptClick(el: Element | null | undefined) {
  if (!el) throw new Error('nothing to click');
  act(() => {
    (el as HTMLElement).click();
  });
}

/** What a page script can do: dispatch a key (isTrusted false). */
export function scriptKey(target: Element, k: string) {
  act(() => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
  });
}

/** Sets a React-controlled field's value the way a user's typing does. */
export function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  act(() => {
    Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(el, value);
    el.dispatchEvent(asPerson(new Event('input', { bubbles: true })));
  });
}

export function button(scope: ParentNode, name: string): HTMLButtonElement {
  const b = [...scope.querySelectorAll('button')].find(
    (x) => (x.getAttribute('aria-label') ?? x.textContent)?.trim() === name,
  );
  if (!b) throw new Error(`no button "${name}"`);
  return b;
}

export function articles(scope: ParentNode): HTMLElement[] {
  return [...scope.querySelectorAll<HTMLElement>('article')];
}
