/**
 * Benchmark (prints figures; not a timed test): main-thread cost of the site adapters' page
 * observers on a page making ~1,000 DOM mutations a second (issue 4 target: < 5 %).
 *
 *   npx tsx scripts/bench-observers.ts [seconds-per-phase]
 *
 * For each fixture page (real Chromium, real URL via context.route, lib in an isolated world like a
 * content script) a page script makes 10 mutations every 10 ms inside the app's own containers
 * (append + remove nodes, text edits, class toggles — class is watched on Salesforce). Phases
 * alternate: observers off / on. The cost is the difference in the renderer's main-thread busy time
 * (CDP Performance.getMetrics TaskDuration) divided by wall time; the share of it spent in our code
 * (context re-reads) is measured directly. Also prints the gzipped size of lib/sites + lib/apply.
 */
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { FIXTURE_SITES, type FixtureSite } from '../server/demo/pages/index';
import { bundle, type Isolated, launch, openFixture } from '../tests/e2e/adapters-harness';

const PHASE_S = Number(process.argv[2] ?? 3);

/** Where each page's own churn happens (the app containers an adapter must watch); else the body. */
const CHURN_ROOT: Partial<Record<FixtureSite, string>> = {
  gmail: '[role=main]',
  outlook: '#reading-pane',
  hubspot: '[data-test-id="middle-pane"]',
  salesforce: '.windowViewMode-normal.active',
};

async function startChurn(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const root = document.querySelector(sel)!;
    const box = document.createElement('div');
    box.setAttribute('data-churn', '');
    root.append(box);
    let n = 0;
    const w = window as unknown as { __churn?: number; __mutations?: number };
    w.__mutations = 0;
    // 10 mutations every 10 ms ≈ 1,000/s: what a busy app (live timelines, presence, spinners) does.
    w.__churn = window.setInterval(() => {
      for (let i = 0; i < 10; i++) {
        const k = n++ % 4;
        if (k === 0) {
          const d = document.createElement('div');
          d.textContent = `item ${n}`;
          box.append(d);
        } else if (k === 1) box.firstElementChild?.remove();
        else if (k === 2) (box.lastElementChild ?? box).classList.toggle('is-hot');
        else if (box.lastElementChild) box.lastElementChild.textContent = `changed ${n}`;
        w.__mutations!++;
      }
    }, 10);
  }, selector);
}

async function taskDuration(cs: Isolated): Promise<number> {
  const { metrics } = (await cs.cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === 'TaskDuration')!.value;
}

async function phase(page: Page, cs: Isolated): Promise<{ busy: number; mutations: number }> {
  const m0 = await page.evaluate(() => (window as unknown as { __mutations: number }).__mutations);
  const t0 = await taskDuration(cs);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, PHASE_S * 1000));
  const t1 = await taskDuration(cs);
  const w1 = performance.now();
  const m1 = await page.evaluate(() => (window as unknown as { __mutations: number }).__mutations);
  const wall = (w1 - w0) / 1000;
  return { busy: (t1 - t0) / wall, mutations: (m1 - m0) / wall };
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

