/**
 * The printed receipt read back: the ESC/POS bytes decoded as a printer would
 * (double-byte Korean, styles, the QR code, the cut), then parsed back into
 * items and total, which must be the payment's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildReceipt, receiptAmount, type PaymentDoc } from '../../core/index.ts';
import { decodeEscPos, encodeEucKr, EscPosError, printWidth, receiptEscPos, RECEIPT_COLUMNS } from './index.ts';

/** Items and total as a person reads them off the paper: a name line, then "  qty x unit ... line". */
function readBack(lines: string[]): { items: { name: string; quantity: number; unit: string; total: string }[]; total: string } {
  const items: { name: string; quantity: number; unit: string; total: string }[] = [];
  const start = lines.findIndex((l) => /^-{42}$/.test(l));
  const end = lines.findIndex((l, i) => i > start && /^-{42}$/.test(l));
  for (let i = start + 1; i < end; i += 2) {
    const m = /^ {2}(\d+) x (\S+) +(\S+)$/.exec(lines[i + 1]!);
    assert.ok(m, `an amount line: ${lines[i + 1]}`);
    items.push({ name: lines[i]!, quantity: Number(m[1]), unit: m[2]!, total: m[3]! });
  }
  const total = /^(?:합계|TOTAL) \([A-Z]{3}\) +(\S+)$/.exec(lines[end + 1]!);
  assert.ok(total, `a total line: ${lines[end + 1]}`);
  return { items, total: total[1]! };
}

/** A captured card payment with two products and a discount (a test's own, as core's fixtures stay inside core). */
function examplePayment(): PaymentDoc {
  const createdAt = '2025-03-01T09:30:00.000Z';
  return {
    id: '0195520a-8f40-7000-8000-00000000c0de',
    siteId: 'site-seoul-1',
    gatewayId: 'gw-01',
    flow: 'kiosk',
    amount: 7000,
    currency: 'KRW',
    method: 'card-terminal',
    lineItems: [
      { productId: 'p-cola', sku: 'COLA-500', barcode: '8801094000000', name: 'Cola 500ml', quantity: 2, unitAmount: 2000, lineAmount: 4000 },
      { productId: 'p-chips', name: 'Chips', quantity: 1, unitAmount: 3500, lineAmount: 3500 },
      { name: 'Member discount', quantity: 1, unitAmount: -500, lineAmount: -500 },
    ],
    cardDisplay: { bin: '411111', last4: '1111', brand: 'visa' },
    createdAt,
    offline: false,
    status: 'captured',
    statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }],
  };
}

describe('ESC/POS receipts', () => {
  const payment: PaymentDoc = { ...examplePayment(), status: 'captured', approvalCode: '482913', amount: 7000 };
  const names = { 'p-cola': { ko: '콜라 500ml', en: 'Cola 500ml' }, 'p-chips': { ko: '감자칩 (소금맛)', en: 'Salted crisps' } };

  for (const locale of ['ko-KR', 'en-GB']) {
    it(`decodes back to the items and total (${locale})`, () => {
      const receipt = buildReceipt(
        payment,
        { name: locale === 'ko-KR' ? '이지페이 성수점' : 'EdgePay Seongsu', timezone: 'Asia/Seoul', locale },
        { url: 'https://pay.example/receipts/' + payment.id, names },
      );
      const bytes = receiptEscPos(receipt);
      const printed = decodeEscPos(bytes);
      assert.equal(printed.cut, true);
      assert.deepEqual(printed.qrCodes, ['https://pay.example/receipts/' + payment.id]);
      const lines = printed.lines.map((l) => l.text);
      for (const l of lines) assert.ok(printWidth(l) <= RECEIPT_COLUMNS, `fits the paper: ${l}`);
      const back = readBack(lines);
      const lang = locale === 'ko-KR' ? 'ko' : 'en';
      assert.deepEqual(
        back.items,
        payment.lineItems.map((l) => ({
          name: (l.productId ? names[l.productId as keyof typeof names]?.[lang] : undefined) ?? l.name,
          quantity: l.quantity,
          unit: receiptAmount(l.unitAmount, 'KRW'),
          total: receiptAmount(l.lineAmount, 'KRW'),
        })),
      );
      assert.equal(back.total, '7,000');
      assert.equal(
        back.items.reduce((s, i) => s + Number(i.total.replace(/,/g, '')), 0),
        7000,
      );
      // Local time in the site's zone: 09:30 UTC is 18:30 in Seoul.
      assert.ok(lines.includes('2025-03-01 18:30 (Asia/Seoul)'), lines.join('\n'));
      assert.ok(lines.some((l) => l.endsWith('482913')));
      assert.ok(lines.some((l) => l.endsWith('****1111')));
      // The merchant's name is printed bold and double size, centred.
      const title = printed.lines.find((l) => l.text === receipt.merchant)!;
      assert.deepEqual([title.bold, title.double, title.align], [true, true, 'centre']);
      // No card number, no BIN on paper.
      assert.doesNotMatch(lines.join('\n'), /411111/);
    });
  }

  it('EUC-KR round trip of Hangul syllables of KS X 1001 (힝 is its last), and a character it lacks becomes ?', () => {
    const text = '가각간갇갈감갑값갓갔강갖갗같갚갛개객 힝';
    const bytes = Uint8Array.from(encodeEucKr(text));
    assert.equal(new TextDecoder('euc-kr').decode(bytes), text);
    assert.deepEqual(encodeEucKr('똠'), [0x3f], '똠 is not in KS X 1001');
  });

  it('refuses what a printer would not understand', () => {
    assert.throws(() => decodeEscPos(Uint8Array.from([0x1b, 0x7f])), EscPosError);
    assert.throws(() => decodeEscPos(Uint8Array.from([0xb0, 0xa1, 0x0a])), /outside double-byte mode/);
    assert.throws(() => decodeEscPos(Uint8Array.from([0x1d, 0x56, 0x41, 3, 0x41])), /after the cut/);
    assert.throws(() => decodeEscPos(Uint8Array.from([0x1d, 0x28, 0x6b, 9, 0])), /cut short/);
  });
});
