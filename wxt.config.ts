import type { Alias } from 'vite';
import { defineConfig } from 'wxt';
// The site registry's descriptors are data: the manifest's site lists come from them here (one of
// the registry's three importers outside the content script; see lib/page/sites/index.ts).
import { SITE_MATCHES } from './lib/page/sites';
import { OPEN_LINK_ORIGINS } from './lib/shared/open-link';
import { SANDBOX_ORIGINS, SANDBOX_PERMISSIONS } from './lib/shared/sandbox';

/**
 * The review content script is injected into every Gmail, Outlook, HubSpot and Salesforce page, so
 * its size is budgeted (issue 4: ≤ 90 kB gzipped). React DOM 19 alone is ~58 kB of that, so this one
 * bundle renders the same React components with preact/compat (the React API on Preact, ~4 kB);
 * the options page, popup and dashboard keep React DOM. Measured with `npm run bench:panel`:
 * 129.7 kB → ~71 kB gzipped. COUNTERSIGN_CONTENT_RENDERER=react builds the content script with React DOM.
 */
export const PREACT_FOR_REACT: Alias[] = [
  { find: /^react$/, replacement: 'preact/compat' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-dev-runtime' },
];

function toAliasList(alias: unknown): Alias[] {
  if (!alias) return [];
  if (Array.isArray(alias)) return alias as Alias[];
  return Object.entries(alias as Record<string, string>).map(([find, replacement]) => ({ find, replacement }));
}

export default defineConfig({
  // Explicit imports everywhere: the server shares lib/ and must not depend on WXT globals.
  imports: false,
  modules: ['@wxt-dev/module-react', '@wxt-dev/webextension-polyfill'],
  hooks: {
    // The content scripts run on the supported sites only: a content script that names no `matches`
    // gets the site registry's, set here at build time. Importing the registry in the entrypoint
    // instead would bundle every adapter into the Firefox bridge, which must stay tiny (it runs in
    // the page's own world; tests/e2e/firefox-build.test.ts).
    'entrypoints:resolved': (_wxt, entrypoints) => {
      for (const e of entrypoints) {
        // Scripts the worker registers at run time (`registration: 'runtime'`, e.g. the notification
        // links' open-link script, lib/worker/open-link.ts) are not in the manifest and match no site.
        if (e.type === 'content-script' && e.options.registration !== 'runtime' && !e.options.matches?.length)
          e.options.matches = SITE_MATCHES;
      }
    },
    'vite:build:extendConfig': (entrypoints, config) => {
      if (process.env.COUNTERSIGN_CONTENT_RENDERER === 'react') return;
      if (!entrypoints.some((e) => e.type === 'content-script')) return;
      config.resolve ??= {};
      config.resolve.alias = [...PREACT_FOR_REACT, ...toAliasList(config.resolve.alias)];
    },
  },
  // `npm run zip`: the Chrome Web Store package, and AMO's package plus the source archive AMO's
  // reviewers rebuild it from (docs/store.md). The sources leave out local data (the demo database and
  // its tokens), logs, test output and the tests themselves.
  zip: {
    artifactTemplate: '{{name}}-{{version}}-{{browser}}.zip',
    sourcesTemplate: '{{name}}-{{version}}-sources.zip',
    excludeSources: [
      'data/**',
      '**/*.log',
      'coverage/**',
      'test-results/**',
      'tests/**',
      'docs/screenshots/**',
      '.env*',
    ],
  },
  manifest: ({ browser }) => ({
    name: 'Countersign',
    description: 'Review AI-written sales drafts where you work: approve, edit or reject, applied in place.',
    // Only what every person uses. `scripting` and loopback access are for the sandbox pages only:
    // optional, asked for together when "Enable sandbox pages" is switched on (lib/shared/sandbox.ts
    // SANDBOX_REQUEST; lib/worker/sandbox.ts registers the review script there at run time).
    permissions: ['storage', 'alarms', 'unlimitedStorage'],
    optional_permissions: SANDBOX_PERMISSIONS,
    // Only the supported sites (never <all_urls>). The review server is reached through CORS, so it
    // needs no host permission.
    host_permissions: SITE_MATCHES,
    // Notification links (lib/worker/open-link.ts): the person's own review server (https, or loopback
    // as for the sandbox), asked for from the options page for that one origin.
    optional_host_permissions: [...SANDBOX_ORIGINS, ...OPEN_LINK_ORIGINS],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'countersign@countersign.dev',
              // Main-world content scripts (entrypoints/bridge.content.ts) arrived in Firefox 128.
              strict_min_version: '128.0',
              // Decisions carry the approved or edited email text, and CRM updates may carry names,
              // addresses or phone numbers, to the person's own review server (docs/privacy.md).
              data_collection_permissions: { required: ['personalCommunications', 'personallyIdentifyingInfo'] },
            },
          },
        }
      : {}),
  }),
});
