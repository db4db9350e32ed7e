/**
 * The relay flow's part of `npm run demo`: a stand-alone relay terminal
 * (`relay-1`, a sale of ₩12,000 open) and one paired with a POS program
 * (`relay-pos-1`; the POS program simulator and its POS agent), all in this
 * process; their screens on loopback. Commands: show a demo user's codes,
 * scan a code at a terminal, tap a terminal with a demo user's phone.
 */
import { join } from 'node:path';
import { formatMoney, type relay } from '../core/index.ts';
import { relayFlow } from '../edge-services/index.ts';
import type { DemoContext, DemoFlow, DemoPart } from './context.ts';

const APPS = [
  { appId: 'edgepay-pay', label: 'EdgePay Pay', destinationPath: '/relay/destinations/payment-code/submit' },
  { appId: 'edgepay-points', label: 'EdgePay Points', destinationPath: '/relay/destinations/membership/submit' },
];

function describe(r: relay.RelayView): string {
  const what = [r.amount ? formatMoney(r.amount, 'ko-KR') : '', r.points ? `${r.points} P` : '', r.balance !== undefined ? `balance ${r.balance} P` : '', r.reason ?? ''].filter(Boolean).join(', ');
  return `relay ${r.id.slice(0, 8)}…: ${r.status} (${r.operation}, ${r.via}, ${r.path} at ${r.terminalId})${what ? ' ' + what : ''}`;
}

async function start(ctx: DemoContext): Promise<DemoPart> {
  const dir = join(ctx.dataDir, 'relay');
  const url = ctx.server.url;
  const gw = ctx.gateway;
  const agent = await ctx.admin('/admin/relay/pos-agents', { siteId: ctx.siteId });
  await ctx.admin('/admin/relay/terminals/relay-1', { siteId: ctx.siteId, gatewayId: gw.gatewayId, label: 'Counter (stand-alone)' }, 'PUT');
  await ctx.admin('/admin/relay/terminals/relay-pos-1', { siteId: ctx.siteId, gatewayId: gw.gatewayId, label: 'Till 1 (with POS)', posAgentId: agent.agentId }, 'PUT');
  const direct = new relayFlow.RelayTerminal({ serverUrl: url, credential: gw.credential, terminalId: 'relay-1', seenFile: join(dir, 'seen-relay-1.txt'), sale: { amount: 12_000, currency: 'KRW' } });
  const paired = new relayFlow.RelayTerminal({ serverUrl: url, credential: gw.credential, terminalId: 'relay-pos-1', seenFile: join(dir, 'seen-relay-pos-1.txt') });
  const pos = await relayFlow.startPosProgram({ serverUrl: url, apps: APPS, sale: { amount: 8_000, currency: 'KRW' }, dataFile: join(dir, 'pos-program.jsonl') });
  const posAgent = relayFlow.startPosAgent({ serverUrl: url, credential: agent.credential, driver: relayFlow.simulatedPosDriver(pos.url) });
  const [directHttp, pairedHttp] = await Promise.all([relayFlow.serveTerminal(direct), relayFlow.serveTerminal(paired)]);
  for (const t of [direct, paired]) t.onScreen(() => undefined);

  // A demo user's phone: the one-click sign-in, then the wallet's relay routes.
  const phone = async (who: string) => {
    const users = ctx.demoWallet.users;
    const user = who === 'shopper' ? users.find((u) => u.role === 'shopper') : (users.find((u) => u.name === who || u.userId === who) ?? users[Number(who) || 0]);
    if (!user) throw new Error(`no demo user ${who}`);
    const signIn = await fetch(`${url}/wallet/api/demo/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: user.userId }) });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    return {
      name: user.name,
      codes: async () => (await (await fetch(`${url}/wallet/api/relay/codes`, { headers: { cookie } })).json()) as relay.WalletRelayCodes,
      tap: async (body: relay.RelayTapBody) =>
        (await (
          await fetch(`${url}/wallet/api/relay/taps`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        ).json()) as { relay?: relay.RelayView; code?: string; message?: string },
    };
  };
  const terminals: Record<string, relayFlow.RelayTerminal> = { 'relay-1': direct, 'relay-pos-1': paired };

  return {
    lines: [
      `relay terminal   : ${directHttp.url}/  (relay-1, stand-alone, sale ₩12,000 open)`,
      `paired terminal  : ${pairedHttp.url}/  (relay-pos-1, with the POS program)`,
      `POS program      : ${pos.url}/  (ring up a sale; its POS agent types the codes in)`,
      'relay-codes <shopper|0|1> | relay-scan <terminal> <code> | relay-tap <terminal> <shopper|0|1> [qr|points|redeem N]',
    ],
    commands: {
      'relay-codes': {
        usage: 'relay-codes <shopper|0|1>: the payment code (barcode and QR) and membership id the phone shows',
        async run([who = 'shopper']) {
          const p = await phone(who);
          const c = await p.codes();
          const m = c.memberships[0]!;
          return `${p.name}: barcode ${c.paymentCode.barcode}\n  QR ${c.paymentCode.qr}\n  until ${c.paymentCode.expiresAt}; ${m.programName} ${m.memberId} (${m.points} P)`;
        },
      },
      'relay-scan': {
        usage: 'relay-scan <relay-1|relay-pos-1> <code>: the terminal scans a code',
        async run([terminalId = 'relay-1', code = '']) {
          const t = terminals[terminalId];
          if (!t) return `no terminal ${terminalId}`;
          const a = await t.scan(code);
          return 'relay' in a ? describe(a.relay) : `refused: ${a.refused.code} ${a.refused.message}`;
        },
      },
      'relay-tap': {
        usage: "relay-tap <terminal> <shopper|0|1> [qr|points|redeem N]: the phone reads the terminal's tag and sends its code",
        async run([terminalId = 'relay-1', who = 'shopper', what = 'barcode', n]) {
          const p = await phone(who);
          const c = await p.codes();
          const m = c.memberships[0]!;
          const body: relay.RelayTapBody =
            what === 'points'
              ? { terminalId, code: m.memberId, appId: m.appId }
              : what === 'redeem'
                ? { terminalId, code: m.memberId, appId: m.appId, operation: 'redeem', points: Number(n) || 100 }
                : { terminalId, code: what === 'qr' ? c.paymentCode.qr : c.paymentCode.barcode, appId: c.paymentCode.appId };
          const a = await p.tap(body);
          return a.relay ? describe(a.relay) : `refused: ${a.code} ${a.message}`;
        },
      },
    },
    async stop() {
      await posAgent.stop();
      await Promise.all([direct.stop(), paired.stop()]);
      await Promise.all([directHttp.close(), pairedHttp.close(), pos.close()]);
    },
  };
}

export const relayDemo: DemoFlow = { name: 'relay', start };
