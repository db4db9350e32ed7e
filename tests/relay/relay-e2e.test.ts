/**
 * The relay flow end to end with real processes: the server (real HTTP on
 * PostgreSQL), relay terminal gateways, a POS program simulator and its POS
 * agent, and a phone's wallet session. Both ways in (the terminal scans; the
 * phone taps the terminal's tag and sends), both paths (direct; through the POS).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverTesting } from '../../server/index.ts';
import { RelayWorld, scanAt, terminalScreen, until, type Phone } from './relay-world.ts';

describe('relay terminal end to end', () => {
  let world: RelayWorld;
  let phone: Phone;
  let direct: { url: string };
  let paired: Awaited<ReturnType<RelayWorld['pairedTerminal']>>;

  before(async () => {
    world = await RelayWorld.start();
    [direct, paired, phone] = await Promise.all([world.terminal('T-DIRECT', 12_000), world.pairedTerminal('T-POS', { sale: 8_000 }), world.phone(2)]);
  });
  after(async () => {
    await serverTesting.assertLedgerBalanced(world.server.db);
    await world.stop();
  });

  test("the terminal scans the phone's barcode: relayed direct, paid; the terminal and the phone show it", async () => {
    const codes = await phone.codes();
    assert.match(codes.paymentCode.barcode, /^991[0-9]{17}$/);
    const answer = await scanAt(direct.url, codes.paymentCode.barcode);
    assert.equal(answer.relay?.status, 'paid', JSON.stringify(answer));
    assert.deepEqual(answer.relay.amount, { amount: 12_000, currency: 'KRW' });
    assert.equal(answer.relay.path, 'direct');
    assert.equal(answer.relay.via, 'scan');
    const screen = await terminalScreen(direct.url);
    assert.equal(screen.last.relay.status, 'paid');
    const mine = await phone.relays();
    assert.equal(mine[0]?.id, answer.relay.id);
    assert.equal(mine[0]?.status, 'paid');
  });

  test("the phone taps the terminal's tag and sends its QR: relayed direct, paid; the terminal's screen learns it", async () => {
    const codes = await phone.codes();
    const tag = (await (await fetch(`${direct.url}/api/relay/tag`)).json()) as { terminalId: string };
    const { status, json } = await phone.tap({ terminalId: tag.terminalId, code: codes.paymentCode.qr, appId: codes.paymentCode.qrAppId });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.relay.status, 'paid');
    assert.equal(json.relay.via, 'tap');
    await until(async () => (await terminalScreen(direct.url)).last?.relay?.id === json.relay.id, 5_000, 'the terminal screen to show the tap');
  });

  test('through the POS: scanned at a paired terminal, the agent types it into the POS program, which pays', async () => {
    const codes = await phone.codes();
    const answer = await scanAt(paired.terminal.url, codes.paymentCode.barcode);
    assert.equal(answer.relay?.status, 'paid', JSON.stringify(answer));
    assert.equal(answer.relay.path, 'pos');
    assert.deepEqual(answer.relay.amount, { amount: 8_000, currency: 'KRW' });
    const pos = (await (await fetch(`${paired.posUrl}/submissions/${answer.relay.id}`)).json()) as any;
    assert.equal(pos.state, 'done');
    assert.equal(pos.result.answer.status, 'approved');
  });

  test('through the POS by tap: membership accrual and redemption', async () => {
    const codes = await phone.codes();
    const card = codes.memberships[0]!;
    assert.match(card.memberId, /^M01[0-9]{8}$/);
    const accrued = await phone.tap({ terminalId: 'T-POS', code: card.memberId, appId: card.appId });
    assert.equal(accrued.json.relay?.status, 'accrued', JSON.stringify(accrued.json));
    assert.equal(accrued.json.relay.points, 80);
    assert.equal(accrued.json.relay.balance, card.points + 80);
    const redeemed = await phone.tap({ terminalId: 'T-POS', code: card.memberId, appId: card.appId, operation: 'redeem', points: 50 });
    assert.equal(redeemed.json.relay?.status, 'redeemed', JSON.stringify(redeemed.json));
    assert.equal(redeemed.json.relay.balance, card.points + 30);
    // Never below zero: the ledger's balance rule declines it.
    const tooMany = await phone.tap({ terminalId: 'T-POS', code: card.memberId, appId: card.appId, operation: 'redeem', points: 10_000 });
    assert.equal(tooMany.json.relay?.status, 'cancelled');
    assert.equal(tooMany.json.relay.reason, 'insufficient-points');
    assert.equal((await phone.codes()).memberships[0]!.points, card.points + 30);
  });
});
