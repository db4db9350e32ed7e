/**
 * `npm run demo`: starts what exists of EdgePay and prints where it is:
 * the central server (PGlite), one store gateway for the demo site with its
 * ledger synced to the server and the demo catalogue, the device bus with the
 * device simulators (card terminal, elevator, BLE reader, POS agent, cart), and
 * a kiosk checkout you can drive from the terminal (type a barcode, `pay`),
 * and product recognition: two products of the evaluation set are enrolled on
 * the first run, and `look <frame>` shows the kiosk camera one of its frames.
 *
 *   PORT=8080             the server's port
 *   DEMO_EXIT=1           exit once everything is up and in sync (used by a test)
 *   DEMO_RECOGNITION=0    start without recognition (it loads a detector in a worker, ~1 s)
 *   DEMO_TIMINGS=1        print how long each start-up step took (stderr)
 * and the gateway's own settings, checked by its one configuration
 * (edge-services/config, .env.example; a `.env` file is read too):
 *   EDGEPAY_DATA=./data          where everything is kept (default ./data)
 *   EDGEPAY_GATEWAY_PORT=8081    the gateway's kiosk/console port
 *   EDGEPAY_OPERATOR_PIN=246810  the console's sign-in PIN
 *   LOG_LEVEL=warn               the server's and the gateway's logs (the demo's default: warn)
 *
 * The wallet: two residents of one unit and a shopper are seeded, each with a
 * one-click demo sign-in address (the demo only turns that on), and
 * `request <unit|shopper> <amount>` asks them to pay through the requester API
 * with the demo gateway's credential; the outcome is printed when it comes.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { formatMoney, basketTotal, PAYMENT_REQUEST_PATHS, type CreatePaymentRequestBody, type PaymentRequestView } from './core/index.ts';
import { DEFAULT_UI_DIR, environmentWithEnvFile, frameBytes, loadGatewayConfig, loadManifest, setGatewayLogLevel, startGatewayRuntime, startNetworkLink } from './edge-services/index.ts';
import { startServer, wallet } from './server/index.ts';
import { randomUUID } from 'node:crypto';
import { get as httpGet, type ClientRequest } from 'node:http';
import { DEMO_FLOWS } from './demo/flows.ts';
import { demoKioskPayLater } from './demo/credit.ts';
import { DEMO_CATALOGUE, demoProducts } from './demo/catalogue.ts';
import type { DemoCommand, DemoPart } from './demo/context.ts';

const env = environmentWithEnvFile();
// The gateway's settings, all checked before anything starts (a wrong one stops the demo with every problem named).
const gatewayConfig = (() => {
  try {
    return loadGatewayConfig(env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(78);
  }
})();
// The terminal is the demo's kiosk: warnings only, unless LOG_LEVEL says otherwise.
const logLevel = env.LOG_LEVEL ? gatewayConfig.logLevel : 'warn';
setGatewayLogLevel(logLevel);
const dataDir = resolve(gatewayConfig.dataDir);
// Owner only: it holds the gateway's credential, the admin token, the ledger and the server's database.
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
chmodSync(dataDir, 0o700);
const SITE = 'demo-store';

// DEMO_TIMINGS=1: how long each start-up step took, on stderr (to find what keeps the demo from being ready).
const demoStarted = performance.now();
let stepStarted = demoStarted;
const step = (name: string) => {
  const now = performance.now();
  if (process.env.DEMO_TIMINGS) console.error(`demo timing: ${name} ${((now - stepStarted) / 1000).toFixed(1)} s (total ${((now - demoStarted) / 1000).toFixed(1)} s)`);
  stepStarted = now;
};

// The kiosk and console UIs: built once into renderer/dist, served by the gateway. The build
// needs nothing else, so it runs while the server starts; the gateway waits for it.
const uiBuilt = (async () => {
  if (existsSync(join(DEFAULT_UI_DIR, 'index.html')) && existsSync(join(DEFAULT_UI_DIR, 'wallet', 'index.html'))) return;
  console.log('building the kiosk, console and wallet UIs (first run only)...');
  const { build } = await import('vite');
  await build({ configFile: join(import.meta.dirname, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  if (process.env.DEMO_TIMINGS) console.error(`demo timing: UI build done at ${((performance.now() - demoStarted) / 1000).toFixed(1)} s`);
})();
// Its failure is reported where it is awaited, not as an unhandled rejection while the server starts.
uiBuilt.catch(() => undefined);

/** Kept between runs, so the gateway keeps its credential and the operator the admin token. */
type DemoState = { adminToken: string; gateway?: { gatewayId: string; credential: string } };
const statePath = join(dataDir, 'demo-state.json');
const state: DemoState = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : { adminToken: randomBytes(24).toString('base64url') };

