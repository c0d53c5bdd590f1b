import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importViolations } from './import-rules';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('import rules (docs/architecture.md)', () => {
  it('the tree keeps them: a path says where code runs', () => {
    expect(importViolations(ROOT)).toEqual([]);
  });

  describe('on a deliberately broken tree', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cs-imports-'));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(tmp, path)), { recursive: true });
      writeFileSync(join(tmp, path), text);
    };
    put(
      'lib/shared/schema/draft.ts',
      "import { z } from 'zod';\nimport Dexie from 'dexie';\nexport const A = z.string();\n",
    );
    put(
      'lib/shared/schema/ok.ts',
      "import { z } from 'zod';\nimport { A } from './draft';\nexport const B = z.array(A);\n",
    );
    put('lib/worker/db.ts', "import Dexie from 'dexie';\nexport const db = new Dexie('x');\n");
    put('lib/page/panel.ts', "import { db } from '../worker/db';\nexport const x = db;\n");
    put('lib/page/ok.ts', "import { B } from '../shared/schema/ok';\nexport const y = B;\n");
    put(
      'server/app.ts',
      "import { x } from '../lib/page/panel';\nimport { B } from '../lib/shared/schema/ok';\nexport { x, B };\n",
    );
    put('server/fixture.ts', "export * from '../tests/fixtures/index';\n");
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('reports each broken rule with the file and what it imports, and nothing else', () => {
      expect(importViolations(tmp)).toEqual([
        { file: 'lib/page/panel.ts', imports: 'lib/worker/db.ts', rule: 'content-script code' },
        { file: 'lib/shared/schema/draft.ts', imports: 'dexie', rule: 'schemas (the only source of types)' },
        { file: 'server/app.ts', imports: 'lib/page/panel.ts', rule: 'the review server' },
        { file: 'server/fixture.ts', imports: 'tests/fixtures/index', rule: 'the review server' },
      ]);
    });
  });
});
