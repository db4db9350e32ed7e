/**
 * `npm run bench -- bus`: the device bus against bare ZeroMQ, in one run.
 *
 * Subjects:
 *   edgepay-bus   startBus() + DeviceBusClient: CURVE on both sockets, ZAP handler,
 *                 MACs on what devices send but replies (the gateway verifies the
 *                 hello on a command connection, which binds it, and every event
 *                 message; replies come only from a bound connection),
 *                 envelope + schema validation at both ends (edge-services/bus/PROTOCOL.md).
 *   bare-zeromq   the same socket pairs (ROUTER/DEALER, SUB/PUB) on tcp 127.0.0.1 with
 *                 no CURVE, no MAC, no parsing: the same envelope bytes are passed through.
 *   bare-zeromq-curve  the bare pairs with CURVE only, to show what encryption alone costs.
 *   envelope-floor  the bare ROUTER/DEALER pair with CURVE doing only the bus's essential
 *                 per-message work for a command: make the envelope, check its params,
 *                 JSON both ways, decode and check the envelope at the device, check and
 *                 JSON the reply, decode and check it at the gateway. No MAC, no maps,
 *                 no timeouts, no queueing: the least any JSON bus with this validation
 *                 could do, so edgepay-bus's distance from it is what the bus itself adds.
 *                 Round trip only.
 * Both ends of each subject live in this process (loopback TCP), so both subjects pay
 * the same event-loop costs.
 *
 * Metrics, one JSON line each per subject:
 *   round-trip  ms, value = median, p99 — a `device.ping` command and its reply,
 *               sequential, ROUNDTRIPS per run (after WARMUP untimed ones).
 *   events      msg/s, value = median over runs — EVENTS `scanner.scan` events published
 *               back to back, timed until the gateway has received (and, for edgepay-bus,
 *               validated) the last one. edgepay-bus events each carry their own code and
 *               the run fails unless every one arrived exactly once. The device coalesces
 *               events waiting behind a send into one ZeroMQ message (EventBatcher: each
 *               envelope still validated on its own at both ends); bare-zeromq sends one
 *               message per event. `zmqMessagesPerRun` says how many messages carried them.
 * Plus ratio lines: metric `round-trip/ratio-to-bare-zeromq` (p50 ratio, extra field
 * `p99Ratio`) and `events/ratio-to-bare-zeromq` (bare throughput / ours: > 1 means slower),
 * and `round-trip/ratio-to-envelope-floor` for edgepay-bus.
 * BENCH_RUNS (default 5) sets the runs; runs alternate between subjects.
 */
import * as zmq from 'zeromq';
import { checkCommand, checkReply, decodeEnvelope, uuidV7, type Envelope } from '../core/index.ts';
import { startBus, DeviceBusClient, makeEnvelope } from '../edge-services/index.ts';
import { emit, log, median, percentile, round } from './report.ts';

const BENCH = 'bus';
const ROUNDTRIPS = 2_000;
const WARMUP = 300;
const EVENTS = 20_000;
const SCAN = { code: '4006381333931', symbology: ']E0', source: 'hid-pos' as const, complete: true };
const CODE_PREFIX = '4006381';
const eventCode = (i: number) => CODE_PREFIX + String(i).padStart(6, '0');

/** eventMessages: ZeroMQ messages that carried the EVENTS events (the bus coalesces a burst into batches); undefined: no events phase. */
type RunResult = { roundTripsMs: number[]; eventsPerSecond?: number; eventMessages?: number };

/** WARMUP untimed round trips, then ROUNDTRIPS timed ones, one after another. */
async function timeRoundTrips(roundTrip: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await roundTrip();
  const roundTripsMs: number[] = [];
  for (let i = 0; i < ROUNDTRIPS; i++) {
    const t0 = performance.now();
    await roundTrip();
    roundTripsMs.push(performance.now() - t0);
  }
  return roundTripsMs;
}