const server = await startServer({
  pgliteDir: join(dataDir, 'server'),
  port: Number(process.env.PORT ?? 8080),
  adminToken: state.adminToken,
  logger: { level: logLevel },
  // One-click sign-in of the seeded wallets: the demo only (off everywhere else).
  wallet: { demoSignIn: true },
});
step('server started');
const demoWallet = await wallet.seedDemoWallet(server.db);
// WebAuthn and the wallet's cookies want a domain, not an IP: the wallet's addresses use localhost.
const walletOrigin = server.url.replace('127.0.0.1', 'localhost');
const admin = async (path: string, body: unknown, method = 'POST') => {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: 'Bearer ' + state.adminToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
};

if (!state.gateway) {
  state.gateway = await admin('/admin/gateways', { siteId: SITE, name: 'Demo store gateway' });
}
writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
// `mode` applies only when the file is created: a state file from an older run is tightened here.
chmodSync(statePath, 0o600);

const now = new Date().toISOString();
await admin(
  `/admin/sites/${SITE}/sites`,
  [
    {
      id: SITE,
      name: 'EdgePay demo store',
      timezone: 'Asia/Seoul',
      currency: 'KRW',
      locale: 'ko-KR',
      offlineLimits: { perPayment: [{ amount: 50_000, currency: 'KRW' }], totalStored: [{ amount: 500_000, currency: 'KRW' }], maxAgeMinutes: 1440 },
      updatedAt: now,
    },
  ],
  'PUT',
);
// A convenience store's shelf, names in Korean and English, a small picture each (demo/catalogue.ts).
await admin(`/admin/sites/${SITE}/products`, demoProducts(SITE, now), 'PUT');

step('wallets, gateway enrolment, site and catalogue written');
await uiBuilt;
step('UI build awaited');

// The gateway reaches the server through a relay that the console's network
// switch can cut, so "pull the network" is a real outage for the gateway.
const link = await startNetworkLink(server.url);
const withRecognition = process.env.DEMO_RECOGNITION !== '0';
const operatorPin = gatewayConfig.operatorPin ?? '246810';
// The kiosk's "Pay later" (flow credit): the store is a merchant of the PG with its own key.
const kioskPayLater = await demoKioskPayLater({ dataDir, admin, serverUrl: server.url });
const runtime = await startGatewayRuntime({
  dataDir: join(dataDir, 'gateway'),
  siteId: SITE,
  gatewayId: state.gateway!.gatewayId,
  server: { url: link.url, credential: state.gateway!.credential },
  ...(withRecognition ? { recognition: {} } : {}),
  // The demo has no hardware: all the device simulators; the receipt printer keeps what it prints.
  devices: { simulators: { options: { printer: { outDir: join(dataDir, 'receipts') } } } },
  // E-receipt QR codes point at the server as a browser on this machine reaches it.
  receiptBaseUrl: walletOrigin,
  operatorPin,
  network: link,
  http: { port: gatewayConfig.http.port },
  payLater: kioskPayLater,
});
step('gateway runtime started');
const { gateway, bus, kiosk } = runtime;
const api = runtime.api!;
await gateway.sync!.awaitInSync();
step('gateway in sync');
// First run: an operator would show each product a few times; here the evaluation set's enrolment views do.
const evalSet = loadManifest();
const evalViews = (object: string, split: 'enrol' | 'test') => evalSet.frames.filter((f) => f.object === object && f.split === split && !f.barcodeVisible);
if (gateway.recognition) {
  for (const productId of ['p-cola', 'p-chips']) {
    if ((await gateway.recognition.enrolments.list(productId)).some((e) => e.modelId === gateway.recognition!.service.modelId)) continue;
    await gateway.recognition.enrol(
      productId,
      evalViews(productId, 'enrol').map((f) => new Uint8Array(frameBytes(f))),
    );
  }
  await gateway.recognition.settled();
}
step('recognition enrolled');
const status = await gateway.syncStatus();
const counts = await gateway.counts();

