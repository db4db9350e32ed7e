/**
 * The ledger's folder and files are the owner's only (0700 / 0600): made so when
 * new, tightened when an older, looser ledger is opened, with the WAL and its
 * shared-memory file in use.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidV7, type PaymentDoc } from '../../core/index.ts';
import { openLedger } from '../index.ts';

const root = mkdtempSync(join(tmpdir(), 'edgepay-modes-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Every folder and file below `top`, `top` included, with its permission bits. */
function modes(top: string): Map<string, number> {
  const found = new Map<string, number>();
  const visit = (path: string) => {
    const stat = lstatSync(path);
    found.set(path, stat.mode & 0o777);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(top);
  return found;
}

function assertOwnerOnly(top: string): void {
  for (const [path, mode] of modes(top)) {
    const want = lstatSync(path).isDirectory() ? 0o700 : 0o600;
    assert.equal(mode.toString(8), want.toString(8), `${path} is ${mode.toString(8)}`);
  }
}

function payment(): PaymentDoc {
  const at = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId: 'site-1',
    gatewayId: 'gw-1',
    flow: 'kiosk',
    amount: 4500,
    currency: 'KRW',
    method: 'card-terminal',
    token: 'tok_test_visa',
    lineItems: [{ sku: 'TEA', name: 'Green tea', quantity: 3, unitAmount: 1500, lineAmount: 4500 }],
    createdAt: at,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at, by: 'gateway' }],
  };
}

describe('ledger file modes', () => {
  it('creates its folders 0700 and its database, WAL and shared-memory files 0600', async () => {
    // Missing parents too: the gateway's data folder is made by the ledger.
    const directory = join(root, 'new', 'gateway', 'ledger');
    const ledger = await openLedger({ directory });
    try {
      await ledger.db.payments.insert(payment());
      assert.ok(existsSync(`${ledger.filePath}-wal`), 'the WAL is there while the ledger is open');
      assert.ok(existsSync(`${ledger.filePath}-shm`));
      assertOwnerOnly(join(root, 'new'));
    } finally {
      await ledger.close();
    }
    assertOwnerOnly(join(root, 'new'));
  });

  it('tightens an existing ledger that anyone could read or write when it opens it', async () => {
    const directory = join(root, 'old');
    const first = await openLedger({ directory });
    await first.db.payments.insert(payment());
    // Left open by a crash (the WAL still there), then loosened, as files of an older version were.
    const loosen = () => {
      chmodSync(directory, 0o777);
      for (const name of readdirSync(directory)) chmodSync(join(directory, name), 0o666);
    };
    loosen();
    assert.equal(lstatSync(first.filePath).mode & 0o777, 0o666);
    await first.close();
    loosen();
    const second = await openLedger({ directory });
    try {
      assert.equal(await second.db.payments.count().exec(), 1);
      assertOwnerOnly(directory);
    } finally {
      await second.close();
    }
  });
});
