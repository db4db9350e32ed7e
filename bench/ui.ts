/**
 * `npm run bench -- ui`: from a barcode scan on the device bus to the item
 * visible in the kiosk's basket in Chromium, and the same path without the
 * browser.
 *
 * The store, from real parts (as tests/ui/harness.ts builds it): the central
 * server (PGlite in a temp dir) with a site and a catalogue, and the gateway
 * as startGatewayRuntime wires it: the ledger filled by GatewaySync, the
 * device bus (CURVE, ZAP, MAC), the kiosk checkout, and the API serving a UI
 * that Vite builds into a temp folder. The scanner is a separate Node process (bench/ui-scanner.ts)
 * with a DeviceBusClient enrolled on the bus, as a driver would be; it
 * publishes `scanner.scan` and reports Date.now() taken right before publish().
 *
 * Figures (one JSON line each, DESIGN.md section 8), ROUNDS timed scans each after WARMUP
 * untimed ones, one scan at a time; value = p50, plus p99, scans, max:
 *   edgepay-kiosk   scan-to-basket  ms  until a MutationObserver in the kiosk page (Debian's
 *                                       Chromium, headless, via playwright-core) sees the product's
 *                                       basket line in the DOM. Extra fields paintP50/paintP99: until
 *                                       the next frame after that (rAF, then a task), i.e. painted.
 *   edgepay-api-ws  scan-to-basket  ms  the peer without the browser: until a Node `ws` client on
 *                                       /api/events (in this process) receives the `kiosk` event
 *                                       whose basket has the product.
 * Clock: every timestamp is performance.timeOrigin + performance.now() (epoch ms, sub-ms; the
 * page's is coarsened to 0.1 ms) in the process that saw the moment. Before each subject the
 * scanner's and the observer's clocks are checked against this process's (NTP-style, shortest
 * of 30 round trips); a reading is corrected only when the offset exceeds the check's own
 * error (it has not so far: within ±0.03 ms for the scanner, ±0.5 ms for the page). Checks
 * after each subject are logged to show drift. The subjects run one after the other (the
 * WebSocket client first, no page open; then the page alone). Products rotate through
 * PRODUCTS items so each scan adds a new line; the basket is cleared (untimed) when all are in it.
 *
 * Settings (env): BENCH_ROUNDS (default 200), BENCH_WARMUP (default 20),
 * EDGEPAY_CHROMIUM (default /usr/bin/chromium).
 * Cleanup, also on failure and on SIGINT/SIGTERM: the browser, the scanner process, the
 * gateway API, bus, sync, ledger and server, and every temp folder.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import WebSocket from 'ws';
import type { ServerMessage } from '../core/index.ts';
import { startGatewayRuntime, type RunningGatewayApi } from '../edge-services/index.ts';
import { startServer } from '../server/index.ts';
import { emit, log, median, percentile, round } from './report.ts';
import { cleanupAll, defer } from './cleanup.ts';

const BENCH = 'ui';
const ROUNDS = positiveInt('BENCH_ROUNDS', 200);
const WARMUP = positiveInt('BENCH_WARMUP', 20);
const PRODUCTS = 10;
const SCAN_TIMEOUT_MS = 5_000;
const CHROMIUM = process.env.EDGEPAY_CHROMIUM ?? '/usr/bin/chromium';
const ADMIN = 'bench-ui-admin-token-0123456789';
const SITE = 'bench-ui-store';
const SCANNER_ID = 'scanner-1';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return n;
}

/** An EAN-13 with its check digit (a barcode must be a valid GTIN, or it may look like a card number). */
function ean13(first12: string): string {
  const sum = [...first12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return first12 + String((10 - (sum % 10)) % 10);
}

const CATALOGUE = Array.from({ length: PRODUCTS }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return { id: `p-bench-${n}`, barcode: ean13(`8801234501${n}`), name: `Bench item ${n}`, amount: 1000 + 100 * i };
});

function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `edgepay-bench-ui-${label}-`));
  const rm = () => rmSync(dir, { recursive: true, force: true });
  defer(`remove ${dir}`, rm, rm);
  return dir;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------- the store

type Store = { api: RunningGatewayApi; scanner: Scanner };

