import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The server's default log writer (server/log.ts) writes lines after the current turn of the
// event loop; nothing may be lost or reordered on the way, an exit in the same turn included.

const log = new URL('../../server/log.ts', import.meta.url).pathname;
const run = (body: string) =>
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { jsonLogger } = await import(${JSON.stringify(log)});\n${body}`,
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; level: string; n?: number });

describe('JSON log lines on stdout', () => {
  it('come out in order, after the turn that logged them', () => {
    const lines = run(`
      const l = jsonLogger();
      l.info('first', { n: 1 });
      process.stdout.write(JSON.stringify({ msg: 'same turn, written directly', level: 'x' }) + '\\n');
      l.warn('second', { n: 2 });
      setTimeout(() => l.error('third', { n: 3 }), 5);`);
    expect(lines.map((l) => l.msg)).toEqual(['same turn, written directly', 'first', 'second', 'third']);
    expect(lines.map((l) => l.level)).toEqual(['x', 'info', 'warn', 'error']);
  });

  it('are all written when the process exits in the same turn', () => {
    let out = '';
    try {
      run(`
        const l = jsonLogger();
        for (let n = 0; n < 1000; n++) l.info('line', { n });
        process.exit(3);`);
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '');
      expect((e as { status?: number }).status).toBe(3);
    }
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { n: number });
    expect(lines.map((l) => l.n)).toEqual(Array.from({ length: 1000 }, (_, n) => n));
  });
});
