/**
 * Time each draft was actually in front of the person: the card visible in the panel AND the card
 * the person is on, in a page that is visible and has focus (issue 4 item 6: not wall time).
 * The clock is injected so the arithmetic is unit-testable.
 */
export class DwellTracker {
  private totals = new Map<string, number>();
  private active: { id: string; since: number } | null = null;
  private state = { current: null as string | null, visible: new Set<string>(), pageActive: true };

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The card the person is on (keyboard selection or focus). */
  setCurrent(id: string | null): void {
    this.state.current = id;
    this.update();
  }

  /** Whether the card is visible in the panel (intersection with the scroll area, panel expanded). */
  setVisible(id: string, visible: boolean): void {
    if (visible) this.state.visible.add(id);
    else this.state.visible.delete(id);
    this.update();
  }

  /** Whether the page is visible and the window has focus, and the panel is expanded. */
  setPageActive(active: boolean): void {
    this.state.pageActive = active;
    this.update();
  }

  /** Milliseconds counted so far for the draft, including the running stretch. */
  get(id: string): number {
    let ms = this.totals.get(id) ?? 0;
    if (this.active?.id === id) ms += this.now() - this.active.since;
    return Math.max(0, Math.round(ms));
  }

  /** Reads and forgets a draft's dwell time (it travels with the decision). */
  take(id: string): number {
    const ms = this.get(id);
    this.totals.delete(id);
    if (this.active?.id === id) this.active.since = this.now();
    return ms;
  }

  /** Puts time back when a decision is undone, so the re-decision carries the whole dwell. */
  restore(id: string, ms: number): void {
    this.totals.set(id, (this.totals.get(id) ?? 0) + ms);
  }

  private update(): void {
    const { current, visible, pageActive } = this.state;
    const counting = current && pageActive && visible.has(current) ? current : null;
    if (this.active?.id === counting) return;
    const t = this.now();
    if (this.active) {
      this.totals.set(this.active.id, (this.totals.get(this.active.id) ?? 0) + (t - this.active.since));
    }
    this.active = counting ? { id: counting, since: t } : null;
  }
}