async function edgepayRun(): Promise<RunResult> {
  const gw = await startBus({ log: () => undefined });
  // The device on the gateway's context, as the bare subjects share one context (one ZeroMQ I/O thread).
  const device = DeviceBusClient.connect(gw.enrollNewDevice('scanner-1', 'scanner'), { model: 'bench', firmware: '1', context: gw.context });
  try {
    await device.whenSubscribed(10_000);
    const roundTripsMs = await timeRoundTrips(() => gw.bus.command('scanner-1', 'device.ping', {}));
    // Every event has its own code, so the count proves each one arrived once (validated), none twice.
    const seen = new Uint8Array(EVENTS);
    let received = 0;
    let repeated = 0;
    const all = new Promise<void>((resolve) => {
      gw.bus.onEvent((e) => {
        if (e.type !== 'scanner.scan') return;
        const i = Number((e.payload['code'] as string).slice(CODE_PREFIX.length));
        if (seen[i] !== 0) repeated++;
        seen[i] = 1;
        if (++received === EVENTS) resolve();
      });
    });
    const messagesBefore = gw.bus.metrics().eventMessages;
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i++) void device.publish('scanner.scan', { ...SCAN, code: eventCode(i) });
    await all;
    const eventsPerSecond = EVENTS / ((performance.now() - t0) / 1000);
    const metrics = gw.bus.metrics();
    if (metrics.dropped > 0) throw new Error(`edgepay-bus dropped ${metrics.dropped} messages`);
    if (repeated > 0 || seen.includes(0)) throw new Error(`edgepay-bus: ${repeated} events repeated, or some missing`);
    return { roundTripsMs, eventsPerSecond, eventMessages: metrics.eventMessages - messagesBefore };
  } finally {
    await device.close();
    await gw.stop();
  }
}

/** Bare sockets; with `curve`, CURVE on both pairs (no ZAP handler, no MAC, no validation). */
async function bareRun(curve: boolean): Promise<RunResult> {
  const context = new zmq.Context();
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const serverOptions = curve ? { curveServer: true, curvePublicKey: server.publicKey, curveSecretKey: server.secretKey } : {};
  const clientOptions = curve ? { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey } : {};
  const router = new zmq.Router({ context, linger: 0, ...serverOptions });
  const sub = new zmq.Subscriber({ context, linger: 0, receiveHighWaterMark: 100_000, ...serverOptions });
  await router.bind('tcp://127.0.0.1:*');
  await sub.bind('tcp://127.0.0.1:*');
  sub.subscribe();
  const dealer = new zmq.Dealer({ context, linger: 0, routingId: 'scanner-1', ...clientOptions });
  const pub = new zmq.Publisher({ context, linger: 0, sendHighWaterMark: 100_000, ...clientOptions });
  dealer.connect(router.lastEndpoint!);
  pub.connect(sub.lastEndpoint!);
  const body = () => Buffer.from(JSON.stringify({ v: 1, type: 'device.ping', id: uuidV7(), deviceId: 'scanner-1', ts: Date.now(), payload: {} }));
  // The device side: echo every command back as its reply.
  const echo = (async () => {
    for await (const [message] of dealer) await dealer.send(message!);
  })().catch(() => undefined);
  try {
    await dealer.send(body());
    await router.receive();
    const roundTrip = async () => {
      await router.send(['scanner-1', body()]);
      await router.receive();
    };
    const roundTripsMs = await timeRoundTrips(roundTrip);
    // One reader for the whole phase (zeromq.js allows one receive at a time): probes, then events.
    let probes = 0;
    let received = 0;
    let onAll: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (onAll = resolve));
    const reader = (async () => {
      for await (const [message] of sub) {
        if (message!.length === 5) probes++;
        else if (++received === EVENTS) onAll();
      }
    })().catch(() => undefined);
    // A PUB drops until the subscription arrives: probe until one gets through.
    while (probes === 0) {
      await pub.send('probe');
      await new Promise((r) => setTimeout(r, 20));
    }
    const eventBody = Buffer.from(JSON.stringify({ v: 1, type: 'scanner.scan', id: uuidV7(), deviceId: 'scanner-1', ts: Date.now(), payload: SCAN }));
    const t0 = performance.now();
    for (let i = 0; i < EVENTS; i++) await pub.send(eventBody);
    await all;
    void reader;
    return { roundTripsMs, eventsPerSecond: EVENTS / ((performance.now() - t0) / 1000), eventMessages: EVENTS };
  } finally {
    for (const s of [dealer, pub, router, sub]) s.close();
    await echo;
  }
}

