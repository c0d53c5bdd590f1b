/**
 * Every supported site comes with everything a site needs (tests/helpers/site-conventions.ts):
 * checked on the real tree, and on broken copies of it so the check is seen to fail.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SITES } from '../../lib/page/sites';
import { descriptorProblems } from '../../lib/shared/sites';
import { CONVENTION_INPUTS, siteConventionProblems, siteFiles } from '../helpers/site-conventions';

const ROOT = process.cwd();

describe('site conventions', () => {
  it('every site file with a descriptor has its registry entry, fixture page, sandbox drafts, README row and tests', () => {
    expect(siteConventionProblems(ROOT)).toEqual([]);
  });

  it('the site files found are exactly the registry, and every descriptor is sound', () => {
    // The check finds sites by reading the files; the registry is what the extension runs.
    expect(siteFiles(ROOT).map((s) => s.id)).toEqual([...SITES.map((s) => s.id)].sort());
    expect(SITES.flatMap(descriptorProblems)).toEqual([]);
    expect(
      descriptorProblems({
        id: 'pipedrive',
        name: '',
        matches: ['http://*/*'],
        sandbox: { origin: 'https://x.example/app', path: 'deals' },
      }),
    ).toEqual([
      'pipedrive: empty name',
      'pipedrive: match pattern http://*/* is not https://host/*',
      'pipedrive: sandbox origin must be a bare origin',
      'pipedrive: sandbox origin https://x.example/app is not covered by its match patterns',
      'pipedrive: sandbox path must start with /',
    ]);
  });

  it('the README\'s "Adding a site" section names what the check asks for', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = /^## Adding a site\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1] ?? '';
    for (const needed of [
      'lib/page/sites/<site>.ts',
      'defineSite',
      'ADAPTERS',
      'server/demo/pages/<site>/',
      'server/demo/sandbox-drafts.ts',
      'Supported sites',
      'tests/e2e/',
      'tests/unit/',
      'tests/unit/site-conventions.test.ts',
    ])
      expect(section, needed).toContain(needed);
  });
});

describe('site conventions on a broken tree', () => {
  let tree: string | null = null;
  afterEach(() => {
    if (tree) rmSync(tree, { recursive: true, force: true });
    tree = null;
  });

  /** A copy of what the check reads (no node_modules). */
  function copyTree(): string {
    const dir = mkdtempSync(join(tmpdir(), 'cs-sites-'));
    for (const p of CONVENTION_INPUTS)
      cpSync(join(ROOT, p), join(dir, p), { recursive: true, filter: (src) => !src.includes('node_modules') });
    tree = dir;
    return dir;
  }

  it('the copy passes as the real tree does', () => {
    expect(siteConventionProblems(copyTree())).toEqual([]);
  });

  it('reports exactly a missing fixture page and a missing README row', () => {
    const dir = copyTree();
    rmSync(join(dir, 'server/demo/pages/outlook'), { recursive: true });
    const readme = join(dir, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const row = text.split('\n').find((l) => l.startsWith('| HubSpot '))!;
    writeFileSync(readme, text.replace(`${row}\n`, ''));
    expect(siteConventionProblems(dir)).toEqual([
      'hubspot: no row for HubSpot in the README\'s "Supported sites" table',
      'outlook: no fixture page server/demo/pages/outlook/index.html',
      'outlook: no fixture page server/demo/pages/outlook/app.js',
    ]);
  });

  it('a new site file alone is reported for everything it lacks; a page with no site too', () => {
    const dir = copyTree();
    writeFileSync(
      join(dir, 'lib/page/sites/pipedrive.ts'),
      `import { defineSite } from '../../shared/sites';
import type { SupportedSiteAdapter } from './types';

export const PIPEDRIVE_SITE = defineSite({
  id: 'pipedrive',
  name: 'Pipedrive',
  matches: ['https://*.pipedrive.com/*'],
  sandbox: { origin: 'https://countersign.pipedrive.com', path: '/person/1' },
});

export const pipedrive: SupportedSiteAdapter<typeof PIPEDRIVE_SITE> = null!;
`,
    );
    cpSync(join(dir, 'server/demo/pages/gmail'), join(dir, 'server/demo/pages/close'), { recursive: true });
    expect(siteConventionProblems(dir)).toEqual([
      'pipedrive: adapter pipedrive is not listed in ADAPTERS (lib/page/sites/index.ts)',
      'pipedrive: no fixture page server/demo/pages/pipedrive/index.html',
      'pipedrive: no fixture page server/demo/pages/pipedrive/app.js',
      "pipedrive: no sandbox drafts (site: 'pipedrive') in server/demo/sandbox-drafts.ts",
      'pipedrive: no row for Pipedrive in the README\'s "Supported sites" table',
      'pipedrive: no e2e test in tests/e2e/ opens its fixture',
      'pipedrive: no unit test in tests/unit/ calls the adapter (pipedrive.readContext/findTargets)',
      'close: fixture page server/demo/pages/close/ has no site file with a descriptor',
    ]);
  });
});
