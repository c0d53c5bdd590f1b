import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The import rules of docs/architecture.md, as data: for each part of the tree (first matching
 * rule wins), which parts of the tree and which packages its files may import. A path says where
 * code runs; these rules keep it true.
 */
export interface ImportRule {
  /** Files this rule covers (a path prefix relative to the repository root). */
  files: string;
  /** What it is, for the failure message. */
  what: string;
  /** Tree prefixes it may import. */
  mayImport: string[];
  /** Packages it may import (a trailing `/` or `:` allows a prefix: `wxt/utils/`, `node:`); `*` = any. */
  packages: string[] | '*';
}

export const REGISTRY = 'lib/page/sites/index.ts';

export const IMPORT_RULES: ImportRule[] = [
  {
    files: 'lib/shared/schema/',
    what: 'schemas (the only source of types)',
    mayImport: ['lib/shared/schema/'],
    packages: ['zod'],
  },
  { files: 'lib/shared/', what: 'shared code (runs anywhere)', mayImport: ['lib/shared/'], packages: ['zod'] },
  {
    files: 'lib/worker/',
    what: 'service-worker code',
    mayImport: ['lib/shared/', 'lib/worker/'],
    packages: ['zod', 'dexie', 'wxt/browser'],
  },
  {
    files: 'lib/client/',
    what: "the protocol's client half",
    mayImport: ['lib/shared/', 'lib/client/'],
    packages: ['zod', 'wxt/browser', 'react'],
  },
  {
    files: 'lib/page/',
    what: 'content-script code',
    mayImport: ['lib/shared/', 'lib/client/', 'lib/page/'],
    packages: ['zod'],
  },
  {
    files: 'components/panel/',
    what: 'the panel (content script)',
    mayImport: ['lib/shared/', 'lib/client/', 'lib/page/', 'components/panel/'],
    packages: ['react', '@tanstack/react-virtual'],
  },
  {
    files: 'components/',
    what: 'extension pages',
    mayImport: ['lib/shared/', 'lib/client/', 'components/', REGISTRY],
    packages: ['react', 'react-dom', 'wxt/browser', 'zod'],
  },
  {
    files: 'entrypoints/background.ts',
    what: 'the service worker entry',
    mayImport: ['lib/worker/'],
    packages: ['wxt/utils/define-background'],
  },
  {
    files: 'entrypoints/review.content/',
    what: 'the review content script entry',
    mayImport: ['lib/shared/', 'lib/client/', 'lib/page/', 'components/panel/', 'entrypoints/review.content/'],
    packages: ['react', 'react-dom', 'react-dom/client', 'wxt/browser', 'wxt/utils/'],
  },
  {
    files: 'entrypoints/bridge.content.ts',
    what: 'the main-world bridge entry',
    mayImport: ['lib/page/apply/bridge.ts', REGISTRY, 'lib/page/sites/', 'lib/shared/'],
    packages: ['wxt/utils/'],
  },
  {
    files: 'entrypoints/open-link.content.ts',
    what: 'the open-link content script entry (registered at run time on the server’s /open pages)',
    mayImport: ['lib/shared/', 'lib/client/'],
    packages: ['wxt/utils/'],
  },
  {
    files: 'entrypoints/',
    what: 'extension page entries',
    mayImport: ['components/'],
    packages: ['react', 'react-dom', 'react-dom/client'],
  },
  {
    files: 'server/demo/',
    what: 'the demo and sandbox (server side)',
    mayImport: ['lib/shared/', 'server/', REGISTRY, 'lib/page/sites/'],
    packages: '*',
  },
  { files: 'server/', what: 'the review server', mayImport: ['lib/shared/', 'server/'], packages: '*' },
  { files: 'sdk/', what: 'the pipeline SDK', mayImport: ['lib/shared/', 'sdk/'], packages: '*' },
];

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

const CODE = /\.(ts|tsx|mts)$/;
// Static imports and re-exports, dynamic imports, and `import x = require()` forms.
const SPECIFIERS =
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (CODE.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The package name of a bare specifier, with subpaths kept for `wxt/...`-style entries. */
function allowedPackage(spec: string, packages: string[] | '*'): boolean {
  if (packages === '*') return true;
  return packages.some(
    (p) => spec === p || (p.endsWith('/') || p.endsWith(':') ? spec.startsWith(p) : spec.startsWith(`${p}/`)),
  );
}

function resolveTo(root: string, fromFile: string, spec: string): string {
  const abs = resolve(dirname(fromFile), spec);
  const rel = relative(root, abs).split('\\').join('/');
  // A directory import means its index.ts; a bare file import means the .ts/.tsx file.
  for (const candidate of [`${rel}.ts`, `${rel}.tsx`, `${rel}/index.ts`, rel]) {
    try {
      if (statSync(join(root, candidate)).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  return rel;
}

/** Every import in `dirs` (under `root`) that breaks the first rule covering its file. */
export function importViolations(
  root: string,
  dirs = ['lib', 'components', 'entrypoints', 'server', 'sdk'],
  rules = IMPORT_RULES,
): Violation[] {
  const violations: Violation[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = walk(join(root, dir));
    } catch {
      continue;
    }
    for (const file of files) {
      const rel = relative(root, file).split('\\').join('/');
      const rule = rules.find((r) => rel.startsWith(r.files));
      if (!rule) continue;
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(SPECIFIERS)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec) continue;
        if (spec.startsWith('.')) {
          const target = resolveTo(root, file, spec);
          if (!rule.mayImport.some((p) => target.startsWith(p)))
            violations.push({ file: rel, imports: target, rule: rule.what });
        } else if (!allowedPackage(spec, rule.packages)) {
          violations.push({ file: rel, imports: spec, rule: rule.what });
        }
      }
    }
  }
  return violations;
}