/** The bare CURVE pair doing only the envelope and schema work of a command round trip (see envelope-floor above). */
async function envelopeFloorRun(): Promise<RunResult> {
  const context = new zmq.Context();
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const router = new zmq.Router({ context, linger: 0, curveServer: true, curvePublicKey: server.publicKey, curveSecretKey: server.secretKey });
  await router.bind('tcp://127.0.0.1:*');
  const dealer = new zmq.Dealer({ context, linger: 0, routingId: 'scanner-1', curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey });
  dealer.connect(router.lastEndpoint!);
  const started = performance.now();
  // The device side: decode and check the command, answer with a checked reply.
  const device = (async () => {
    for (;;) {
      const [frame] = await dealer.receive();
      const decoded = decodeEnvelope(frame!.toString('utf8'));
      if (!decoded.ok || !checkCommand(decoded.envelope, 'scanner').ok) continue;
      const reply = makeEnvelope('reply', 'scanner-1', { ok: true, result: { uptimeMs: Math.round(performance.now() - started) } }, decoded.envelope.id);
      if (!checkReply(reply as Envelope, decoded.envelope.type).ok) continue;
      await dealer.send(JSON.stringify(reply));
    }
  })().catch(() => undefined);
  try {
    await dealer.send('hello');
    await router.receive();
    const roundTrip = async () => {
      const command = makeEnvelope('device.ping', 'scanner-1', {});
      if (!checkCommand(command as Envelope, 'scanner').ok) throw new Error('envelope-floor: invalid command');
      await router.send(['scanner-1', JSON.stringify(command)]);
      const [, frame] = await router.receive();
      const decoded = decodeEnvelope(frame!.toString('utf8'));
      if (!decoded.ok || decoded.envelope.id !== command.id || !checkReply(decoded.envelope, 'device.ping').ok) throw new Error('envelope-floor: bad reply');
    };
    return { roundTripsMs: await timeRoundTrips(roundTrip) };
  } finally {
    router.close();
    dealer.close();
    await device;
  }
}

function parseRuns(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 5;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_RUNS must be a positive integer, got '${raw}'`);
  return n;
}

export async function run(_args: string[]): Promise<number> {
  const runs = parseRuns(process.env['BENCH_RUNS']);
  const subjects = {
    'bare-zeromq': () => bareRun(false),
    'bare-zeromq-curve': () => bareRun(true),
    'envelope-floor': envelopeFloorRun,
    'edgepay-bus': edgepayRun,
  } as const;
  type Subject = keyof typeof subjects;
  const names = Object.keys(subjects) as Subject[];
  const results = Object.fromEntries(names.map((name) => [name, [] as RunResult[]])) as Record<Subject, RunResult[]>;
  for (let r = 1; r <= runs; r++) {
    for (const name of names) {
      const result = await subjects[name]();
      results[name].push(result);
      const events = result.eventsPerSecond === undefined ? '' : `, events ${Math.round(result.eventsPerSecond)}/s in ${result.eventMessages} messages`;
      log(`run ${r}/${runs} ${name}: round trip p50 ${median(result.roundTripsMs).toFixed(3)} ms${events}`);
    }
  }
  const figures = {} as Record<Subject, { p50: number; p99: number; events: number }>;
  for (const name of names) {
    const samples = results[name].flatMap((r) => r.roundTripsMs);
    const eventRuns = results[name].filter((r) => r.eventsPerSecond !== undefined);
    figures[name] = { p50: median(samples), p99: percentile(samples, 99), events: eventRuns.length ? median(eventRuns.map((r) => r.eventsPerSecond!)) : NaN };
    emit({ bench: BENCH, subject: name, metric: 'round-trip', value: round(figures[name].p50, 3), unit: 'ms', p99: round(figures[name].p99, 3), runs, samples: samples.length });
    if (eventRuns.length === 0) continue;
    const zmqMessagesPerRun = median(eventRuns.map((r) => r.eventMessages!));
    emit({ bench: BENCH, subject: name, metric: 'events', value: Math.round(figures[name].events), unit: 'msg/s', runs, eventsPerRun: EVENTS, zmqMessagesPerRun });
  }
  const bare = figures['bare-zeromq'];
  for (const name of ['edgepay-bus', 'bare-zeromq-curve', 'envelope-floor'] as const) {
    const subject = figures[name];
    emit({ bench: BENCH, subject: name, metric: 'round-trip/ratio-to-bare-zeromq', value: round(subject.p50 / bare.p50), unit: 'x', p99Ratio: round(subject.p99 / bare.p99) });
    if (!Number.isNaN(subject.events)) emit({ bench: BENCH, subject: name, metric: 'events/ratio-to-bare-zeromq', value: round(bare.events / subject.events), unit: 'x' });
  }
  const ours = figures['edgepay-bus'];
  const floor = figures['envelope-floor'];
  emit({ bench: BENCH, subject: 'edgepay-bus', metric: 'round-trip/ratio-to-envelope-floor', value: round(ours.p50 / floor.p50), unit: 'x', p99Ratio: round(ours.p99 / floor.p99) });
  return 0;
}
