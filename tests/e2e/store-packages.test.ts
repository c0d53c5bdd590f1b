/**
 * `npm run zip` (issue 17): the Chrome Web Store package, AMO's package and AMO's source archive,
 * built as a release would be (the e2e suite's global setup runs `npm run zip` once; the extension
 * the other e2e files load is that build), and checked as a store's review would: what the manifest asks
 * for (no more than the code uses; the sandbox's needs optional), no test-only match patterns, no
 * remote code, icons, Firefox's gecko settings and data collection declaration, and sources without
 * local data.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { SITE_MATCHES } from '../../lib/page/sites';
import { OPEN_LINK_ORIGINS, OPEN_SCRIPT_FILE } from '../../lib/shared/open-link';
import { SANDBOX_ORIGINS, SANDBOX_PERMISSIONS } from '../../lib/shared/sandbox';
import { npmRunZip } from './global-setup';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
const OUT = resolve('.output');
const ZIPS = {
  chrome: join(OUT, `${pkg.name}-${pkg.version}-chrome.zip`),
  firefox: join(OUT, `${pkg.name}-${pkg.version}-firefox.zip`),
  sources: join(OUT, `${pkg.name}-${pkg.version}-sources.zip`),
};

type Files = Record<string, Uint8Array>;
interface Manifest {
  manifest_version: number;
  name: string;
  version: string;
  icons?: Record<string, string>;
  permissions?: string[];
  optional_permissions?: string[];
  host_permissions?: string[];
  optional_host_permissions?: string[];
  content_scripts?: { matches: string[]; js?: string[]; css?: string[]; world?: string }[];
  content_security_policy?: unknown;
  background?: { service_worker?: string; scripts?: string[] };
  options_ui?: { page: string };
  action?: { default_popup?: string };
  web_accessible_resources?: unknown;
  externally_connectable?: unknown;
  browser_specific_settings?: {
    gecko?: { id?: string; strict_min_version?: string; data_collection_permissions?: { required?: string[] } };
  };
}

const zips: Record<keyof typeof ZIPS, Files> = { chrome: {}, firefox: {}, sources: {} };
const manifestOf = (files: Files) => JSON.parse(strFromU8(files['manifest.json']!)) as Manifest;
const code = (files: Files) =>
  Object.entries(files)
    .filter(([name]) => /\.(js|mjs|html)$/.test(name))
    .map(([name, bytes]) => [name, strFromU8(bytes)] as const);

beforeAll(async () => {
  // The suite's global setup ran `npm run zip` (tests/e2e/global-setup.ts): its packages are read
  // here. Without that build (COUNTERSIGN_SKIP_BUILD=1), `npm run zip` runs here.
  if (process.env.COUNTERSIGN_SKIP_BUILD === '1') {
    for (const z of Object.values(ZIPS)) rmSync(z, { force: true });
    await npmRunZip();
  }
  for (const [k, file] of Object.entries(ZIPS)) {
    expect(existsSync(file), `${file} was not built`).toBe(true);
    zips[k as keyof typeof ZIPS] = unzipSync(readFileSync(file));
  }
}, 240_000);

/** Every API permission the manifest may ask for, with what in the code shows it is used. */
const USED_BY: Record<string, RegExp> = {
  storage: /\.storage\.(local|session|sync|onChanged)\b/,
  alarms: /\.alarms\.(create|get|onAlarm|clear)\b/,
  // A quota permission: the extension's IndexedDB (Dexie) may outgrow the default quota.
  unlimitedStorage: /\bindexedDB\b/,
  scripting: /\.scripting\.(registerContentScripts|executeScript)\b/,
};

