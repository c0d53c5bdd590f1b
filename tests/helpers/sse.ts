/** One server-sent event as read off the wire, with the time it arrived (performance.now()). */
export interface SseEvent {
  event: string;
  data: string;
  at: number;
}

export interface SseStream {
  status: number;
  /** Comment lines seen so far (heartbeats). */
  comments: number;
  /** Resolves with the next event (of `type`, if given) or rejects after `timeoutMs`. */
  next(timeoutMs?: number, type?: string): Promise<SseEvent>;
  /** Events received and not taken by `next` yet. */
  pending(): SseEvent[];
  close(): void;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
}

/**
 * Opens `GET url` as an event stream with a bearer token (fetch, as the extension's worker does)
 * and parses the `text/event-stream` format. Resolves once the response headers are in.
 */
export async function openSse(url: string, token: string): Promise<SseStream> {
  const ac = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: ac.signal,
  });
  const queue: SseEvent[] = [];
  let waiter: (() => void) | undefined;
  let comments = 0;
  let endResolve!: () => void;
  const ended = new Promise<void>((r) => {
    endResolve = r;
  });
  const stream: SseStream = {
    status: res.status,
    get comments() {
      return comments;
    },
    async next(timeoutMs = 2_000, type?: string) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex((e) => !type || e.event === type);
        if (i >= 0) return queue.splice(i, 1)[0]!;
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`no ${type ?? ''} event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    },
    pending: () => [...queue],
    close: () => ac.abort(),
    ended,
  };
  if (!res.ok || !res.body) {
    endResolve();
    return stream;
  }
  void (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let idx = buf.indexOf('\n\n');
        while (idx >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          let event = 'message';
          const data: string[] = [];
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments++;
            else if (line.startsWith('event:')) {
              event = line.slice(6).trim();
              any = true;
            } else if (line.startsWith('data:')) {
              data.push(line.slice(5).replace(/^ /, ''));
              any = true;
            }
          }
          if (any) queue.push({ event, data: data.join('\n'), at: performance.now() });
          waiter?.();
          idx = buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    } finally {
      endResolve();
      waiter?.();
    }
  })();
  return stream;
}
