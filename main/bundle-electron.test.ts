/**
 * The packaging bundle builds: three files, the preload one CommonJS file
 * that requires nothing but 'electron' (a sandboxed preload can load nothing else).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleElectron } from './bundle-electron.ts';

describe('electron bundle', () => {
  it('bundles main, preload and the gateway process; the preload requires only electron', { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'edgepay-electron-bundle-'));
    try {
      const files = await bundleElectron(out);
      assert.equal(files.length, 3);
      const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
      const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(required)], ['electron']);
      assert.match(preload, /exposeInMainWorld\(["']edgepay["']/);
      const main = readFileSync(join(out, 'electron-main.mjs'), 'utf8');
      assert.match(main, /from ["']electron["']/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
