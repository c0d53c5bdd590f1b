import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a receiver got: headers (lower-case names), the raw body, when. */
export interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
  /** The answer it gave (null = it never answered). */
  status: number | null;
}

/** What to do with a request: answer with a status, or never answer ('hang'). */
export type Behaviour = (req: { headers: Record<string, string>; body: string; n: number }) => number | 'hang';

/**
 * A real local HTTP receiver for webhook tests: records every request, answers as `behaviour`
 * says (2xx by default). `down()` closes the port (connection refused), `up()` opens it again on
 * the same port.
 */
export interface Receiver {
  url: string;
  received: Received[];
  behaviour: Behaviour;
  /** Resolves once `pred` holds for the requests received so far (checked on every request). */
  until(pred: (r: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') out[k] = v;
  return out;
}

export async function startReceiver(behaviour: Behaviour = () => 200, port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<import('node:http').ServerResponse>();
  let server: Server | undefined;
  const self: Receiver = {
    url: '',
    received,
    behaviour,
    until(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pred(received)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(received);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met within ${timeoutMs} ms (${received.length} requests)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async up() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const headers = headersOf(req);
          const what = self.behaviour({ headers, body, n: received.length });
          const entry: Received = { headers, body, at: Date.now(), status: what === 'hang' ? null : what };
          received.push(entry);
          if (what === 'hang') hanging.add(res);
          else res.writeHead(what, { 'content-type': 'text/plain' }).end('ok');
          for (const w of [...waiters]) w();
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      self.url = `http://127.0.0.1:${port}/hook`;
    },
    async down() {
      for (const r of hanging) r.destroy();
      hanging.clear();
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    close: () => self.down(),
  };
  await self.up();
  return self;
}