describe.each(['chrome', 'firefox'] as const)('the %s package', (browser) => {
  it('asks only for what every person uses; the sandbox’s needs are optional', () => {
    const m = manifestOf(zips[browser]);
    expect(m.manifest_version).toBe(3);
    expect(m.version).toBe(pkg.version);
    expect([...(m.permissions ?? [])].sort()).toEqual(['alarms', 'storage', 'unlimitedStorage']);
    expect(m.optional_permissions).toEqual(SANDBOX_PERMISSIONS);
    expect([...(m.host_permissions ?? [])].sort()).toEqual([...SITE_MATCHES].sort());
    // Optional: loopback for the sandbox; the person's own https server for notification links (asked
    // for that one origin from the options page, lib/shared/open-link.ts).
    expect([...(m.optional_host_permissions ?? [])].sort()).toEqual([...SANDBOX_ORIGINS, ...OPEN_LINK_ORIGINS].sort());
    // The open-link script is registered at run time only: built into the package, never in the manifest.
    expect(Object.keys(zips[browser])).toContain(OPEN_SCRIPT_FILE);
    expect((m.content_scripts ?? []).flatMap((c) => c.js ?? [])).not.toContain(OPEN_SCRIPT_FILE);
    // Each permission asked for (optional ones too) is used by the shipped code.
    const all = code(zips[browser])
      .map(([, text]) => text)
      .join('\n');
    for (const p of [...(m.permissions ?? []), ...(m.optional_permissions ?? [])]) {
      expect(USED_BY[p], `no known use for the permission ${p}`).toBeDefined();
      expect(all, `${p} is asked for but not used`).toMatch(USED_BY[p]!);
    }
    expect(m.externally_connectable).toBeUndefined();
    expect(m.web_accessible_resources).toBeUndefined();
  });

  it('has no test-only or over-broad match patterns', () => {
    const m = manifestOf(zips[browser]);
    const patterns = [...(m.host_permissions ?? []), ...(m.content_scripts ?? []).flatMap((c) => c.matches)];
    for (const p of patterns) {
      expect(p).toMatch(/^https:\/\/[a-z0-9*.-]+\.[a-z]+\/\*$/);
      expect(p).not.toMatch(/localhost|127\.0\.0\.1|sandbox|\.test\b|example|<all_urls>|^\*:/);
      expect(SITE_MATCHES).toContain(p);
    }
    // The supported sites, each by its own hosts only (no `https://*/*`).
    expect(patterns.every((p) => !p.startsWith('https://*/'))).toBe(true);
  });

  it('contains no remote code and no code from strings', () => {
    const m = manifestOf(zips[browser]);
    // No content_security_policy: the MV3 default (script-src 'self') stays, no remote origins or eval.
    expect(m.content_security_policy).toBeUndefined();
    for (const [name, text] of code(zips[browser])) {
      expect(text, `${name}: a remote <script>`).not.toMatch(/<script[^>]+src=["']?(https?:)?\/\//i);
      expect(text, `${name}: a remote stylesheet`).not.toMatch(/<link[^>]+href=["']?(https?:)?\/\//i);
      expect(text, `${name}: importScripts`).not.toMatch(/\bimportScripts\s*\(/);
      expect(text, `${name}: eval`).not.toMatch(/\beval\s*\(/);
      expect(text, `${name}: new Function`).not.toMatch(/\bnew\s+Function\s*\(/);
      expect(text, `${name}: import() of a URL`).not.toMatch(/\bimport\s*\(\s*["'`]https?:/);
    }
  });

  it('has its icons, and every file the manifest names is in the package', () => {
    const files = zips[browser];
    const m = manifestOf(files);
    expect(Object.keys(m.icons ?? {}).sort()).toEqual(['128', '16', '32', '48', '96']);
    const named = [
      ...Object.values(m.icons ?? {}),
      ...(m.content_scripts ?? []).flatMap((c) => [...(c.js ?? []), ...(c.css ?? [])]),
      ...(m.background?.service_worker ? [m.background.service_worker] : []),
      ...(m.background?.scripts ?? []),
      ...(m.options_ui ? [m.options_ui.page] : []),
      ...(m.action?.default_popup ? [m.action.default_popup] : []),
    ];
    for (const f of named) expect(files[f], `${f} missing from the ${browser} package`).toBeDefined();
    // Nothing from the development build (WXT's dev reload, sourcemaps).
    expect(Object.keys(files).filter((f) => /\.map$|reload/.test(f))).toEqual([]);
  });
});

describe('Firefox specifics', () => {
  it('declares its gecko id, minimum version and what data it transmits', () => {
    const ff = manifestOf(zips.firefox);
    const gecko = ff.browser_specific_settings?.gecko;
    expect(gecko?.id).toMatch(/^[a-z0-9-]+@[a-z0-9.-]+$/);
    expect(gecko?.strict_min_version).toBe('128.0');
    // Values from Firefox's data collection categories; "none" would be untrue (docs/privacy.md).
    expect(gecko?.data_collection_permissions?.required?.sort()).toEqual([
      'personalCommunications',
      'personallyIdentifyingInfo',
    ]);
    // Only the Firefox package carries the main-world bridge; Chrome's has no gecko settings.
    expect(ff.content_scripts?.some((c) => c.world === 'MAIN')).toBe(true);
    expect(manifestOf(zips.chrome).browser_specific_settings).toBeUndefined();
  });

  it('AMO’s source archive holds what rebuilds the package, and no local data', () => {
    const names = Object.keys(zips.sources);
    for (const f of ['package.json', 'package-lock.json', 'wxt.config.ts', 'tsconfig.json', 'docs/store.md'])
      expect(names).toContain(f);
    for (const dir of ['entrypoints/', 'lib/page/', 'lib/worker/', 'components/', 'public/icon/'])
      expect(
        names.some((n) => n.startsWith(dir)),
        `${dir} in the sources`,
      ).toBe(true);
    const leaked = names.filter((n) =>
      /(^|\/)node_modules\/|^\.output\/|^data\/|\.db$|\.sqlite$|\.log$|^tests\/|(^|\/)\.env/.test(n),
    );
    expect(leaked).toEqual([]);
    // The workspace package the lockfile names is there, so `npm ci` works from the archive.
    expect(names).toContain('server/demo/pages/package.json');
  });
});
