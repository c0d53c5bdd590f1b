import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

describe('package.json scripts', () => {
  it('has the benchmark scripts', () => {
    expect(pkg.scripts['bench:panel']).toBe('tsx scripts/bench-panel.ts');
    expect(pkg.scripts['bench:extension']).toBe('tsx scripts/bench-extension.ts');
  });

  it('every `tsx <file>` script names a file that exists', () => {
    for (const [name, command] of Object.entries(pkg.scripts)) {
      const file = /^tsx (\S+)/.exec(command)?.[1];
      if (file) expect(existsSync(file), `${name}: ${file}`).toBe(true);
    }
  });
});
