import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny HTTP proxy in front of the real server, for what a test cannot make a real server do on
 * cue: hold an answer (the worker is stopped after the server applied a push but before the
 * answer arrived) or rewrite a pull response (a malformed draft from a newer or buggy server).
 * CORS headers pass through from the real server untouched.
 */
export interface ProxyHooks {
  /** Called with the upstream response body; return a replacement body to rewrite it. */
  rewrite?(req: { method: string; path: string }, body: string): string | undefined;
  /** Awaited after the upstream answered and before the answer is sent on. */
  hold?(req: { method: string; path: string }): Promise<void> | void;
  /**
   * Answers in the server's place (the request never reaches it) when it returns an answer: what a
   * misbehaving proxy, captive portal or load balancer says.
   */
  respond?(req: {
    method: string;
    path: string;
  }): { status: number; body: string; headers?: Record<string, string> } | undefined;
}

export interface TestProxy {
  url: string;
  hooks: ProxyHooks;
  requests: { method: string; path: string }[];
  /** Requests whose client went away before the answer was sent (e.g. the worker was stopped). */
  dropped: { method: string; path: string }[];
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<TestProxy> {
  const hooks: ProxyHooks = {};
  const requests: { method: string; path: string }[] = [];
  const dropped: { method: string; path: string }[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const info = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/' };
    requests.push(info);
    res.on('close', () => {
      if (!res.writableFinished) dropped.push(info);
    });
    const own = hooks.respond?.(info);
    if (own) {
      // Like a proxy set to add CORS headers to every answer (nginx `add_header … always`): without
      // them the extension could not read the answer at all and would see a network error.
      const origin = typeof req.headers.origin === 'string' ? req.headers.origin : '*';
      res.writeHead(own.status, { 'access-control-allow-origin': origin, vary: 'origin', ...own.headers });
      res.end(own.body);
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers.set(k, v);
    }
    let upstream: Response;
    try {
      upstream = await fetch(target + (req.url ?? '/'), {
        method: req.method,
        headers,
        body: chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined,
      });
    } catch {
      res.destroy();
      return;
    }
    let body = await upstream.text();
    try {
      await hooks.hold?.(info);
      body = hooks.rewrite?.(info, body) ?? body;
    } catch (err) {
      // A broken hook must fail the test loudly, not hang it.
      res.writeHead(599);
      res.end(String(err));
      return;
    }
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding' && k !== 'connection')
        out[k] = v;
    });
    try {
      res.writeHead(upstream.status, out);
      res.end(body);
    } catch {
      // The client went away while we held the answer: that is the point of holding it.
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hooks,
    requests,
    dropped,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
