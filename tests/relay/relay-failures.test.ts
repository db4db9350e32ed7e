/**
 * The relay's refusals and failures end to end (real processes as in
 * relay-e2e): an expired code, a reused code (at the same terminal, at
 * another, by tap), a bad check digit, unknown terminals and apps, a
 * destination that does not answer in time (reversed: the closed loop), and
 * the POS agent killed mid-command and restarted (the code is typed once).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { relay } from '../../core/index.ts';
import { serverTesting } from '../../server/index.ts';
import { RelayWorld, scanAt, terminalScreen, until, type Phone } from './relay-world.ts';

describe('relay refusals and failures', () => {
  let world: RelayWorld;
  let phone: Phone;
  let a: { url: string };
  let b: { url: string };
  let slow: { url: string };

  before(async () => {
    world = await RelayWorld.start({ relay: { deadlineMs: 20_000, slowAmountEnding: { minor: 99, delayMs: 2_500 } } });
    [a, b, slow, phone] = await Promise.all([world.terminal('T-A', 5_000), world.terminal('T-B', 6_000), world.terminal('T-SLOW', 12_099, { destinationTimeoutMs: 800 }), world.phone(2)]);
  });
  after(async () => {
    await serverTesting.assertLedgerBalanced(world.server.db);
    await world.stop();
  });

  test('an expired code: the issuer declines it, the relay is cancelled, nothing is charged', async () => {
    const codes = await phone.codes();
    // Its few minutes of life have passed (the issuer's clock, moved rather than waited for).
    await world.server.db.query("UPDATE relay_issued_codes SET expires_at = now() - interval '1 second' WHERE code_key = encode(sha256(convert_to($1, 'UTF8')), 'hex')", [codes.paymentCode.barcode]);
    const answer = await scanAt(a.url, codes.paymentCode.barcode);
    assert.equal(answer.relay?.status, 'cancelled', JSON.stringify(answer));
    assert.equal(answer.relay.reason, 'expired');
    assert.equal((await terminalScreen(a.url)).last.relay.status, 'cancelled');
    const { rows } = await world.server.db.query('SELECT count(*)::int AS n FROM ledger_transfers WHERE reference = $1', [`relay:${answer.relay.id}`]);
    assert.equal(rows[0]!.n, 0);
  });

  test('a reused code: refused by the terminal that saw it, by the server from another terminal and by tap', async () => {
    const codes = await phone.codes();
    const first = await scanAt(a.url, codes.paymentCode.barcode);
    assert.equal(first.relay?.status, 'paid', JSON.stringify(first));
    assert.equal((await scanAt(a.url, codes.paymentCode.barcode)).refused?.code, 'RELAY_CODE_REUSED');
    assert.equal((await scanAt(b.url, codes.paymentCode.barcode)).refused?.code, 'RELAY_CODE_REUSED');
    const tapped = await phone.tap({ terminalId: 'T-B', code: codes.paymentCode.barcode, appId: 'edgepay-pay' });
    assert.equal(tapped.status, 409);
    assert.equal(tapped.json.code, 'RELAY_CODE_REUSED');
    // The QR of the same issue is a code of its own: good once.
    const qr = await phone.tap({ terminalId: 'T-B', code: codes.paymentCode.qr, appId: 'edgepay-pay' });
    assert.equal(qr.json.relay?.status, 'paid');
    // Charged twice in all, once per code.
    const { rows } = await world.server.db.query("SELECT count(*)::int AS n FROM ledger_transfers WHERE code = 'relay-pay' AND reference IN ($1, $2)", [
      `relay:${first.relay.id}`,
      `relay:${qr.json.relay.id}`,
    ]);
    assert.equal(rows[0]!.n, 2);
  });

  test('a bad check digit: refused at the terminal and by the server, never relayed; no code is echoed', async () => {
    const codes = await phone.codes();
    const good = codes.paymentCode.barcode;
    const bad = good.slice(0, 19) + String((Number(good[19]) + 1) % 10);
    const atTerminal = await scanAt(a.url, bad);
    assert.equal(atTerminal.refused?.code, 'RELAY_CODE_INVALID');
    assert.match(atTerminal.refused.message, /check-digit/);
    const tapped = await phone.tap({ terminalId: 'T-A', code: bad, appId: 'edgepay-pay' });
    assert.equal(tapped.status, 422);
    assert.equal(tapped.json.code, 'RELAY_CODE_INVALID');
    assert.ok(!JSON.stringify(tapped.json).includes(bad.slice(3, 19)));
    // A QR whose cryptogram was tampered with passes the structure check and is declined by the issuer.
    const tlv = relay.parseTlv(relay.fromBase64(codes.paymentCode.qr)!)!;
    const crypto = tlv[1]!.children!.find((t) => t.tag === '63')!.children!.find((t) => t.tag === '9F26')!;
    crypto.value = Uint8Array.from(crypto.value, (x) => x ^ 1);
    const forged = await phone.tap({ terminalId: 'T-A', code: relay.toBase64(relay.encodeTlv(tlv)), appId: 'edgepay-pay' });
    assert.equal(forged.json.relay?.status, 'cancelled');
    assert.equal(forged.json.relay.reason, 'unknown-code');
  });

  test('unknown terminals and apps are refused', async () => {
    const codes = await phone.codes();
    const t = await phone.tap({ terminalId: 'T-NOPE', code: codes.paymentCode.barcode, appId: 'edgepay-pay' });
    assert.equal(t.status, 404);
    assert.equal(t.json.code, 'RELAY_TERMINAL_UNKNOWN');
    const app = await phone.tap({ terminalId: 'T-A', code: codes.paymentCode.barcode, appId: 'no-such-app' });
    assert.equal(app.status, 404);
    assert.equal(app.json.code, 'RELAY_APP_UNKNOWN');
    // A code of the right app given as another app's.
    const wrong = await phone.tap({ terminalId: 'T-A', code: codes.paymentCode.barcode, appId: 'edgepay-points' });
    assert.equal(wrong.json.code, 'RELAY_APP_UNKNOWN');
    // A well-formed barcode of an issuer nobody registered.
    const foreign = relay.makePaymentBarcode('55', '1234567890123456');
    assert.equal((await scanAt(a.url, foreign)).refused?.code, 'RELAY_APP_UNKNOWN');
    // The code was not spent by any of this: it still pays.
    assert.equal((await scanAt(a.url, codes.paymentCode.barcode)).relay?.status, 'paid');
  });

  test('a destination that does not answer in time is asked, and what it approved is reversed', async () => {
    const codes = await phone.codes();
    const answer = await scanAt(slow.url, codes.paymentCode.barcode);
    assert.equal(answer.relay?.status, 'reversed', JSON.stringify(answer));
    assert.equal(answer.relay.reason, 'no-answer');
    const { rows } = await world.server.db.query<{ code: string; amount: string }>('SELECT code, amount FROM ledger_transfers WHERE reference = $1 ORDER BY created_at', [`relay:${answer.relay.id}`]);
    assert.deepEqual(
      rows.map((r) => [r.code, Number(r.amount)]),
      [
        ['relay-pay', 12_099],
        ['relay-reverse', 12_099],
      ],
    );
    const mine = await phone.relays();
    assert.equal(mine.find((r) => r.id === answer.relay.id)?.status, 'reversed');
  });

  test('the POS agent killed mid-command and restarted: the command is carried out once', async () => {
    const paired = await world.pairedTerminal('T-POS-R', { sale: 7_000, submitDelayMs: 1_500 });
    const codes = await phone.codes();
    const took = new Promise<string>((resolve) => paired.agent.onLine((j) => j.command && resolve(j.relayId)));
    const scanned = scanAt(paired.terminal.url, codes.paymentCode.barcode);
    const relayId = await took;
    // The POS program has it in hand (submitted, answering slowly): the agent dies before it can report.
    await until(async () => (await fetch(`${paired.posUrl}/submissions/${relayId}`)).status === 200, 5_000, 'the POS submission');
    await paired.agent.kill('SIGKILL');
    await world.restartAgent(paired.agentConfig);
    const answer = await scanned;
    assert.equal(answer.relay?.status, 'paid', JSON.stringify(answer));
    assert.equal(answer.relay.path, 'pos');
    const lines = readFileSync(join(world.dir, 'pos-T-POS-R.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.filter((l) => l.reference === relayId).map((l) => l.state),
      ['in-progress', 'done'],
      'submitted to the POS program once',
    );
    const { rows } = await world.server.db.query('SELECT count(*)::int AS n FROM ledger_transfers WHERE reference = $1', [`relay:${relayId}`]);
    assert.equal(rows[0]!.n, 1);
  });
});
