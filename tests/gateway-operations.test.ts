/**
 * Operating a gateway (issue 26): its one validated configuration (every
 * problem named at once, secrets never shown, old names refused, the
 * committed .env.example equal to the declaration), `/healthz` and `/metrics`
 * on its HTTP server (this machine only, figures that follow the ledger), and
 * its log as pino JSON lines (the bus's own lines included, card numbers
 * redacted).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import * as zmq from 'zeromq';
import { uuidV7, type PaymentDoc } from '../core/index.ts';
import {
  DeviceBusClient,
  envExample,
  environmentWithEnvFile,
  GatewayConfigError,
  gatewayLog,
  loadGatewayConfig,
  setGatewayLogDestination,
  SHOP_REQUIRED,
  startBus,
  startGatewayRuntime,
} from '../edge-services/index.ts';
import { until } from './support/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'edgepay-gwops-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SHOP_ENV = {
  EDGEPAY_DATA: '/var/lib/edgepay',
  EDGEPAY_SERVER_URL: 'https://edgepay.example.com',
  EDGEPAY_CREDENTIAL: 'gw_0190a1b2-c3d4.c2VjcmV0LXNlY3JldA',
  EDGEPAY_SITE: 'store-12',
  EDGEPAY_GATEWAY_ID: '0190a1b2-c3d4',
  EDGEPAY_OPERATOR_PIN: '482916',
};

describe('the gateway configuration', () => {
  it('reads a shop gateway from its settings, with defaults for the rest', () => {
    const c = loadGatewayConfig(SHOP_ENV, { require: SHOP_REQUIRED });
    assert.deepEqual(c.server, { url: SHOP_ENV.EDGEPAY_SERVER_URL, credential: SHOP_ENV.EDGEPAY_CREDENTIAL });
    assert.equal(c.operatorPin, '482916');
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 8081 });
    assert.equal(c.scanner, 'scanner-1');
    assert.equal(c.simulators, false, 'real hardware unless asked');
    assert.equal(c.logLevel, 'info');
    assert.deepEqual(c.electron, { kiosk: true, screen: 'kiosk', devTools: false });
  });

  it('names every wrong, missing or renamed setting at once, never showing a secret', () => {
    const env = { ...SHOP_ENV, EDGEPAY_OPERATOR_PIN: '12ab', EDGEPAY_GATEWAY_PORT: '99999', EDGEPAY_SIMULATORS: 'yes', OPERATOR_PIN: '999999', LOG_LEVEL: 'loud', EDGEPAY_SITE: '' };
    let error: GatewayConfigError | undefined;
    try {
      loadGatewayConfig(env, { require: SHOP_REQUIRED });
    } catch (err) {
      error = err as GatewayConfigError;
    }
    assert.ok(error instanceof GatewayConfigError);
    const text = error.problems.join('\n');
    for (const name of ['EDGEPAY_OPERATOR_PIN', 'EDGEPAY_GATEWAY_PORT', 'EDGEPAY_SIMULATORS', 'LOG_LEVEL', 'EDGEPAY_SITE is required']) assert.match(text, new RegExp(name), text);
    assert.match(text, /OPERATOR_PIN is no longer read: set EDGEPAY_OPERATOR_PIN instead/);
    assert.ok(!error.message.includes('12ab') && !error.message.includes('999999'), 'no PIN in the error');
    assert.throws(() => loadGatewayConfig({ EDGEPAY_SERVER_URL: 'http://x.example' }), /go together/);
    assert.throws(() => loadGatewayConfig({ GATEWAY_PORT: '8081' }), /EDGEPAY_GATEWAY_PORT/);
  });

  it('takes a .env file where the environment has no value, and .env.example lists exactly the declared settings', () => {
    const file = join(root, '.env');
    writeFileSync(file, 'EDGEPAY_OPERATOR_PIN=135790\nEDGEPAY_GATEWAY_PORT=9000\n');
    const env = environmentWithEnvFile({ EDGEPAY_GATEWAY_PORT: '9100' }, file);
    const c = loadGatewayConfig(env);
    assert.equal(c.operatorPin, '135790');
    assert.equal(c.http.port, 9100, 'the environment wins');
    const committed = readFileSync(join(import.meta.dirname, '..', '.env.example'), 'utf8');
    assert.equal(committed, envExample(), '.env.example is out of date: write envExample() of edge-services/config/gateway-config.ts to it');
  });
});

describe('/healthz and /metrics on the gateway', () => {
  it("answer this machine with the gateway's state, and refuse other hosts and pages", { timeout: 120_000 }, async () => {
    const gw = await startGatewayRuntime({
      dataDir: join(root, 'gateway'),
      siteId: 'site-ops',
      gatewayId: 'gw-ops',
      operatorPin: '246810',
      devices: { simulators: { only: ['card-terminal'], options: { 'card-terminal': { stepMs: 1 } } } },
      awaitCardTerminal: true,
      http: {},
    });
    try {
      const base = gw.api!.url;
      const health = await fetch(base + '/healthz');
      assert.equal(health.status, 200);
      const h = (await health.json()) as { status: string; ledger: string; devices: { deviceId: string; state: string }[] };
      assert.equal(h.status, 'ok');
      assert.equal(h.ledger, 'ok');
      assert.ok(
        h.devices.some((d) => d.state === 'running'),
        JSON.stringify(h.devices),
      );

      const metrics = async () => {
        const res = await fetch(base + '/metrics');
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
        return res.text();
      };
      // A failed match shows the gateway's own metrics, not the process's hundred lines.
      const ours = (t: string) =>
        t
          .split('\n')
          .filter((l) => l.startsWith('edgepay_gateway_') && !/_(process|nodejs)_/.test(l))
          .join('\n');
      let text = await metrics();
      assert.match(text, /^edgepay_gateway_unsent_payments\{site="site-ops",gateway="gw-ops"\} 0$/m, ours(text));
      assert.match(text, /^edgepay_gateway_device_last_seen_seconds\{device="[^"]+",kind="card-terminal",site="site-ops",gateway="gw-ops"\} \d/m, ours(text));
      assert.match(text, /^edgepay_gateway_process_resident_memory_bytes/m);
      // A payment stored offline shows at once.
      const at = new Date().toISOString();
      const p: PaymentDoc = {
        id: uuidV7(),
        siteId: 'site-ops',
        gatewayId: 'gw-ops',
        flow: 'kiosk',
        amount: 4500,
        currency: 'KRW',
        method: 'card-terminal',
        lineItems: [{ name: 'coffee', quantity: 1, unitAmount: 4500, lineAmount: 4500 }],
        token: 'tok_test_approve',
        createdAt: at,
        offline: true,
        status: 'stored',
        statusHistory: [{ status: 'stored', at, by: 'gateway' }],
      };
      await gw.gateway.ledger.db.payments.insert(p);
      text = await metrics();
      assert.match(text, /^edgepay_gateway_unsent_payments\{[^}]*\} 1$/m, ours(text));
      assert.match(text, /^edgepay_gateway_unsent_amount_minor\{currency="KRW",[^}]*\} 4500$/m, ours(text));

      // Same guard as the API: not another host (DNS rebinding), not another page, not another machine.
      // (node:http, not fetch: fetch will not send another Host.)
      const statusOf = (path: string, headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = request(base + path, { headers }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      for (const headers of [{ host: 'rebound.example' }, { origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
        for (const path of ['/healthz', '/metrics']) assert.equal(await statusOf(path, headers), 403, `${path} ${JSON.stringify(headers)}`);
      }
      assert.equal(await statusOf('/healthz', {}), 200, 'the same request from this machine');
    } finally {
      await gw.stop();
    }
  });
});

describe('the gateway log', () => {
  it("is pino JSON lines: the bus's refusals as fields, card numbers redacted", { timeout: 60_000 }, async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    setGatewayLogDestination(sink);
    const bus = await startBus();
    const clients: DeviceBusClient[] = [];
    try {
      const genuine = bus.enrollNewDevice('ble-5', 'ble-reader');
      const stranger = zmq.curveKeyPair();
      clients.push(DeviceBusClient.connect({ ...genuine, publicKey: stranger.publicKey, secretKey: stranger.secretKey }, { model: 'test', firmware: '1' }));
      await until('a refused handshake logged', () => lines.some((l) => l.event === 'bus-handshake-refused'), 30_000);
      const refused = lines.find((l) => l.event === 'bus-handshake-refused')!;
      assert.equal(refused.component, 'bus');
      assert.equal(refused.level, 'warn');
      assert.equal(refused.service, 'edgepay-gateway');
      assert.equal(refused.reason, 'auth');
      assert.equal(typeof refused.time, 'string');

      gatewayLog('driver', { deviceId: 'terminal-1' }).error({ detail: 'card 4111 1111 1111 1111 read' }, 'terminal said tok_4111111111111111');
      const line = JSON.stringify(lines.at(-1));
      assert.ok(!line.includes('4111111111111111') && !line.includes('4111 1111'), line);
      assert.match(line, /"component":"driver"/);
    } finally {
      for (const c of clients) c.close();
      await bus.stop();
      setGatewayLogDestination(undefined);
    }
  });
});