async function startStore(): Promise<Store> {
  const root = tempDir('store');
  const uiDir = join(root, 'ui');
  mkdirSync(uiDir);
  let t = performance.now();
  await build({
    configFile: join(import.meta.dirname, '..', 'renderer', 'vite.config.ts'),
    build: { outDir: uiDir, emptyOutDir: true },
    logLevel: 'warn',
  });
  log(`ui: built the kiosk UI in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const server = await startServer({ adminToken: ADMIN, port: 0, pgliteDir: join(root, 'server'), logger: false });
  defer('close server', () => server.close());
  const admin = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(server.url + path, { method, headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ gatewayId: string; credential: string }>;
  };
  const gw = await admin('/admin/gateways', { siteId: SITE, name: 'bench-ui' });
  const now = new Date().toISOString();
  await admin(
    `/admin/sites/${SITE}/sites`,
    [
      {
        id: SITE,
        name: 'EdgePay bench',
        timezone: 'Asia/Seoul',
        currency: 'KRW',
        locale: 'ko-KR',
        updatedAt: now,
        offlineLimits: { perPayment: [{ amount: 50_000, currency: 'KRW' }], totalStored: [{ amount: 200_000, currency: 'KRW' }], maxAgeMinutes: 1440 },
      },
    ],
    'PUT',
  );
  await admin(
    `/admin/sites/${SITE}/products`,
    CATALOGUE.map((p) => ({
      id: p.id,
      siteId: SITE,
      sku: p.id.toUpperCase(),
      barcode: p.barcode,
      name: p.name,
      price: { amount: p.amount, currency: 'KRW' },
      active: true,
      updatedAt: now,
    })),
    'PUT',
  );

  // The gateway as every gateway starts (startGatewayRuntime); no card terminal or simulator: no payment is made here.
  const runtime = await startGatewayRuntime({
    dataDir: join(root, 'gateway'),
    siteId: SITE,
    gatewayId: gw.gatewayId,
    server: { url: server.url, credential: gw.credential, backoff: { initialMs: 100, maxMs: 400 } },
    devices: { bus: { log: (line) => log('bus: ' + line) } },
    operatorPin: '246810',
    http: { uiDir },
  });
  defer('stop the gateway', () => runtime.stop());
  const ledger = runtime.gateway.ledger;
  const sync = runtime.gateway.sync!;
  const { bus } = runtime;
  const api = runtime.api!;
  await until('the catalogue on the gateway', async () => (await ledger.db.products.count().exec()) === CATALOGUE.length && (await ledger.db.sites.findOne(SITE).exec()) !== null);
  await until('the gateway online', () => sync.online);
  if (!api.servesUi) throw new Error(`the gateway does not serve the UI built in ${uiDir}`);

  const scanner = await startScanner(bus.enrollNewDevice(SCANNER_ID, 'scanner'));
  log(`ui: store up in ${((performance.now() - t) / 1000).toFixed(1)} s (server, ledger synced, bus, scanner process, API at ${api.url})`);
  return { api, scanner };
}

// ---------------------------------------------------------------- clocks

/**
 * Epoch milliseconds with sub-millisecond resolution. The scanner process and the page use
 * the same formula (performance.timeOrigin + performance.now()); each maps the machine's
 * monotonic clock to wall time once, at its start, so the three agree unless the wall clock
 * was stepped or slewed in between. checkClock() measures that instead of assuming it.
 */
const now = () => performance.timeOrigin + performance.now();

type ClockCheck = { offsetMs: number; rttMs: number };

/**
 * NTP-style: the remote's reading against the midpoint of our send and receive, over the
 * exchange with the shortest round trip. The true offset lies within ±rtt/2 of the estimate.
 */
async function checkClock(remoteNow: () => Promise<number>, exchanges = 30): Promise<ClockCheck> {
  let best: ClockCheck = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < exchanges; i++) {
    const t1 = now();
    const remote = await remoteNow();
    const t2 = now();
    if (t2 - t1 < best.rttMs) best = { offsetMs: remote - (t1 + t2) / 2, rttMs: t2 - t1 };
  }
  return best;
}

/** The correction to subtract from the remote's readings: none while the clocks agree within the check's own error. */
function correction(label: string, c: ClockCheck): number {
  const agree = Math.abs(c.offsetMs) <= Math.max(c.rttMs / 2, 0.01);
  log(`ui: clock check ${label}: offset ${c.offsetMs.toFixed(3)} ms ± ${(c.rttMs / 2).toFixed(3)} ms → ${agree ? 'same clock, no correction' : `corrected by ${c.offsetMs.toFixed(3)} ms`}`);
  return agree ? 0 : c.offsetMs;
}

// ---------------------------------------------------------------- the scanner process

type Scanner = {
  /** Publishes a scan from the scanner process; resolves with its send time in the scanner's clock. */
  scan(code: string): Promise<number>;
  /** The scanner process's clock reading. */
  clock(): Promise<number>;
};

async function startScanner(credentials: unknown): Promise<Scanner> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'ui-scanner.ts'), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    // Its stdout goes to our stderr: stdout carries only result lines.
    stdio: ['ignore', 2, 2, 'ipc'],
    serialization: 'json',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  defer(
    `stop scanner process (pid ${child.pid})`,
    async () => {
      if (!alive()) return;
      if (child.connected) child.disconnect();
      const term = setTimeout(() => alive() && child.kill('SIGTERM'), 1000);
      const kill = setTimeout(() => alive() && child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
    () => {
      if (alive()) child.kill('SIGKILL');
    },
  );
  let seq = 0;
  const pending = new Map<number, { resolve(at: number): void; reject(err: Error): void }>();
  let onReady: (() => void) | undefined;
  let failure: Error | undefined;
  const failAll = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  child.on('message', (m: { type: string; seq?: number; sentAt?: number; at?: number; message?: string }) => {
    if (m.type === 'ready') onReady?.();
    else if ((m.type === 'sent' || m.type === 'clock') && m.seq !== undefined) {
      pending.get(m.seq)?.resolve((m.type === 'sent' ? m.sentAt : m.at) ?? NaN);
      pending.delete(m.seq);
    } else if (m.type === 'error') failAll(new Error(`scanner process: ${m.message}`));
  });
  child.once('exit', (code, signal) => failAll(new Error(`scanner process exited (${signal ?? code})`)));
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.send({ type: 'start', credentials });
  await withTimeout(Promise.race([ready, exited.then(() => Promise.reject(failure))]), 20_000, 'the scanner process on the bus');
  const ask = (message: object) => {
    if (failure) return Promise.reject(failure);
    const id = ++seq;
    return new Promise<number>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ ...message, seq: id });
    });
  };
  return {
    scan: (code) => ask({ type: 'scan', code }),
    clock: () => ask({ type: 'clock' }),
  };
}

// ---------------------------------------------------------------- measuring

/** What a subject must provide: arm a watch for a product's line, and empty the basket. */
type Observer = {
  /**
   * Call before the scan. The returned function resolves, in the observer's clock, when the
   * line is seen (and, for the page, when the frame after that has been painted).
   */
  watch(name: string): Promise<() => Promise<{ seenAt: number; paintedAt?: number }>>;
  /** Resolves once the observer sees an empty basket. */
  emptied(): Promise<void>;
  /** The observer's clock reading (for the clock check). */
  clock(): Promise<number>;
};

type Samples = { seen: number[]; painted: number[] };

async function measure(label: string, store: Store, observer: Observer): Promise<Samples> {
  const samples: Samples = { seen: [], painted: [] };
  const clear = async () => {
    const empty = observer.emptied();
    await store.api.service.clear();
    await withTimeout(empty, SCAN_TIMEOUT_MS, `${label}: an empty basket`);
  };
  // Both readings into this process's clock.
  const scannerOffset = correction(`${label} scanner process`, await checkClock(store.scanner.clock));
  const observerOffset = correction(`${label} observer`, await checkClock(observer.clock));
  await clear();
  const started = performance.now();
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const product = CATALOGUE[i % PRODUCTS]!;
    if (i > 0 && i % PRODUCTS === 0) await clear();
    const seen = await observer.watch(product.name);
    const sentAt = (await store.scanner.scan(product.barcode)) - scannerOffset;
    const r = await withTimeout(seen(), SCAN_TIMEOUT_MS, `${label}: ${product.name} in the basket (scan ${i + 1})`);
    if (i < WARMUP) continue;
    samples.seen.push(r.seenAt - observerOffset - sentAt);
    if (r.paintedAt !== undefined) samples.painted.push(r.paintedAt - observerOffset - sentAt);
    if ((i - WARMUP + 1) % 50 === 0) log(`${label}: ${i - WARMUP + 1}/${ROUNDS} scans, p50 so far ${round(median(samples.seen))} ms`);
  }
  log(`${label}: ${ROUNDS} scans (+${WARMUP} warm-up) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // Drift over the phase would show here.
  await checkClock(store.scanner.clock).then((c) => log(`ui: clock check ${label} scanner process after: offset ${c.offsetMs.toFixed(3)} ms ± ${(c.rttMs / 2).toFixed(3)} ms`));
  await checkClock(observer.clock).then((c) => log(`ui: clock check ${label} observer after: offset ${c.offsetMs.toFixed(3)} ms ± ${(c.rttMs / 2).toFixed(3)} ms`));
  return samples;
}

/** The peer: a Node WebSocket client on the kiosk's event stream, in this process. */
async function wsObserver(api: RunningGatewayApi): Promise<Observer & { close(): void }> {
  const ws = new WebSocket(api.url.replace(/^http/, 'ws') + '/api/events');
  defer('close WebSocket client', () => ws.terminate());
  await withTimeout(new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject)), 10_000, 'the WebSocket');
  let listener: ((receivedAt: number, names: string[]) => void) | undefined;
  ws.on('message', (data) => {
    const receivedAt = now();
    const m = JSON.parse(String(data)) as ServerMessage;
    if (m.type === 'event' && m.event.type === 'kiosk')
      listener?.(
        receivedAt,
        m.event.state.basket.lines.map((l) => l.name),
      );
  });
  const next = (match: (names: string[]) => boolean) =>
    new Promise<number>((resolve) => {
      listener = (at, names) => {
        if (!match(names)) return;
        listener = undefined;
        resolve(at);
      };
    });
  return {
    async watch(name) {
      const seen = next((names) => names.includes(name));
      return async () => ({ seenAt: await seen });
    },
    emptied: () => next((names) => names.length === 0).then(() => undefined),
    clock: async () => now(),
    close: () => ws.terminate(),
  };
}

