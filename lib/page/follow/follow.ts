import type { PageEnd } from '../../shared/schema';
import { controlOnPath, type FollowMode, followRoot } from './controls';
import { type FollowedPart, readPart } from './read';

/**
 * Follows the editors an approved draft went into until the person sends (Send control or
 * Ctrl/Cmd+Enter, then the compose closes or empties), saves (the record's Save control), discards
 * (the editors leave the page without a send) or leaves (pagehide). Calls `onEnd` exactly once.
 *
 * Cost: no MutationObserver. Two capture listeners (click, keydown) that look only at the person's
 * own trusted events, one pagehide listener, and one check of `isConnected` per `pollMs` — the
 * page's own mutation rate does not matter. Reading the editors happens once, when the send or
 * save starts (inside the page's click/key handler, before the page clears the compose).
 */
export interface FollowOptions {
  doc: Document;
  mode: FollowMode;
  parts: FollowedPart[];
  onEnd: (end: PageEnd, texts: Map<FollowedPart, string>) => void;
  /** The page recognised no Send/Save control around the editors (site health). */
  onNoControl?: () => void;
  /** How long a send may take to close the compose before it counts as not sent. */
  confirmMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

export interface Follower {
  /** Stops following without reporting (the approval was undone). */
  stop(): void;
  readonly root: Element;
  /** Whether the send/save control was found around the editors. */
  readonly control: boolean;
  /** Time spent in the page's send/save event by the capture listener, ms (benchmark). */
  readonly captureMs: number[];
}

export function followEditors(opts: FollowOptions): Follower | null {
  const { doc, mode, parts } = opts;
  const win = doc.defaultView;
  const found = followRoot(
    parts.map((p) => p.element),
    mode,
  );
  if (!win || !found) return null;
  const { root, control } = found;
  if (!control) opts.onNoControl?.();
  const confirmMs = opts.confirmMs ?? 15_000;
  const pollMs = opts.pollMs ?? 500;
  const captureMs: number[] = [];
  let done = false;
  /** A send started: what the editors held then, and until when it may be confirmed. */
  let sending: { texts: Map<FollowedPart, string>; until: number } | null = null;

  const read = () => new Map(parts.map((p) => [p, readPart(p)] as const));
  const gone = () => !root.isConnected || parts.every((p) => !p.element.isConnected);
  const hidden = () => {
    const el = root as HTMLElement;
    return typeof el.checkVisibility === 'function' ? !el.checkVisibility() : el.offsetParent === null;
  };
  const emptied = () =>
    parts.some((p) => (p.part === 'body' || p.part === 'text') && p.element.isConnected && readPart(p) === '');

  const finish = (end: PageEnd, texts: Map<FollowedPart, string>) => {
    if (done) return;
    stop();
    opts.onEnd(end, texts);
  };

  const started = () => {
    const t0 = performance.now();
    const texts = read();
    if (mode === 'save') finish('saved', texts);
    else sending = { texts, until: Date.now() + confirmMs };
    captureMs.push(performance.now() - t0);
  };

  const onClick = (e: Event) => {
    if (!e.isTrusted || done) return;
    const path = e.composedPath();
    if (!path.includes(root)) return;
    if (controlOnPath(path, mode, root)) started();
  };
  const onKey = (e: KeyboardEvent) => {
    if (!e.isTrusted || done || mode !== 'send') return;
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
    if (!e.composedPath().includes(root)) return;
    started();
  };
  const onHide = () => finish('left', read());

  const poll = () => {
    if (done) return;
    if (sending) {
      if (gone() || hidden() || emptied()) return finish('sent', sending.texts);
      if (Date.now() > sending.until) sending = null; // the send did not go (e.g. a missing recipient)
    } else if (gone()) {
      return finish('discarded', read());
    }
    timer = setTimeout(poll, sending ? Math.min(pollMs, 100) : pollMs);
  };
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(poll, pollMs);

  win.addEventListener('click', onClick, true);
  win.addEventListener('keydown', onKey, true);
  win.addEventListener('pagehide', onHide);
  // A send started by the click is confirmed sooner than the next idle poll.
  const fast = (e: Event) => {
    if (sending && e.isTrusted) {
      clearTimeout(timer);
      timer = setTimeout(poll, 0);
    }
  };
  win.addEventListener('click', fast);
  win.addEventListener('keyup', fast);

  function stop() {
    done = true;
    clearTimeout(timer);
    win!.removeEventListener('click', onClick, true);
    win!.removeEventListener('keydown', onKey, true);
    win!.removeEventListener('pagehide', onHide);
    win!.removeEventListener('click', fast);
    win!.removeEventListener('keyup', fast);
  }
  opts.signal?.addEventListener('abort', stop, { once: true });

  return { stop, root, control, captureMs };
}
