/**
 * `npm run ledger:check` as a person runs it: exit 0 on a healthy ledger,
 * exit 1 with the violation printed after an error is planted (a total
 * tampered with as superuser), on a PGlite directory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../start-server.ts';
import { openAccount, transfer } from './index.ts';

const root = join(import.meta.dirname, '..', '..');

function runCheck(dir: string): { status: number | null; stdout: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, EDGEPAY_PGLITE_DIR: dir };
  delete env['DATABASE_URL'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/ledger-check-cli.ts'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout + r.stderr };
}

describe('npm run ledger:check', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgepay-ledger-check-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on a healthy ledger and 1 on a planted error', async () => {
    let db = await openDatabase({ pgliteDir: dir });
    await openAccount(db, { id: 'cli-a', kind: 'issuer_float', currency: 'KRW' });
    await openAccount(db, { id: 'cli-b', kind: 'merchant_payable', currency: 'KRW' });
    await transfer(db, { id: 'cli-t1', debitAccountId: 'cli-a', creditAccountId: 'cli-b', amount: 900, currency: 'KRW', code: 'capture' });
    await db.close();

    const healthy = runCheck(dir);
    assert.equal(healthy.status, 0, healthy.stdout);
    assert.match(healthy.stdout, /2 accounts, 1 transfers/);
    assert.match(healthy.stdout, /ledger OK/);

    db = await openDatabase({ pgliteDir: dir });
    await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL session_replication_role = replica`);
      await tx.query(`UPDATE ledger_accounts SET debits_posted = debits_posted - 1 WHERE id = 'cli-a'`);
    });
    await db.close();

    const broken = runCheck(dir);
    assert.equal(broken.status, 1, broken.stdout);
    assert.match(broken.stdout, /VIOLATION \[debits-equal-credits\] KRW/);
    assert.match(broken.stdout, /VIOLATION \[totals-equal-transfers\] account cli-a/);
  });
});
