import { spawn } from 'node:child_process';

/**
 * `npm run zip` as a person would run it: `wxt zip && wxt zip -b firefox --mv3` builds the production
 * extension for Chromium (.output/chrome-mv3) and Firefox (.output/firefox-mv3), then packs the
 * Chrome Web Store package, AMO's package and AMO's source archive. Resolves with its output.
 */
export function npmRunZip(): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn('npm', ['run', '-s', 'zip'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // As buildExtension does: vitest's NODE_ENV=test would give a development JSX runtime.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? ok(out) : fail(new Error(`npm run zip: exit ${code}\n${out.slice(-3000)}`)),
    );
  });
}

/**
 * Builds the production extension once for the whole e2e suite, both browsers, with `npm run zip`:
 * the tests load exactly what ships, and the store-package checks read the packages this made. No
 * test builds again (a build during a test would also rewrite .output/ under the files running
 * beside it).
 */
export default async function setup() {
  if (process.env.COUNTERSIGN_SKIP_BUILD === '1') return;
  await npmRunZip();
}
