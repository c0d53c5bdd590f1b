import { execFileSync } from 'node:child_process';

/** Builds the production extension once for the e2e suite: the tests load exactly what ships. */
export default function setup() {
  if (process.env.COUNTERSIGN_SKIP_BUILD === '1') return;
  execFileSync('npx', ['wxt', 'build'], { stdio: 'inherit' });
}
