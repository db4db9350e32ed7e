/**
 * The server's PGlite folder is the owner's only (folders 0700, files 0600):
 * PGlite itself makes its files 0666 (see owner-only.ts), and its WAL holds card
 * tokens and the hash of every gateway's secret.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../start-server.ts';
import { makeOwnerOnlyFile } from './owner-only.ts';

const root = mkdtempSync(join(tmpdir(), 'edgepay-pglite-modes-'));
after(() => rmSync(root, { recursive: true, force: true }));
const adminToken = 'file-modes-admin-token-0123456789';

/** Folders and files below `top` whose mode is not owner-only. */
function loose(top: string): string[] {
  const found: string[] = [];
  let files = 0;
  const visit = (path: string) => {
    const stat = lstatSync(path);
    const want = stat.isDirectory() ? 0o700 : 0o600;
    if (!stat.isDirectory()) files++;
    if ((stat.mode & 0o777) !== want) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(top);
  assert.ok(files > 100, `a PGlite data folder holds hundreds of files, found ${files}`);
  return found;
}

describe('PGlite file modes', () => {
  it('makes the data folder owner-only when new, keeps it so while serving, and tightens a loosened one on open', async () => {
    const dataDir = join(root, 'data', 'server');
    const server = await startServer({ pgliteDir: dataDir, adminToken });
    try {
      // Writes that reach the WAL: a gateway enrolled (the hash of its secret).
      const res = await fetch(`${server.url}/admin/gateways`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ siteId: 'site-modes', name: 'modes' }),
      });
      assert.equal(res.status, 201, await res.text());
      assert.equal(lstatSync(join(root, 'data')).mode & 0o777, 0o700, 'the parent made for it too');
      assert.deepEqual(loose(dataDir), [], 'owner-only while serving');
    } finally {
      await server.close();
    }
    assert.deepEqual(loose(dataDir), [], 'owner-only at rest');

    // A folder of an older version: everything readable and writable by anyone.
    const loosen = (path: string) => {
      const stat = lstatSync(path);
      chmodSync(path, stat.isDirectory() ? 0o777 : 0o666);
      if (stat.isDirectory()) for (const name of readdirSync(path)) loosen(join(path, name));
    };
    loosen(dataDir);
    assert.notDeepEqual(loose(dataDir), []);
    const again = await startServer({ pgliteDir: dataDir, adminToken });
    try {
      assert.deepEqual(loose(dataDir), [], 'tightened on open');
    } finally {
      await again.close();
    }
  });

  it('writes its log file owner-only (0600); a loosened one is tightened, keeping what it held', async () => {
    const file = join(root, 'server.log');
    const server = await startServer({ pgliteDir: join(root, 'log-server'), adminToken, logger: { level: 'info', file } });
    try {
      await fetch(`${server.url}/healthz`);
      assert.equal(lstatSync(file).mode & 0o777, 0o600, 'new log file');
    } finally {
      await server.close();
    }
    assert.match(readFileSync(file, 'utf8'), /"msg"/, 'the log was written');
    // What the server does first with a log file of an older version (one server start is 20-40 s here).
    const old = join(root, 'old.log');
    writeFileSync(old, '{"msg":"before"}\n');
    chmodSync(old, 0o644);
    makeOwnerOnlyFile(old);
    assert.equal(lstatSync(old).mode & 0o777, 0o600, 'loosened log file');
    assert.equal(readFileSync(old, 'utf8'), '{"msg":"before"}\n', 'its contents kept');
  });
});
