import type { Role, Specialty } from '../../lib/shared/schema';
import { jsonLogger, silentLogger } from '../../server/log';
import { type RunningServer, type StartOptions, startServer } from '../../server/main';
import { createToken } from '../../server/tokens';
import { freshDatabase, type TestDb } from './server';

/** Several real server instances (HTTP on free ports) on one fresh database, as behind a load balancer. */
export interface Cluster {
  databaseUrl: string;
  instances: RunningServer[];
  /** Creates the user (if new) and a token, through instance 0's store. */
  token(role: Role, user: string, opts?: { name?: string; specialty?: Specialty }): Promise<string>;
  /** A JSON request to instance `i`. */
  api(i: number, path: string, init?: { method?: string; token?: string; body?: unknown }): Promise<Response>;
  /** Starts one more instance on the same database; returns its index. */
  add(opts?: Omit<StartOptions, 'databaseUrl' | 'store'>): Promise<number>;
  /** Stops instance `i` (as SIGTERM would). */
  stop(i: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(
  n: number,
  db: TestDb = 'postgres',
  opts: Omit<StartOptions, 'databaseUrl' | 'store'> = {},
): Promise<Cluster> {
  const fresh = await freshDatabase(db);
  const instances: RunningServer[] = [];
  const stopped = new Set<number>();
  const start = (o: Omit<StartOptions, 'databaseUrl' | 'store'> = {}) =>
    startServer({
      port: 0,
      host: '127.0.0.1',
      logger: process.env.TEST_LOG ? jsonLogger() : silentLogger,
      rateLimit: { limit: 1_000_000 },
      ...opts,
      ...o,
      databaseUrl: fresh.url,
    });
  // One after another: the first creates the schema (the others would wait on its lock anyway).
  for (let i = 0; i < n; i++) instances.push(await start());
  const live = () => instances.find((_, i) => !stopped.has(i))!;
  return {
    databaseUrl: fresh.url,
    instances,
    async token(role, user, o = {}) {
      return (await createToken(live().store, { user, role, name: o.name, specialty: o.specialty, actor: 'test' }))
        .token;
    },
    api(i, path, init = {}) {
      const headers: Record<string, string> = {};
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] = 'application/json';
      }
      return fetch(instances[i]!.url + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
    },
    async add(o) {
      instances.push(await start(o));
      return instances.length - 1;
    },
    async stop(i) {
      stopped.add(i);
      await instances[i]!.close();
    },
    async close() {
      await Promise.all(instances.map((s, i) => (stopped.has(i) ? undefined : s.close())));
      await fresh.drop();
    },
  };
}
