/**
 * Reads every import in the tree and fails when a folder imports what
 * DESIGN.md section 2 forbids. The rule checker is itself tested on small
 * bad samples first, so a checker that finds nothing cannot pass silently.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { FOLDERS, checkFile, findImports } from './architecture.ts';

const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name)) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

describe('architecture rules checker', () => {
  it('finds static, type-only, re-export, dynamic and require imports, ignoring comments', () => {
    const refs = findImports(`
      import a from 'pkg-a';
      import type { B } from './b.ts';
      import { type C, type D } from '../c/index.ts';
      import { type E, f } from 'pkg-e';
      export * from './x.ts';
      // import nope from 'commented-out';
      /* import nope2 from 'block-comment'; */
      const g = await import('pkg-g');
      const h = require('pkg-h');
      import 'side-effect';
    `);
    assert.deepEqual(
      refs.map((r) => [r.specifier, r.typeOnly]).sort(),
      [
        ['../c/index.ts', true],
        ['./b.ts', true],
        ['./x.ts', false],
        ['pkg-a', false],
        ['pkg-e', false],
        ['pkg-g', false],
        ['pkg-h', false],
        ['side-effect', false],
      ].sort(),
    );
  });

  it('flags each forbidden kind of import', () => {
    const bad: [string, string, RegExp][] = [
      ['core/money.ts', "import { x } from '../sync/index.ts';", /core may not import sync/],
      ['core/money.ts', "import { readFileSync } from 'node:fs';", /core may not use Node APIs/],
      ['core/money.ts', "import { createRxDatabase } from 'rxdb';", /core may import packages only as types/],
      ['renderer/app.ts', "import { x } from '../sync/index.ts';", /renderer may not import sync/],
      ['renderer/app.ts', "import { x } from '../edge-services/index.ts';", /renderer may not import edge-services/],
      ['renderer/app.ts', "import fs from 'fs';", /renderer may not use Node APIs/],
      ['server/app.ts', "import { getRxStorageSQLite } from '../sync/index.ts';", /server may not import sync/],
      ['server/app.ts', "import type { PullResponse } from '../sync/index.ts';", /server may not import sync/],
      ['server/app.ts', "import { x } from '../edge-services/index.ts';", /server may not import edge-services/],
      ['sync/x.ts', "import { x } from '../server/index.ts';", /sync may not import server/],
      ['sync/x.ts', "import { x } from '../core/money.ts';", /reach core through core\/index.ts only/],
      ['main/x.ts', "import { x } from '../sync/index.ts';", /main may not import sync/],
      ['edge-services/x.ts', "import { x } from '../renderer/index.ts';", /edge-services may not import renderer/],
      ['sync/x.test.ts', "import { x } from '../server/index.ts';", /sync may not import server/],
      // Inside server/: contexts through their index.ts, one way, no flow to flow, no context to the root.
      ['server/replication/routes.ts', "import { audit } from '../payments/audit.ts';", /reach server\/payments through server\/payments\/index\.ts only/],
      ['server/replication/routes.ts', "import { audit } from '../payments/index.ts';", /server\/replication may not import server\/payments/],
      ['server/db/db.ts', "import { x } from '../ledger/index.ts';", /server\/db may not import server\/ledger/],
      ['server/flows/cart/plugin.ts', "import { x } from '../elevator/index.ts';", /one flow may not import another/],
      ['server/payments/x.ts', "import { buildApp } from '../app.ts';", /no context imports the composition root/],
      ['server/payments/x.ts', "import { x } from '../mystery/index.ts';", /not a known context/],
      ['server/payments/x.ts', "import { x } from '../testing/index.ts';", /only tests and server\/testing may import server\/testing/],
    ];
    for (const [path, source, expected] of bad) {
      const problems = checkFile(path, source);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `${path}: ${source} → ${JSON.stringify(problems)}`,
      );
    }
  });

  it('accepts what the rules allow', () => {
    const good: [string, string][] = [
      ['core/money.ts', "import type { RxJsonSchema } from 'rxdb';"],
      ['core/money.ts', "import { add } from './currencies.ts';"],
      ['core/money.test.ts', "import { test } from 'node:test';"],
      ['sync/ledger.ts', "import { EdgePayError } from '../core/index.ts';"],
      ['server/app.ts', "import type { PullResponse } from '../core/index.ts';"],
      ['edge-services/gw.ts', "import { openLedger } from '../sync/index.ts';"],
      ['main/main.ts', "import { startGateway } from '../edge-services/index.ts';"],
      ['server/payments/authority.ts', "import { x } from '../replication/index.ts';"],
      ['server/payments/authority.ts', "import { x } from './audit.ts';"],
      ['server/flows/cart/plugin.ts', "import { x } from '../../payments/index.ts';"],
      ['server/flows/cart/plugin.ts', "import { x } from './basket.ts';"],
      ['server/app.ts', "import { x } from './payments/index.ts';"],
      ['server/payments/payments.test.ts', "import { x } from '../testing/databases.ts';"],
    ];
    for (const [path, source] of good) assert.deepEqual(checkFile(path, source), [], `${path}: ${source}`);
  });
});

describe('the tree obeys DESIGN.md section 2', () => {
  it('has every folder with an index.ts as its public surface', () => {
    for (const folder of FOLDERS.filter((f) => f !== 'tests')) {
      assert.ok(existsSync(join(root, folder, 'index.ts')), `${folder}/index.ts exists`);
    }
  });

  it('has no forbidden import anywhere', () => {
    // This file's own samples of bad imports are data, not imports.
    const files = sourceFiles(root).filter((f) => f !== 'tests/architecture.test.ts');
    assert.ok(files.length > 20, `found ${files.length} source files`);
    const problems = files.flatMap((f) => checkFile(f, readFileSync(join(root, f), 'utf8')));
    assert.deepEqual(problems, []);
  });

  it('type-checks core without Node or DOM types, so Node- and browser-only APIs fail the build', () => {
    const config = JSON.parse(readFileSync(join(root, 'core', 'tsconfig.json'), 'utf8'));
    assert.deepEqual(config.compilerOptions.types, []);
    assert.ok(!config.compilerOptions.lib.some((l: string) => /dom/i.test(l)));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.typecheck, /tsc -p core\/tsconfig\.json/);
  });
});