console.log('EdgePay demo');
console.log(`  central server  : ${server.url}   (PGlite in ${join(dataDir, 'server')})`);
console.log(`    health        : ${server.url}/healthz`);
console.log(`    metrics       : ${server.url}/metrics`);
console.log(`    OpenAPI       : ${server.url}/openapi.json`);
console.log(`    admin token   : in ${statePath}`);
console.log(`  store gateway   : ${state.gateway!.gatewayId} (site ${SITE})`);
console.log(`    ledger        : ${gateway.ledger.filePath}  (SQLite WAL, synchronous=${gateway.ledger.synchronous})`);
console.log(
  `    documents     : ${Object.entries(counts)
    .map(([c, n]) => `${c}=${n}`)
    .join(', ')}`,
);
console.log(`    sync          : ${status?.online ? 'online' : 'offline'}, ${status?.pending.count ?? 0} payments not yet acknowledged`);
console.log(`  device bus      : commands ${bus.bus.endpoints.commands}, events ${bus.bus.endpoints.events} (CURVE)`);
for (const d of runtime.devices()) console.log(`    ${d.deviceId.padEnd(12)}: ${d.kind}, driver ${d.driver?.state ?? 'n/a'}`);
if (gateway.recognition) {
  const b = gateway.recognition.service.backend;
  const enrolled = [...new Set((await gateway.recognition.enrolments.list()).map((e) => e.productId))];
  console.log(`  recognition     : ${b.name}${b.simd ? ' (SIMD)' : ''}, enrolled ${enrolled.join(', ')}`);
} else console.log('  recognition     : off (DEMO_RECOGNITION=0)');
console.log(`  kiosk           : ${api.kioskUrl}`);
console.log(`  wallet          : ${walletOrigin}/wallet/   (${demoWallet.buildingName}, unit ${demoWallet.unit}; payment password ${wallet.DEMO_PAYMENT_PASSWORD})`);
for (const u of demoWallet.users) {
  console.log(`    ${(u.role === 'resident' ? `resident ${demoWallet.unit}` : 'shopper').padEnd(14)}: ${walletOrigin}/wallet/demo/${u.userId}   (${u.name}, one-click demo sign-in)`);
}
// Never the PIN itself in the log: where it comes from.
console.log(
  `  console         : ${api.consoleUrl}   (operator PIN: ${gatewayConfig.operatorPin ? 'the one in EDGEPAY_OPERATOR_PIN' : 'the demo default, see README.md; set EDGEPAY_OPERATOR_PIN to choose one'})`,
);

// Each flow's part (demo/<flow>.ts): what it starts, prints and adds to the terminal.
const parts: { name: string; part: DemoPart }[] = [];
const flowCommands = new Map<string, DemoCommand>();
for (const flow of DEMO_FLOWS) {
  const part = await flow.start({
    server,
    runtime,
    admin,
    dataDir,
    siteId: SITE,
    walletOrigin,
    demoWallet,
    gateway: state.gateway!,
    log: (line) => console.log(line),
  });
  parts.push({ name: flow.name, part });
  for (const [name, command] of Object.entries(part.commands ?? {})) {
    if (flowCommands.has(name)) throw new Error(`demo command '${name}' is added by two flows`);
    flowCommands.set(name, command);
  }
  console.log(`  ${flow.name.padEnd(16)}:`);
  for (const line of part.lines) console.log(`    ${line}`);
  step(`flow ${flow.name} started`);
}

