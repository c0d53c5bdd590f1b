/** How long a decision waits, undoable, before it goes to the worker's outbox (issue 4 item 5). */
export const UNDO_MS = 10_000;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Entry<T> {
  key: string;
  value: T;
  handle: unknown;
}

/**
 * Holds decisions for `delay` ms before committing them. `undo()` takes back the newest one that
 * is still held; `flush()` commits everything now (the page is going away). Committed entries
 * cannot be undone. Timers are injected for tests.
 */
export class UndoQueue<T> {
  private entries: Entry<T>[] = [];
  private listeners = new Set<() => void>();

  constructor(
    private readonly commit: (value: T) => void,
    private readonly delay = UNDO_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  push(key: string, value: T): void {
    const handle = this.timers.setTimeout(() => this.settle(key), this.delay);
    this.entries.push({ key, value, handle });
    this.emit();
  }

  /** Takes back the newest held decision, returning it, or undefined when nothing is held. */
  undo(): T | undefined {
    const e = this.entries.pop();
    if (!e) return undefined;
    this.timers.clearTimeout(e.handle);
    this.emit();
    return e.value;
  }

  /** Commits every held decision at once. */
  flush(): void {
    const all = this.entries;
    this.entries = [];
    for (const e of all) {
      this.timers.clearTimeout(e.handle);
      this.commit(e.value);
    }
    if (all.length) this.emit();
  }

  /** Held decisions, oldest first. */
  pending(): readonly T[] {
    return this.entries.map((e) => e.value);
  }

  has(key: string): boolean {
    return this.entries.some((e) => e.key === key);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private settle(key: string): void {
    const i = this.entries.findIndex((e) => e.key === key);
    if (i < 0) return;
    const [e] = this.entries.splice(i, 1);
    this.commit(e!.value);
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
