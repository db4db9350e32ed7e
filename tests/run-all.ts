/**
 * Runs every `*.test.ts` in the tree with Node's own test runner (through tsx).
 * Node 20's `--test` does not expand globs, so the files are found here.
 * Test files run one at a time: several of them kill child processes, open
 * sockets or time SQLite, and the machines have two cores.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const skip = new Set(['node_modules', '.git', 'data', 'dist', 'test-artifacts']);

function findTests(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const only = process.argv.slice(2);
const files = findTests(root, [])
  .sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// --test-force-exit: a test file whose test failed before it closed its sockets or
// timers would otherwise keep its process, and the whole run, waiting for ever
// (seen on CI: a failed RxDB suite case left a live replication open).
// --test-timeout: a test that never settles fails after 10 minutes instead of hanging.
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-force-exit', '--test-timeout=600000', ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