const outcomes = followRequesterOutcomes(server.url, state.gateway!.credential, (r) => {
  console.log(`\nrequest ${r.id}: ${r.state}${r.approvalMethod ? ` (${r.approvalMethod})` : ''}, ${formatMoney({ amount: r.amount, currency: r.currency as 'KRW' }, 'ko-KR')} to ${r.payee.name}`);
});

const stop = async () => {
  outcomes.close();
  for (const { part } of parts.reverse()) await part.stop?.();
  await runtime.stop();
  await link.close();
  await server.close();
  process.exit(0);
};
step('ready');
if (process.env.DEMO_EXIT) await stop();
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

// A kiosk at the keyboard: barcodes add to the basket, `pay` charges the simulated card.
console.log(
  `\nKiosk (the same basket as every open kiosk page): type a barcode (${DEMO_CATALOGUE.map((c) => c.barcode).join(', ')}), "pay", "print" (the last payment's receipt, kept in ${join(dataDir, 'receipts')}), "clear", or "quit".`,
);
console.log('Wallet: "request unit <amount>" asks both residents of the unit to pay, "request shopper <amount>" the shopper; approve it in the wallet.');
if (gateway.recognition) {
  const frames = evalSet.frames.filter((f) => f.split === 'test' && !f.barcodeVisible).map((f) => f.file.replace(/^frames\/|\.jpg$/g, ''));
  console.log(`Camera: "look <frame>" shows the kiosk camera a frame of the evaluation set, e.g. look p-cola-test-1, look p-chips-test-2, look u-cat-test-0 (${frames.length} frames).`);
}
for (const [name, command] of flowCommands) console.log(`${name}: ${command.usage}`);
let lastPaymentId: string | undefined;
const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'kiosk> ' });
rl.prompt();
// One line at a time, in order (pasted lines arrive together).
let queue: Promise<void> = Promise.resolve();
rl.on('line', (input) => {
  queue = queue.then(async () => {
    const cmd = input.trim();
    try {
      if (cmd === 'quit') return void (await stop());
      if (cmd.startsWith('request')) {
        const r = await requestToPay(server.url, state.gateway!.credential, demoWallet, cmd);
        console.log(`request ${r.id}: pending, ${formatMoney({ amount: r.amount, currency: 'KRW' }, 'ko-KR')} until ${r.expiresAt}; approve it in the wallet (${walletOrigin}/wallet/)`);
        return void rl.prompt();
      }
      const [word, ...args] = cmd.split(/\s+/);
      const flowCommand = word ? flowCommands.get(word) : undefined;
      if (flowCommand) {
        console.log(await flowCommand.run(args));
        return void rl.prompt();
      }
      if (cmd.startsWith('look ')) {
        const frame = evalSet.frames.find((f) => f.file === `frames/${cmd.slice(5).trim()}.jpg`);
        if (!frame) throw new Error(`no frame ${cmd.slice(5).trim()} in the evaluation set`);
        const r = await runtime.service.cameraFrame({ data: frameBytes(frame).toString('base64') });
        console.log(
          `camera: ${r.added.map((a) => `${a.productId} (${a.source}, confidence ${a.confidence})`).join(', ') || 'nothing added'}${r.askScan ? '; please scan the item' : ''}${r.unknown ? `; ${r.unknown} unknown object(s)` : ''}`,
        );
      } else if (cmd === 'clear') await runtime.service.clear();
      else if (cmd === 'pay') {
        // Through the gateway's API, as a kiosk screen pays: every open kiosk sees the payment and the emptied basket.
        const r = await runtime.service.pay();
        if ('payment' in r && r.payment && (r.state === 'approved' || r.state === 'stored')) lastPaymentId = r.payment.id;
        console.log(
          r.state === 'refused'
            ? `refused: ${r.code}${r.limit ? ` (${r.limit} limit)` : ''}`
            : `${r.state}${'payment' in r && r.payment ? ` (${r.payment.status}${r.payment.approvalCode ? `, approval ${r.payment.approvalCode}` : ''})` : ''}${'reason' in r ? `: ${r.reason}` : ''}${'receiptUrl' in r && r.receiptUrl ? `\ne-receipt: ${r.receiptUrl}` : ''}`,
        );
      } else if (cmd === 'print') {
        if (!lastPaymentId) throw new Error('no payment to print yet: pay first');
        await runtime.service.printReceipt(lastPaymentId);
        console.log(`printed: ${join(dataDir, 'receipts', `receipt-${lastPaymentId}.txt`)}`);
      } else if (cmd) await runtime.service.scan(cmd);
      const total = basketTotal(kiosk.basket);
      console.log(`basket: ${kiosk.basket.lines.map((l) => `${l.name}×${l.quantity}`).join(', ') || '(empty)'}  total ${formatMoney(total, 'ko-KR')}  ${kiosk.online ? 'online' : 'OFFLINE'}`);
    } catch (err) {
      console.log(`error: ${(err as Error).message}`);
    }
    rl.prompt();
  });
});
rl.on('close', () => void queue.then(stop));

