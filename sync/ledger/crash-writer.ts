/**
 * Child process of the crash test (crash.test.ts): opens the ledger in the
 * folder given as argv[2] and records payments as fast as it can, printing
 * each id on stdout only after the insert resolved, i.e. after the commit.
 * The parent SIGKILLs it at random moments; every id it ever printed must be
 * in the ledger afterwards.
 */
import { uuidV7, type PaymentDoc } from '../../core/index.ts';
import { openLedger } from './open-ledger.ts';

const directory = process.argv[2];
if (!directory) {
  console.error('usage: crash-writer <directory>');
  process.exit(2);
}

function payment(i: number): PaymentDoc {
  const createdAt = new Date().toISOString();
  return {
    id: uuidV7(),
    siteId: 'site-crash',
    gatewayId: 'gw-crash-' + process.pid,
    flow: 'kiosk',
    amount: 100 + (i % 900),
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [{ name: 'Item ' + i, quantity: 1, unitAmount: 100 + (i % 900), lineAmount: 100 + (i % 900) }],
    createdAt,
    offline: true,
    status: 'stored',
    statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
  };
}

const ledger = await openLedger({ directory });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  // Mix single inserts with small bulks: both must be all-or-nothing.
  if (i % 5 === 0) {
    const docs = [payment(i), payment(i + 1), payment(i + 2)];
    await ledger.db.payments.bulkInsert(docs);
    process.stdout.write(docs.map((d) => d.id).join('\n') + '\n');
  } else {
    const doc = payment(i);
    await ledger.db.payments.insert(doc);
    process.stdout.write(doc.id + '\n');
  }
}
