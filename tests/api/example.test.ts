import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

describe('examples/pipeline.ts (npm run example) against a real server', () => {
  it(
    'submits, hears each decision by webhook, "sends" approved text (edits included), records outcomes',
    { timeout: 90_000 },
    async () => {
      const s = await startTestServer('sqlite', { webhooks: { retryDelaysMs: [200], idlePollMs: 200 } });
      try {
        const env = {
          ...process.env,
          COUNTERSIGN_URL: s.url,
          COUNTERSIGN_TOKEN: await s.token('pipeline', { user: 'pipeline' }),
          COUNTERSIGN_ADMIN_TOKEN: await s.token('admin', { user: 'admin' }),
          COUNTERSIGN_REVIEWER_TOKEN: await s.token('reviewer', { user: 'ann' }),
        };
        const { stdout } = await run('npm', ['run', '-s', 'example', '--', '--auto-decide', '--port', '0'], {
          cwd: ROOT,
          env,
          timeout: 60_000,
        });
        expect(stdout).toMatch(/listening for webhooks on http:\/\/127\.0\.0\.1:\d+\/countersign/);
        expect(stdout).toMatch(/webhook draft\.decided for example-\w+-0 \(msg_/);
        expect(stdout).toMatch(/SENT example-\w+-0 to pat@acme\.example: "Acme and a quick idea"\n/);
        expect(stdout).toMatch(/SENT example-\w+-1 to sam@globex\.example: ".*" \(edited by a person\)/);
        expect(stdout).toMatch(/DROPPED example-\w+-2: rejected/);
        expect(stdout).toContain('all 3 drafts settled');
        const outcomes = await s.store.db.selectFrom('outcomes').selectAll().execute();
        expect(outcomes).toHaveLength(2);
        // The example removed its subscription.
        const hooks = await (await s.api('/v1/webhooks', { token: env.COUNTERSIGN_ADMIN_TOKEN })).json();
        expect(hooks).toEqual({ webhooks: [] });
      } finally {
        await s.close();
      }
    },
  );
});
