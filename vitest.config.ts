import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';
import { PREACT_FOR_REACT } from './wxt.config';

const PREACT_AS_REACT = fileURLToPath(new URL('tests/unit/preact-as-react.ts', import.meta.url));

// Three suites, all run by `npm test`:
// unit (happy-dom + WXT's fake browser), api (the real server on SQLite and PostgreSQL),
// e2e (real Chromium with the production build; see tests/e2e/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [WxtVitest()],
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['tests/unit/setup.ts'],
        },
      },
      {
        // The panel's component tests again, on preact/compat: the renderer the content script ships
        // with (wxt.config.ts aliases React to it for that bundle only).
        plugins: [WxtVitest()],
        resolve: {
          // wxt.config.ts's aliases, but `react` also carries `act` for the tests (preact-as-react.ts).
          alias: PREACT_FOR_REACT.map((a) =>
            String(a.find) === String(/^react$/) ? { ...a, replacement: PREACT_AS_REACT } : a,
          ),
        },
        test: {
          name: 'panel-preact',
          include: ['tests/unit/panel.test.tsx', 'tests/unit/panel-card.test.tsx'],
          // Transformed by Vite, so the aliases above reach the virtual list's own `react` imports.
          server: { deps: { inline: ['@tanstack/react-virtual'] } },
          environment: 'happy-dom',
          setupFiles: ['tests/unit/setup.ts'],
        },
      },
      {
        test: {
          name: 'api',
          include: ['tests/api/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['tests/api/setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two e2e files at a time, after the unit and API files (which keep vitest's default of one
          // worker fewer than the cores: CPU-bound, with timing bounds of their own). An e2e file
          // spends most of its time waiting on the product's own timers (undo windows, syncs,
          // retries): ~15% of a core measured for sent.test.ts, so two side by side take about as
          // long each as one alone. Each file has its own browser profile, server, database and
          // ports; the extension is built once before any file runs (tests/e2e/global-setup.ts).
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
        },
      },
    ],
  },
});