/**
 * Installed in the kiosk page (as source text: tsx's transform would add helpers the page
 * does not have). __benchArm(name) starts a MutationObserver that records when a basket line
 * with that product name appears, and when the next frame after it has been painted;
 * __benchEmptied() resolves once the basket shows no line.
 */
const PAGE_SCRIPT = `
window.__benchNow = () => performance.timeOrigin + performance.now();
window.__benchArm = (expected) => {
  const has = () => Array.from(document.querySelectorAll('[data-testid="basket-line"] .line-name')).some((e) => e.textContent === expected);
  if (has()) throw new Error(expected + ' is already in the basket');
  window.__benchSeen = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!has()) return;
      const seenAt = window.__benchNow();
      observer.disconnect();
      // Painted: the next frame's rAF callbacks run before its paint; a task queued from there runs after it.
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve({ seenAt, paintedAt: window.__benchNow() });
        channel.port2.postMessage(null);
      });
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
};
window.__benchEmptied = () => new Promise((resolve) => {
  const empty = () => document.querySelectorAll('[data-testid="basket-line"]').length === 0;
  if (empty()) return resolve(true);
  const observer = new MutationObserver(() => {
    if (!empty()) return;
    observer.disconnect();
    resolve(true);
  });
  observer.observe(document.body, { childList: true, subtree: true });
});
true`;