async function main() {
  const code = await bundle();
  console.log(
    `lib/sites + lib/apply bundle: ${(code.length / 1024).toFixed(1)} kB minified, ${(gzipSync(code).length / 1024).toFixed(1)} kB gzipped`,
  );
  console.log(`phases of ${PHASE_S} s, alternating observers off/on, 2 rounds\n`);
  const browser = await launch();
  try {
    for (const site of FIXTURE_SITES) {
      const { context, page, cs } = await openFixture(browser, site);
      await cs.cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
      // A realistic state: a compose / an edit form open.
      await page.evaluate((s) => {
        const f = (window as unknown as { __fixture: Record<string, (...a: unknown[]) => unknown> }).__fixture;
        if (s === 'gmail') f.openCompose!({ to: [{ email: 'ana@acme.example', name: 'Ana Lopez' }] });
        if (s === 'outlook') f.openCompose!({ to: [{ email: 'ana@acme.example', name: 'Ana Lopez' }] });
        if (s === 'hubspot') f.setEditing!(true);
        if (s === 'salesforce') f.edit!();
      }, site);
      // Single read costs (what one debounced flush costs).
      const single = await cs.run<{ read: number; targets: number }>(`
        const draft = { kind: 'email', target: { email: 'ana@acme.example' }, content: { subject: 's', body: 'b' } };
        // performance.now() is coarsened to 0.1 ms here: time 500 runs and divide.
        const time = (fn) => { const t = performance.now(); for (let i = 0; i < 500; i++) fn(); return (performance.now() - t) / 500; };
        return { read: time(() => cs.adapter.readContext(document)), targets: time(() => cs.adapter.findTargets(document, draft)) };
      `);
      // In-app change → onChange latency (both worlds share the page's performance.now() origin).
      await cs.run('cs.watch();');
      const t0 = await page.evaluate((s) => {
        const f = (window as unknown as { __fixture: Record<string, (...a: unknown[]) => unknown> }).__fixture;
        const t = performance.now();
        if (s === 'gmail') f.openThread!('thread-f:1780000000000000002');
        if (s === 'outlook') f.select!((f as unknown as { conversations: string[] }).conversations[1]);
        if (s === 'hubspot') f.goto!('502');
        if (s === 'salesforce') f.open!('003Hs00004BenOkAAA');
        return t;
      }, site);
      await page.waitForTimeout(300);
      const latency = await cs.run<number | null>(
        `const e = cs.events[0]; cs.ctrl.abort(); return e ? e.at - ${t0} : null;`,
      );
      await startChurn(page, CHURN_ROOT[site] ?? 'body');
      // Our own time: the watcher with readContext timed (same code path as adapter.watch).
      await cs.run(`
        cs.ourMs = 0; cs.flushes = 0; cs.changes = 0;
        cs.startWatch = () => {
          cs.wctrl = new AbortController();
          const read = (d) => { const t = performance.now(); const r = cs.adapter.readContext(d); cs.ourMs += performance.now() - t; cs.flushes++; return r; };
          const attributeFilter = cs.adapter.id === 'salesforce' ? ['class'] : cs.adapter.id === 'hubspot' ? ['hidden', 'style'] : cs.adapter.id === 'outlook' ? ['aria-selected'] : undefined;
          cs.sites.watchContext({ doc: document, signal: cs.wctrl.signal, read, onChange: () => cs.changes++, attributeFilter });
        };
        cs.stopWatch = () => cs.wctrl.abort();
      `);
      const off: number[] = [];
      const on: number[] = [];
      let rate = 0;
      let ours = 0;
      let flushes = 0;
      for (let round = 0; round < 2; round++) {
        off.push((await phase(page, cs)).busy);
        await cs.run('cs.ourMs = 0; cs.flushes = 0; cs.startWatch();');
        const p = await phase(page, cs);
        on.push(p.busy);
        rate = p.mutations;
        const o = await cs.run<{ ms: number; flushes: number }>(
          'cs.stopWatch(); return { ms: cs.ourMs, flushes: cs.flushes };',
        );
        ours += o.ms / (PHASE_S * 1000);
        flushes += o.flushes / PHASE_S;
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(
        `${site.padEnd(10)} mutations ${rate.toFixed(0)}/s | main thread busy: off ${pct(mean(off))}, on ${pct(mean(on))} → observer cost ${pct(Math.max(0, mean(on) - mean(off)))}` +
          ` | change→onChange ${latency === null ? 'n/a' : `${latency.toFixed(0)} ms`}` +
          ` | our reads ${pct(ours / 2)} (${(flushes / 2).toFixed(1)} re-reads/s) | one readContext ${single.read.toFixed(3)} ms, findTargets ${single.targets.toFixed(3)} ms`,
      );
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

await main();
