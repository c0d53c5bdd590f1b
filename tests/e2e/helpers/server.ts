import type { DraftIn, DraftsOut, Role } from '../../../lib/shared/schema';
import { silentLogger } from '../../../server/log';
import { type RunningServer, startServer } from '../../../server/main';
import { createToken } from '../../../server/tokens';
import { freshDatabase } from '../../helpers/server';

/**
 * A real review server on a temp SQLite file that can be stopped and started again on the same
 * port and database: "the server is down" for the extension, then back with everything it had.
 */
export interface E2eServer {
  url: string;
  port: number;
  running(): RunningServer;
  stop(): Promise<void>;
  start(): Promise<void>;
  token(role: Role, opts?: { user?: string; name?: string }): Promise<string>;
  /** Submits drafts as the pipeline; returns the server's ids in input order. */
  submit(drafts: DraftIn[]): Promise<string[]>;
  close(): Promise<void>;
}

let n = 0;

export async function startE2eServer(): Promise<E2eServer> {
  const fresh = await freshDatabase('sqlite');
  const boot = (port: number) =>
    startServer({
      port,
      host: '127.0.0.1',
      logger: silentLogger,
      rateLimit: { limit: 1_000_000 },
      databaseUrl: fresh.url,
    });
  let current: RunningServer | null = await boot(0);
  const port = current.port;
  const url = current.url;
  let pipelineToken: string | null = null;

  const self: E2eServer = {
    url,
    port,
    running() {
      if (!current) throw new Error('server is stopped');
      return current;
    },
    async stop() {
      await current?.close();
      current = null;
    },
    async start() {
      if (!current) current = await boot(port);
    },
    async token(role, opts = {}) {
      const user = opts.user ?? `${role}-${++n}`;
      return (await createToken(self.running().store, { user, role, name: opts.name, actor: 'e2e' })).token;
    },
    async submit(drafts) {
      pipelineToken ??= await self.token('pipeline', { user: 'pipeline-e2e' });
      const res = await fetch(`${url}/v1/drafts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pipelineToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ drafts }),
      });
      if (!res.ok) throw new Error(`submit failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as DraftsOut).results.map((r) => r.id);
    },
    async close() {
      await current?.close();
      current = null;
      await fresh.drop();
    },
  };
  return self;
}

/** A valid email draft for the pipeline to submit (reviewed by any reviewer under review_all). */
export function emailDraft(i: number, over: Partial<DraftIn> = {}): DraftIn {
  return {
    externalId: `e2e-${Date.now()}-${i}-${Math.random().toString(36).slice(2, 8)}`,
    workflow: 'outbound-email',
    kind: 'email',
    target: { site: 'gmail', email: `lead${i}@acme.test`, name: `Lead ${i}`, company: 'Acme' },
    account: { name: 'Acme', domain: 'acme.test' },
    content: { subject: `Intro ${i}`, body: `Hi Lead ${i},\n\nShort note.` },
    confidence: 0.8,
    rationale: 'Similar accounts replied to this angle.',
    evidence: [{ label: 'CRM note', snippet: 'Asked for pricing in Q3', source: 'hubspot' }],
    ...over,
  } as DraftIn;
}