/** The kiosk page: a MutationObserver on the basket, the page's own clock. */
async function pageObserver(page: Page): Promise<Observer> {
  await page.evaluate(PAGE_SCRIPT);
  return {
    async watch(name) {
      await page.evaluate(`window.__benchArm(${JSON.stringify(name)}), true`);
      return () => page.evaluate('window.__benchSeen') as Promise<{ seenAt: number; paintedAt: number }>;
    },
    // (Not waitForFunction: the kiosk's CSP forbids the eval it uses for a string predicate.)
    emptied: () => page.evaluate('window.__benchEmptied()').then(() => undefined),
    clock: () => page.evaluate('window.__benchNow()') as Promise<number>,
  };
}

async function launchKiosk(url: string): Promise<Page> {
  const profile = tempDir('chromium');
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1080, height: 1920 },
    timeout: 60_000,
  });
  defer('close Chromium', () => context.close());
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  page.on('pageerror', (err) => log(`kiosk page error: ${err.message}`));

  await page.goto(url + '?lang=en');
  // The welcome heading shows once the page has the gateway's (empty) basket.
  await page.getByRole('heading', { name: 'Scan your items' }).waitFor();
  return page;
}

function report(subject: string, samples: number[], extra: Record<string, number | string | boolean> = {}): void {
  const p50 = round(median(samples));
  const p99 = round(percentile(samples, 99));
  emit({ bench: BENCH, subject, metric: 'scan-to-basket', value: p50, unit: 'ms', p99, scans: samples.length, max: round(Math.max(...samples)), ...extra });
  log(`${subject}: scan-to-basket p50 ${p50} ms, p99 ${p99} ms (goal: p99 < 100 ms${p99 < 100 ? ', met' : ', NOT met'})`);
}

export async function run(_args: string[]): Promise<number> {
  try {
    log(`ui: ${ROUNDS} timed scans per subject after ${WARMUP} warm-up scans, ${PRODUCTS} products rotating`);
    const store = await startStore();

    const ws = await wsObserver(store.api);
    const viaWs = await measure('edgepay-api-ws', store, ws);
    ws.close();
    await store.api.service.clear();

    const page = await launchKiosk(store.api.kioskUrl);
    const inPage = await measure('edgepay-kiosk', store, await pageObserver(page));

    report('edgepay-kiosk', inPage.seen, { paintP50: round(median(inPage.painted)), paintP99: round(percentile(inPage.painted, 99)) });
    report('edgepay-api-ws', viaWs.seen);
    log(`ui: the browser's share at p50 ≈ ${round(median(inPage.seen) - median(viaWs.seen))} ms (in the DOM), ${round(median(inPage.painted) - median(viaWs.seen))} ms (painted)`);
    return 0;
  } finally {
    await cleanupAll();
  }
}
