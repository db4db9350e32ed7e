/**
 * `npm run bench -- NAME` → `tsx bench/run.ts NAME`.
 * Dispatches to `bench/<name>.ts`, whose `run(args)` prints result lines
 * (bench/report.ts) on stdout and progress on stderr.
 * Exit codes: 0 ok, 1 a bench failed, 2 unknown or missing bench name.
 */
import { log } from './report.ts';

export type BenchModule = { run(args: string[]): Promise<number | void> };

/** Known benches. Add a line here for each new `bench/<name>.ts`. */
const BENCHES: Record<string, () => Promise<BenchModule>> = {
  storage: () => import('./storage.ts'),
  bus: () => import('./bus.ts'),
  sync: () => import('./sync.ts'),
  recognition: () => import('./recognition.ts'),
  payments: () => import('./payments.ts'),
  ui: () => import('./ui.ts'),
  wallet: () => import('./wallet.ts'),
  // elevator
  elevator: () => import('./elevator.ts'),

  // cart
  cart: () => import('./cart.ts'),

  // two-channel
  'two-channel': () => import('./two-channel.ts'),

  // relay
  relay: () => import('./relay.ts'),

  // credit
  credit: () => import('./credit.ts'),
};

// stdout is reserved for JSON result lines: libraries that log with
// console.log/info/debug (RxDB's test-utils, for one) are sent to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

const [name, ...args] = process.argv.slice(2);
const known = Object.keys(BENCHES).sort().join(', ');
const load = name === undefined ? undefined : BENCHES[name];
if (load === undefined || !Object.hasOwn(BENCHES, name ?? '')) {
  log(name === undefined ? `usage: npm run bench -- NAME (known benches: ${known})` : `unknown bench '${name}'; known benches: ${known}`);
  process.exit(2);
}

const started = performance.now();
let exitCode = 0;
try {
  const mod = await load();
  const code = (await mod.run(args)) ?? 0;
  log(`bench ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  exitCode = code;
} catch (err) {
  log(`bench ${name} failed after ${((performance.now() - started) / 1000).toFixed(1)} s:`);
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  exitCode = 1;
}
// Exit explicitly (after stdout is flushed): a storage may leave timers or
// handles behind that would otherwise keep the process alive.
process.stdout.write('', () => process.exit(exitCode));
