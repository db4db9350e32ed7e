/**
 * The ledger's kept count of unsent and declined-after-forward payments
 * (unsent-payments.ts): always what a full read of the ledger finds, through
 * inserts, status changes, deletes and writes made while its first read runs.
 * That it spares the console those reads: tests/console-overview-reads.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseUnsent, uuidV7, type PaymentDoc } from '../../core/index.ts';
import { openLedger, UnsentPayments, type Ledger } from '../index.ts';

function payment(i: number, currency: 'KRW' | 'USD' = 'KRW'): PaymentDoc {
  const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  const amount = 100 + i;
  return {
    id: uuidV7(),
    siteId: 'site-1',
    gatewayId: 'gw-1',
    flow: 'kiosk',
    amount,
    currency,
    method: 'card-terminal',
    lineItems: [{ name: 'item', quantity: 1, unitAmount: amount, lineAmount: amount }],
    createdAt,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
  };
}

let dir: string;
let ledger: Ledger;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgepay-unsent-'));
  ledger = await openLedger({ directory: dir });
});
after(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a full read of the ledger says. */
async function truth() {
  const all = (await ledger.db.payments.find().exec()).map((d) => d.toJSON() as PaymentDoc);
  return {
    unsent: summariseUnsent(all),
    declined: all.filter((p) => p.status === 'declined' && p.offline).length,
  };
}

async function assertMatches(tracker: UnsentPayments, when: string) {
  const expected = await truth();
  assert.deepEqual(await tracker.summary(), expected.unsent, `unsent ${when}`);
  assert.equal(await tracker.declinedAfterForwardCount(), expected.declined, `declined after forward ${when}`);
  const list = await tracker.list();
  assert.equal(list.length, expected.unsent.count, `list ${when}`);
  assert.ok(
    list.every((p, i) => i === 0 || list[i - 1]!.createdAt <= p.createdAt),
    `list oldest first ${when}`,
  );
}

describe("the ledger's kept unsent count", () => {
  it('matches a full read through inserts, status changes, deletes and writes during its first read', async () => {
    const db = ledger.db;
    await db.payments.bulkInsert(Array.from({ length: 200 }, (_, i) => payment(i, i % 3 === 0 ? 'USD' : 'KRW')));
    // Writes in flight while the tracker makes its first read: its events must not be lost or undo the read.
    const during = db.payments.bulkInsert(Array.from({ length: 50 }, (_, i) => payment(1000 + i)));
    const tracker = UnsentPayments.of(db.payments);
    assert.equal(UnsentPayments.of(db.payments), tracker, 'one tracker per collection');
    await during;
    await assertMatches(tracker, 'after the first read');
    assert.equal((await tracker.summary()).count, 250);

    // The server takes some over (forwarded), some come back declined, one is captured, one deleted.
    const docs = await db.payments.find({ sort: [{ createdAt: 'asc' }] }).exec();
    for (const d of docs.slice(0, 40)) await d.incrementalPatch({ status: 'forwarded' });
    await assertMatches(tracker, 'after forwarding 40');
    const forwarded = await db.payments.find({ selector: { status: 'forwarded' } }).exec();
    for (const d of forwarded.slice(0, 10)) await d.incrementalPatch({ status: 'declined' });
    for (const d of forwarded.slice(10, 20)) await d.incrementalPatch({ status: 'captured' });
    await assertMatches(tracker, 'after outcomes');
    await docs[100]!.getLatest().remove();
    await assertMatches(tracker, 'after a delete');
    // A second declined payment made while online does not count as declined after forward.
    await db.payments.insert({ ...payment(5000), offline: false, status: 'declined' });
    await assertMatches(tracker, 'after an online decline');
    assert.equal(await tracker.declinedAfterForwardCount(), 10);
    assert.equal((await tracker.summary()).count, 250 - 40 - 1);
  });
});
