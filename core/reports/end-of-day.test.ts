import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PaymentDoc } from '../schemas/payments.ts';
import { endOfDayCsv, endOfDayReport } from './end-of-day.ts';

const pay = (gatewayId: string, createdAt: string, amount: number, status: PaymentDoc['status'], offline = false, currency: PaymentDoc['currency'] = 'KRW'): PaymentDoc =>
  ({
    id: createdAt + gatewayId + amount,
    siteId: 's',
    gatewayId,
    flow: 'kiosk',
    amount,
    currency,
    method: 'card-terminal',
    lineItems: [],
    createdAt,
    offline,
    status,
    statusHistory: [],
  }) as unknown as PaymentDoc;

describe('end-of-day report', () => {
  const payments = [
    pay('gw-b', '2026-12-07T01:00:00.000Z', 5300, 'captured'),
    pay('gw-a', '2026-12-07T02:00:00.000Z', 1800, 'captured', true),
    pay('gw-a', '2026-12-07T03:00:00.000Z', 900, 'captured'),
    pay('gw-a', '2026-12-07T04:00:00.000Z', 1051, 'declined'),
    pay('gw-a', '2026-12-07T05:00:00.000Z', 1250, 'captured', false, 'USD'),
    // 16:00 UTC on the 6th is 01:00 on the 7th in Seoul: the same local day.
    pay('gw-a', '2026-12-06T16:00:00.000Z', 100, 'captured'),
    // 14:59 UTC on the 7th is 23:59 in Seoul; 15:00 UTC is the 8th there.
    pay('gw-b', '2026-12-07T14:59:00.000Z', 200, 'captured'),
    pay('gw-b', '2026-12-07T15:00:00.000Z', 999, 'captured'),
  ];

  it('counts and sums per terminal, method, status and currency on the local day, with the offline share', () => {
    const r = endOfDayReport(payments, '2026-12-07', 'Asia/Seoul');
    assert.deepEqual(
      r.rows.map((x) => [x.terminal, x.status, x.currency, x.count, x.sum, x.offline]),
      [
        ['gw-a', 'captured', 'KRW', 3, 2800, 1],
        ['gw-a', 'captured', 'USD', 1, 1250, 0],
        ['gw-a', 'declined', 'KRW', 1, 1051, 0],
        ['gw-b', 'captured', 'KRW', 2, 5500, 0],
      ],
    );
    assert.deepEqual(
      r.terminals.map((t) => [t.terminal, t.count, t.offline, t.offlineShare]),
      [
        ['gw-a', 5, 1, 0.2],
        ['gw-b', 2, 0, 0],
      ],
    );
  });

  it('CSV: decimals per currency, quoted where needed, formulas made inert', () => {
    const csv = endOfDayCsv(endOfDayReport(payments, '2026-12-07', 'Asia/Seoul'));
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'date,time_zone,terminal,method,status,currency,count,sum,offline_count,terminal_offline_share');
    assert.ok(lines.includes('2026-12-07,Asia/Seoul,gw-a,card-terminal,captured,USD,1,12.50,0,0.2000'), csv);
    assert.ok(lines.includes('2026-12-07,Asia/Seoul,gw-b,card-terminal,captured,KRW,2,5500,0,0.0000'), csv);
    const evil = endOfDayCsv(endOfDayReport([pay('=HYPERLINK("x")', '2026-12-07T01:00:00.000Z', 1, 'captured')], '2026-12-07', 'UTC'));
    assert.match(evil, /"'=HYPERLINK\(""x""\)"/);
  });
});
