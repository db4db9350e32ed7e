/**
 * Benchmark-only peers, installed on first use instead of by `npm install` (issue 26):
 * pouchdb-server and pouchdb-node (the sync bench's peer) bring about 300 of the
 * project's packages, and autocannon (the payments bench's load generator) 20 more,
 * that nothing but a bench needs.
 *
 * They go into a cache folder of their own (default `.cache/bench-peers` in the
 * repository, git-ignored; BENCH_PEERS_DIR to move it), with the versions pinned here,
 * through the ordinary npm client. Install scripts are not run: the root's allowScripts
 * keeps leveldown and sqlite3 from building too (leveldown loads its shipped prebuild;
 * pouchdb-server's SQLite adapter is not used). Progress goes to stderr: stdout is
 * reserved for the result lines.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { log } from './report.ts';

/** Every peer a bench installs on demand, pinned (bump here, not in package.json). */
export const BENCH_PEERS = {
  'pouchdb-server': '4.2.0',
  'pouchdb-node': '9.0.0',
  autocannon: '9.0.0',
} as const;
export type BenchPeer = keyof typeof BENCH_PEERS;

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function benchPeersDir(): string {
  return resolve(process.env['BENCH_PEERS_DIR'] || join(REPO, '.cache', 'bench-peers'));
}

function installedVersion(dir: string, name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Peers whose pinned version is not in the cache yet. */
export function missingBenchPeers(names: readonly BenchPeer[], dir = benchPeersDir()): BenchPeer[] {
  return names.filter((n) => installedVersion(dir, n) !== BENCH_PEERS[n]);
}

let installing: Promise<void> = Promise.resolve();

/**
 * Makes sure the named peers are in the cache (installing what is missing, once) and
 * returns a `require` that loads them from there.
 */
export async function benchPeers(names: readonly BenchPeer[]): Promise<NodeRequire> {
  const dir = benchPeersDir();
  // One install at a time within this process (two parts of one bench asking at once).
  installing = installing.then(() => install(dir, missingBenchPeers(names, dir)));
  await installing;
  return createRequire(join(dir, 'package.json'));
}

async function install(dir: string, missing: BenchPeer[]): Promise<void> {
  if (missing.length === 0) return;
  mkdirSync(dir, { recursive: true });
  // A package.json of its own, so that npm never walks up to the repository's.
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, JSON.stringify({ name: 'edgepay-bench-peers', private: true, description: 'Benchmark-only peers, installed by bench/peers.ts' }, null, 2) + '\n');
  const specs = missing.map((n) => `${n}@${BENCH_PEERS[n]}`);
  const shown = relative(process.cwd(), dir) || dir;
  log(`bench peers: installing ${specs.join(' ')} into ${shown} (first use only; about a minute, a few hundred packages)…`);
  const started = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', dir, '--save-exact', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=http', ...specs];
  // Progress: npm logs one `http fetch` (or `http cache`) line per package at loglevel http; those are
  // counted (a line every 50), everything else npm says is passed on.
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(npm, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let fetched = 0;
    const onLine = (line: string) => {
      if (/\bhttp (fetch|cache)\b/.test(line)) {
        if (++fetched % 50 === 0) log(`bench peers: ${fetched} fetched…`);
      } else if (line.trim() !== '') log(`  npm: ${line}`);
    };
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', onLine);
    child.once('error', fail);
    child.once('close', (c) => done(c));
  });
  if (code !== 0) throw new Error(`bench peers: \`npm ${args.join(' ')}\` exited with ${code}`);
  const still = missingBenchPeers(missing, dir);
  if (still.length > 0) throw new Error(`bench peers: ${still.join(', ')} still missing from ${dir} after npm install`);
  log(`bench peers: installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
