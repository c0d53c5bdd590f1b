import { buildExtension } from '../../server/start';

/** Builds the production extension once for the e2e suite: the tests load exactly what ships. */
export default async function setup() {
  if (process.env.COUNTERSIGN_SKIP_BUILD === '1') return;
  await buildExtension();
}