/**
 * `request unit 12000` / `request shopper 8000`: a request to pay through the
 * requester API (POST /v1/payment-requests), as the demo gateway, with an
 * Idempotency-Key, like a lobby courier desk would.
 */
async function requestToPay(url: string, credential: string, demo: wallet.DemoWallet, cmd: string): Promise<PaymentRequestView> {
  const [, who, amountText] = cmd.split(/\s+/);
  const amount = Number(amountText);
  if ((who !== 'unit' && who !== 'shopper') || !Number.isSafeInteger(amount) || amount <= 0) throw new Error('usage: request <unit|shopper> <amount in won>');
  const shopper = demo.users.find((u) => u.role === 'shopper')!;
  const body: CreatePaymentRequestBody = {
    to: who === 'unit' ? { buildingId: demo.buildingId, unit: demo.unit } : { userId: shopper.userId },
    amount,
    currency: 'KRW',
    payee: { id: 'demo-store', name: 'EdgePay demo store' },
    items: [{ name: who === 'unit' ? 'Delivery to your door' : 'Basket at the kiosk', quantity: 1, amount }],
    place: who === 'unit' ? `${demo.buildingName} lobby` : 'EdgePay demo store, kiosk 1',
    note: 'Typed in the demo terminal',
  };
  const res = await fetch(url + PAYMENT_REQUEST_PATHS.create, {
    method: 'POST',
    headers: { authorization: 'Bearer ' + credential, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`request to pay refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { request: PaymentRequestView }).request;
}

/**
 * The demo gateway's requester stream (SSE): each outcome is printed once it
 * comes. Reconnects with Last-Event-ID after a drop, so no outcome is missed.
 */
function followRequesterOutcomes(url: string, credential: string, onOutcome: (r: PaymentRequestView) => void): { close(): void } {
  // node:http rather than fetch: closing must end the connection at once, or the server's close waits for the stream.
  let closed = false;
  let current: ClientRequest | undefined;
  let lastEventId: string | undefined;
  const connect = () => {
    if (closed) return;
    let retried = false;
    // Once per connection (a drop may report both an error and a close).
    const again = () => {
      if (closed || retried) return;
      retried = true;
      setTimeout(connect, 1000).unref();
    };
    current = httpGet(
      url + PAYMENT_REQUEST_PATHS.requesterStream,
      {
        headers: { authorization: 'Bearer ' + credential, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        agent: false,
      },
      (res) => {
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const field = (name: string) =>
              block
                .split('\n')
                .find((l) => l.startsWith(name + ':'))
                ?.slice(name.length + 1)
                .trim();
            if (field('id')) lastEventId = field('id');
            if (field('event') === 'outcome') onOutcome((JSON.parse(field('data')!) as { request: PaymentRequestView }).request);
          }
        });
        res.on('close', again);
      },
    );
    current.on('error', again);
  };
  connect();
  return {
    close() {
      closed = true;
      current?.destroy();
    },
  };
}
