import { routes } from '../shared/api/routes';
import { StreamChanges } from '../shared/schema';
import { backoffDelay } from './backoff';
import type { Settings } from './settings';

/**
 * The live connection to the server's `GET /v1/sync/stream` (contract v1.1 "Live updates"), held by
 * the service worker only while someone looks: a panel, the popup or the dashboard has its events
 * port open (lib/worker/messaging.ts). Those pages send a keep-alive over their port every 20 s
 * (lib/client/messaging.ts), which is what keeps an MV3 worker running while they are open; when
 * the last one closes, the stream is closed too and the worker may sleep (the 30 s alarm stays the
 * fallback, and a page that opens again wakes the worker and the stream with it).
 *
 * It is a plain `fetch` with the bearer token read as a stream (EventSource cannot send a header),
 * parsed as `text/event-stream`. Each `changes` event asks for a pull (`onChanges`); a dropped
 * connection comes back with backoff and asks for a pull then too (something may have changed
 * while it was away).
 */
export interface LiveDeps {
  getSettings: () => Promise<Settings | null>;
  /** The queue changed on the server (or may have, after a reconnect): pull now. */
  onChanges: (cursor: string | null) => void;
  fetch?: typeof fetch;
  random?: () => number;
  /** A reconnect attempt waits at least this long (ms). */
  minDelayMs?: number;
}

export interface LiveConnection {
  /** Open (true) or close (false) the stream; called as ports come and go. */
  want(on: boolean): void;
  /** The settings changed (connect/disconnect): reopen with the new ones. */
  restart(): void;
  readonly state: 'off' | 'connecting' | 'open';
}

export function createLiveConnection(deps: LiveDeps): LiveConnection {
  const doFetch = deps.fetch ?? ((i, init) => fetch(i, init));
  let wanted = false;
  let state: LiveConnection['state'] = 'off';
  let abort: AbortController | null = null;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const stop = () => {
    clearTimeout(retry);
    abort?.abort();
    abort = null;
    state = 'off';
  };

  const schedule = () => {
    if (!wanted) return;
    const delay = Math.max(
      deps.minDelayMs ?? 500,
      backoffDelay(failures++, undefined, { random: deps.random, capMs: 30_000 }),
    );
    clearTimeout(retry);
    retry = setTimeout(() => void open(), delay);
  };

  async function open() {
    if (!wanted || abort) return;
    const settings = await deps.getSettings();
    if (!settings || !wanted || abort) {
      state = 'off';
      return;
    }
    const ac = new AbortController();
    abort = ac;
    state = 'connecting';
    let opened = false;
    try {
      const res = await doFetch(settings.serverUrl.replace(/\/+$/, '') + routes.stream.path, {
        headers: { authorization: `Bearer ${settings.token}`, accept: 'text/event-stream' },
        credentials: 'omit',
        cache: 'no-store',
        signal: ac.signal,
      });
      // 401/403: the ordinary sync reports the problem; the stream waits for new settings.
      if (res.status === 401 || res.status === 403) {
        abort = null;
        state = 'off';
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      opened = true;
      state = 'open';
      failures = 0;
      // Connected: pull once, for whatever changed while there was no stream.
      deps.onChanges(null);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let idx = buf.indexOf('\n\n');
        while (idx >= 0) {
          handleBlock(buf.slice(0, idx));
          buf = buf.slice(idx + 2);
          idx = buf.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted (closed on purpose) or the network dropped; see below.
    }
    if (abort === ac) abort = null;
    state = 'off';
    if (ac.signal.aborted) return;
    if (opened) deps.onChanges(null);
    schedule();
  }

  function handleBlock(block: string) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (event !== 'changes') return;
    let cursor: string | null = null;
    try {
      const parsed = StreamChanges.safeParse(JSON.parse(data.join('\n')));
      if (parsed.success) cursor = parsed.data.cursor;
    } catch {
      // A malformed event still means "something changed".
    }
    deps.onChanges(cursor);
  }

  return {
    want(on) {
      if (on === wanted) return;
      wanted = on;
      if (on) void open();
      else stop();
    },
    restart() {
      stop();
      failures = 0;
      if (wanted) void open();
    },
    get state() {
      return state;
    },
  };
}
