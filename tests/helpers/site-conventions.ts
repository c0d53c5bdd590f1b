/**
 * The site conventions (in the spirit of refined-github's feature tests): every site file with a
 * descriptor comes with everything a site needs. Functions of a root directory, so the test can run
 * them on the real tree and on a broken copy of it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The paths (relative to the root) the checks read; copy these to check another tree. */
export const CONVENTION_INPUTS = [
  'lib/page/sites',
  'server/demo/pages',
  'server/demo/sandbox-drafts.ts',
  'README.md',
  'tests/e2e',
  'tests/unit',
] as const;

export interface SiteFile {
  /** The file in lib/page/sites/, e.g. `gmail.ts`. */
  file: string;
  id: string;
  name: string;
  /** The exported adapter constant, e.g. `gmail`. */
  adapter: string | null;
}

const SITES_DIR = 'lib/page/sites';

function read(root: string, path: string): string | null {
  const file = join(root, path);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

function files(root: string, dir: string, pattern: RegExp): Array<{ name: string; text: string }> {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((n) => pattern.test(n))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(abs, name), 'utf8') }));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every file in lib/page/sites/ that defines a site (`defineSite({ id, name, … })`). */
export function siteFiles(root: string): SiteFile[] {
  const out: SiteFile[] = [];
  for (const { name: file, text } of files(root, SITES_DIR, /\.ts$/)) {
    const call = /\bdefineSite\(\{([\s\S]*?)\}\);/.exec(text)?.[1];
    if (call === undefined) continue;
    const id = /\bid:\s*'([a-z0-9-]+)'/.exec(call)?.[1] ?? '';
    const name = /\bname:\s*'([^']+)'/.exec(call)?.[1] ?? '';
    const adapter = /export const (\w+): SupportedSiteAdapter\b/.exec(text)?.[1] ?? null;
    out.push({ file, id, name, adapter });
  }
  return out;
}

/** The rows of the README's "Supported sites" table (first cells). */
function supportedSiteRows(readme: string): string[] {
  const section = /^## Supported sites\s*$([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  return section
    .split('\n')
    .filter((l) => /^\|/.test(l) && !/^\|\s*-/.test(l))
    .map((l) => l.split('|')[1]!.trim());
}

/**
 * What each site lacks, one line per problem (`[]` when every site has everything):
 * - the adapter exported as `SupportedSiteAdapter` and listed in the registry (`ADAPTERS`, index.ts);
 * - its fixture page, `server/demo/pages/<id>/index.html` and `app.js` (also its sandbox page);
 * - its sandbox drafts (`site: '<id>'` in server/demo/sandbox-drafts.ts), so its sandbox page has work;
 * - its row in the README's "Supported sites" table (first cell starts with its name);
 * - an e2e test that opens its fixture (`openFixture`/`routeFixture` with its id);
 * - unit tests that call the adapter (`<adapter>.readContext(` or `.findTargets(`).
 * Also: a fixture page directory no site file claims.
 */
export function siteConventionProblems(root: string): string[] {
  const problems: string[] = [];
  const sites = siteFiles(root);
  const registry = read(root, `${SITES_DIR}/index.ts`) ?? '';
  const listed = /\bADAPTERS\s*=\s*\[([^\]]*)\]/.exec(registry)?.[1] ?? '';
  const drafts = read(root, 'server/demo/sandbox-drafts.ts') ?? '';
  const rows = supportedSiteRows(read(root, 'README.md') ?? '');
  const e2e = files(root, 'tests/e2e', /\.test\.ts$/);
  const unit = files(root, 'tests/unit', /\.test\.tsx?$/);

  for (const s of sites) {
    const at = `${s.id || s.file}`;
    if (!s.id || !s.name) {
      problems.push(`${s.file}: defineSite needs a literal id and name`);
      continue;
    }
    if (!s.adapter) problems.push(`${at}: ${s.file} exports no SupportedSiteAdapter`);
    else if (!new RegExp(`\\b${s.adapter}\\b`).test(listed))
      problems.push(`${at}: adapter ${s.adapter} is not listed in ADAPTERS (${SITES_DIR}/index.ts)`);
    for (const f of ['index.html', 'app.js'])
      if (!existsSync(join(root, 'server/demo/pages', s.id, f)))
        problems.push(`${at}: no fixture page server/demo/pages/${s.id}/${f}`);
    if (!new RegExp(`\\bsite:\\s*'${escapeRe(s.id)}'`).test(drafts))
      problems.push(`${at}: no sandbox drafts (site: '${s.id}') in server/demo/sandbox-drafts.ts`);
    if (!rows.some((r) => new RegExp(`^${escapeRe(s.name)}\\b`).test(r)))
      problems.push(`${at}: no row for ${s.name} in the README's "Supported sites" table`);
    const opens = new RegExp(`\\b(?:openFixture|routeFixture)\\([^)]*['"]${escapeRe(s.id)}['"]`);
    if (!e2e.some((f) => opens.test(f.text))) problems.push(`${at}: no e2e test in tests/e2e/ opens its fixture`);
    const calls = s.adapter ? new RegExp(`\\b${s.adapter}\\.(?:readContext|findTargets)\\(`) : null;
    if (!calls || !unit.some((f) => calls.test(f.text)))
      problems.push(
        `${at}: no unit test in tests/unit/ calls the adapter (${s.adapter ?? '?'}.readContext/findTargets)`,
      );
  }

  const ids = new Set(sites.map((s) => s.id));
  const pagesDir = join(root, 'server/demo/pages');
  if (existsSync(pagesDir)) {
    for (const d of readdirSync(pagesDir, { withFileTypes: true })) {
      if (!d.isDirectory() || d.name === 'node_modules') continue;
      if (existsSync(join(pagesDir, d.name, 'index.html')) && !ids.has(d.name))
        problems.push(`${d.name}: fixture page server/demo/pages/${d.name}/ has no site file with a descriptor`);
    }
  }
  return problems;
}
