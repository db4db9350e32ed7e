/**
 * `npm run bench -- storage`: RxDB's own storage performance test
 * (`runPerformanceTests` from `rxdb/plugins/test-utils`) on several RxStorages
 * in one run, so that our SQLite storage is compared with named peers.
 *
 * Subjects (narrow with BENCH_SUBJECTS=memory,sqlite-full):
 *   memory                RxDB's memory storage (the reference for ratios)
 *   dexie-fake-indexeddb  RxDB's Dexie storage over fake-indexeddb (fresh IDBFactory)
 *   sqlite-full           our sync/sqlite-storage, synchronous=FULL, fresh temp directory
 *   sqlite-normal         our sync/sqlite-storage, synchronous=NORMAL, fresh temp directory
 *   sqlite-full-json      sqlite-full with rowFormat 'json' (each row the document's JSON):
 *                         the same storage before shaped rows, so the gain of the row
 *                         format (sync/sqlite-storage/row-codec.ts) is measured in the same run
 * BENCH_RUNS=<n> sets the harness's run count (default 10: about 3 to 4.5 minutes
 * on 2 cores, Dexie over fake-indexeddb being the slowest subject by far).
 *
 * Each subject runs in a fresh child process (`bench/run.ts storage` with
 * BENCH_STORAGE_CHILD set), after one untimed warm-up run on the memory storage
 * there (JIT warm-up of RxDB itself would otherwise be charged to the subject),
 * so that no subject inherits the heap another left behind.
 * Setup mirrors RxDB's own performance test: plain storages, no schema
 * validator wrapper, dev-mode NOT enabled (RxDB's test asserts that, since
 * dev-mode would distort the timings). The harness's defaults are kept
 * (4 collections, 3000 docs inserted in 6 batches of 500, 50 serial docs,
 * 4 parallel queries, 100 ms pause between steps).
 *
 * Use `npm run -s bench -- storage` (or keep lines starting with `{`): npm itself
 * prints a `> edgepay@... bench` banner on stdout without -s.
 *
 * Output, one JSON line per subject and step, `metric` = the harness's step name
 * (time-to-first-insert, insert-documents-500, find-by-ids-3000, serial-inserts-50,
 * serial-find-by-id-50, find-by-query, find-by-query-parallel-4, 4x-count,
 * property-access), unit `ms`, plus an extra field `runs`:
 *   {"bench":"storage","subject":"sqlite-full","metric":"find-by-query","value":40.1,"unit":"ms","runs":10}
 * `value` is the harness's own figure, NOT a median: for every step it sorts the
 * samples, drops the slowest floor(95%) of them and averages the rest, i.e. the
 * mean of the fastest 5% (with fewer than 20 samples: the single fastest one).
 * Each run gives one sample per step, except insert-documents-500 which gives 6
 * (one per batch). So with the default 10 runs `value` is a best-of-10.
 *
 * Subject `json-parse-floor` (when memory ran): JSON.parse alone of 3,000 / 3,050
 * documents of the harness's shape, for find-by-ids-3000 and find-by-query, with
 * its ratio to memory: the floor for any storage that decodes what it stores
 * (storage-floor.ts says why).
 *
 * Lines `insert-documents-500/storage-call`, `find-by-ids-3000/storage-call` and
 * `find-by-query/storage-call` (ms, every subject): the storage's own call inside
 * that step, from the call to its answer (its fastest over the runs;
 * storage-calls.ts). The rest of the step is RxDB's work before the write or on
 * the answer, so the two show which side a ratio comes from.
 *
 * Ratios are SEPARATE lines, for every non-memory subject and step, when memory
 * was benched in the same run and its figure is > 0:
 *   {"bench":"storage","subject":"sqlite-full","metric":"find-by-query/ratio-to-memory","value":4.87,"unit":"x"}
 * value = subject figure / memory figure (2 decimals).
 *
 * If sync/sqlite-storage/index.ts does not exist, the sqlite subjects are skipped
 * with a note on stderr (exit 0 if nothing else failed; exit 1 if they were asked
 * for explicitly in BENCH_SUBJECTS). If it exists but cannot be loaded, or any
 * subject fails, the others are still benched and the exit code is 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RxStorage } from 'rxdb';
import { runPerformanceTests } from 'rxdb/plugins/test-utils';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { emit, log, round } from './report.ts';
import { jsonParseFloorsMs } from './storage-floor.ts';
import { emptyCallTimes, fastestCalls, timedStorageCalls } from './storage-calls.ts';

const BENCH = 'storage';
const DEFAULT_RUNS = 10;
/** Fields of the harness's result that are not step timings. */
const NON_STEP_KEYS = new Set(['description', 'collectionsAmount', 'docsAmount']);

type SqliteSettings = { directory: string; synchronous?: 'FULL' | 'NORMAL'; rowFormat?: 'shaped' | 'json' };
type GetRxStorageSQLite = (settings: SqliteSettings) => RxStorage<any, any>;

const SQLITE_MODULE = fileURLToPath(new URL('../sync/sqlite-storage/index.ts', import.meta.url));

/** Loads our storage; `undefined` if the module is not there yet. Throws if it is there but broken. */
async function loadSqliteStorage(): Promise<GetRxStorageSQLite | undefined> {
  if (!existsSync(SQLITE_MODULE)) return undefined;
  // A computed specifier: the bench (and `tsc`) must work before the module exists.
  const mod = (await import(pathToFileURL(SQLITE_MODULE).href)) as Record<string, unknown>;
  const fn = mod['getRxStorageSQLite'];
  if (typeof fn !== 'function') {
    throw new Error(`${SQLITE_MODULE} does not export a function getRxStorageSQLite`);
  }
  return fn as GetRxStorageSQLite;
}

type Prepared = { storage: RxStorage<any, any>; cleanup(): void };
type Subject = { name: string; prepare(): Promise<Prepared> };

const tempDirs = new Set<string>();
function makeTempDir(subject: string): string {
  const dir = mkdtempSync(join(tmpdir(), `edgepay-bench-${subject}-`));
  tempDirs.add(dir);
  return dir;
}
function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}
// Interrupted runs must not leave SQLite files behind either.
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

function sqliteSubject(name: string, settings: Omit<SqliteSettings, 'directory'>, load: () => Promise<GetRxStorageSQLite | undefined>): Subject {
  return {
    name,
    async prepare() {
      const getRxStorageSQLite = await load();
      if (getRxStorageSQLite === undefined) throw new Error(`${SQLITE_MODULE} does not exist`);
      const directory = makeTempDir(name);
      log(`${name}: SQLite files in ${directory}`);
      return { storage: getRxStorageSQLite({ directory, ...settings }), cleanup: () => removeTempDir(directory) };
    },
  };
}

function parseRuns(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_RUNS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_RUNS must be a positive integer, got '${raw}'`);
  return n;
}

/** Set in a subject's child process: which subject it runs, and the file its figures go to. */
const CHILD_SUBJECT = 'BENCH_STORAGE_CHILD';
const CHILD_RESULT = 'BENCH_STORAGE_RESULT';
type ChildResult = { steps: [string, number][]; calls: [string, number][]; floors?: number[] };

export async function run(_args: string[]): Promise<number> {
  const runs = parseRuns(process.env['BENCH_RUNS']);

  let sqliteLoad: Promise<GetRxStorageSQLite | undefined> | undefined;
  const loadSqlite = () => (sqliteLoad ??= loadSqliteStorage());

  const childSubject = process.env[CHILD_SUBJECT];
  if (childSubject !== undefined) return runChild(allSubjects(loadSqlite), childSubject, runs);

  const all = allSubjects(loadSqlite);
  const known = all.map((s) => s.name);

  const requestedRaw = process.env['BENCH_SUBJECTS'];
  const explicit = requestedRaw !== undefined && requestedRaw.trim() !== '';
  const requested = explicit
    ? requestedRaw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : known;
  const unknown = requested.filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    log(`unknown BENCH_SUBJECTS: ${unknown.join(', ')}; known subjects: ${known.join(', ')}`);
    return 2;
  }
  let subjects = all.filter((s) => requested.includes(s.name));

  let exitCode = 0;
  const sqliteNames = subjects.filter((s) => s.name.startsWith('sqlite-')).map((s) => s.name);
  if (sqliteNames.length > 0) {
    try {
      if ((await loadSqlite()) === undefined) {
        log(`NOTE: ${SQLITE_MODULE} not found: skipping ${sqliteNames.join(', ')}`);
        subjects = subjects.filter((s) => !sqliteNames.includes(s.name));
        if (explicit) exitCode = 1;
      }
    } catch (err) {
      // It exists but does not load: still bench the others, then fail.
      log(`ERROR: could not load ${SQLITE_MODULE}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      log(`skipping ${sqliteNames.join(', ')}`);
      subjects = subjects.filter((s) => !sqliteNames.includes(s.name));
      exitCode = 1;
    }
  }

  log(`storage bench: ${runs} run(s) per subject; subjects: ${subjects.map((s) => s.name).join(', ') || '(none)'}`);
  // Each subject runs in a fresh child process, so that none of them runs in
  // the heap and JIT state the subjects before it left behind (in one process,
  // the SQLite subjects came after Dexie's large fake-IndexedDB heap).
  const results = new Map<string, Map<string, number>>();
  const calls = new Map<string, [string, number][]>();
  let floors: number[] | undefined;
  for (const subject of subjects) {
    const started = performance.now();
    log(`--- ${subject.name}: ${runs} run(s), in a child process`);
    try {
      const result = await runInChild(subject.name, runs);
      results.set(subject.name, new Map(result.steps));
      calls.set(subject.name, result.calls);
      if (result.floors) floors = result.floors;
      log(`--- ${subject.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      exitCode = 1;
      log(`ERROR: ${subject.name} failed after ${((performance.now() - started) / 1000).toFixed(1)} s: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  const memory = results.get('memory');
  if (memory === undefined && results.size > 0) log('NOTE: memory was not benched in this run: no ratio-to-memory lines');
  for (const [subject, steps] of results) {
    for (const [step, value] of steps) {
      emit({ bench: BENCH, subject, metric: step, value, unit: 'ms', runs });
      if (subject === 'memory' || memory === undefined) continue;
      const base = memory.get(step);
      if (base === undefined || base <= 0) {
        log(`NOTE: no ratio for ${subject}/${step}: memory figure is ${String(base)}`);
        continue;
      }
      emit({ bench: BENCH, subject, metric: `${step}/ratio-to-memory`, value: round(value / base), unit: 'x' });
    }
  }
  for (const [subject, timed] of calls) {
    for (const [step, value] of timed) emit({ bench: BENCH, subject, metric: `${step}/storage-call`, value: round(value, 3), unit: 'ms', runs });
  }
  if (memory !== undefined && floors !== undefined) emitDecodingFloor(memory, floors, runs);
  return exitCode;
}

function allSubjects(loadSqlite: () => Promise<GetRxStorageSQLite | undefined>): Subject[] {
  return [
    { name: 'memory', prepare: async () => ({ storage: getRxStorageMemory(), cleanup: () => {} }) },
    {
      name: 'dexie-fake-indexeddb',
      // A fresh in-memory IndexedDB factory: nothing left over from earlier subjects.
      prepare: async () => ({ storage: getRxStorageDexie({ indexedDB: new IDBFactory(), IDBKeyRange }), cleanup: () => {} }),
    },
    sqliteSubject('sqlite-full', { synchronous: 'FULL' }, loadSqlite),
    sqliteSubject('sqlite-normal', { synchronous: 'NORMAL' }, loadSqlite),
    sqliteSubject('sqlite-full-json', { synchronous: 'FULL', rowFormat: 'json' }, loadSqlite),
  ];
}

const RUN_FILE = fileURLToPath(new URL('./run.ts', import.meta.url));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Runs one subject in `node --import tsx bench/run.ts storage` with the child variables set; its progress goes to our stderr. */
async function runInChild(name: string, runs: number): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'edgepay-bench-result-'));
  tempDirs.add(dir);
  const file = join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_FILE, 'storage'], {
      env: { ...process.env, [CHILD_SUBJECT]: name, [CHILD_RESULT]: file, BENCH_RUNS: String(runs) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.add(child);
    const code = await new Promise<number | string>((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal ?? 'unknown')));
    children.delete(child);
    if (code !== 0) throw new Error(`the child process for ${name} exited with ${code}`);
    return JSON.parse(readFileSync(file, 'utf8')) as ChildResult;
  } finally {
    removeTempDir(dir);
  }
}

/** In a subject's child process: one untimed warm-up run, the harness, and (for memory) the decoding floor. */
async function runChild(all: Subject[], name: string, runs: number): Promise<number> {
  const subject = all.find((s) => s.name === name);
  const file = process.env[CHILD_RESULT];
  if (!subject || !file) {
    log(`storage bench child: unknown subject '${name}' or no ${CHILD_RESULT}`);
    return 2;
  }
  // So that no subject pays for the JIT warm-up of RxDB itself.
  const warm = performance.now();
  await runPerformanceTests(getRxStorageMemory(), 'warm-up', { runs: 1, log: false });
  log(`warm-up run (memory storage, not reported): ${((performance.now() - warm) / 1000).toFixed(1)} s`);
  const prepared = await subject.prepare();
  try {
    // log: true prints the harness's 'runsDone' progress and its result through
    // console.log, which bench/run.ts sends to stderr.
    const callTimes = emptyCallTimes();
    const result = await runPerformanceTests(timedStorageCalls(prepared.storage, callTimes), subject.name, { runs, log: true });
    const steps: [string, number][] = [];
    for (const [key, value] of Object.entries(result)) {
      if (NON_STEP_KEYS.has(key)) continue;
      if (typeof value !== 'number') throw new Error(`harness returned a non-numeric '${key}': ${String(value)}`);
      steps.push([key, value]);
    }
    if (steps.length === 0) throw new Error('harness returned no step timings');
    // The floor is taken right after memory, in the process state memory's own steps ran in.
    const calls = fastestCalls(callTimes);
    const out: ChildResult = subject.name === 'memory' ? { steps, calls, floors: decodingFloors(runs) } : { steps, calls };
    writeFileSync(file, JSON.stringify(out));
    return 0;
  } finally {
    try {
      prepared.cleanup();
    } catch (err) {
      log(`WARN: cleanup of ${subject.name} failed: ${String(err)}`);
    }
  }
}

/** Documents the two big read steps return. */
const FLOOR_STEPS: [step: string, documents: number][] = [
  ['find-by-ids-3000', 3000],
  ['find-by-query', 3050],
];
const floorSamples = (runs: number) => Math.max(runs, 20);

function decodingFloors(runs: number): number[] {
  return jsonParseFloorsMs(
    FLOOR_STEPS.map(([, documents]) => documents),
    floorSamples(runs),
  );
}

/**
 * Subject `json-parse-floor`: JSON.parse alone of the documents the read steps
 * return (3,000 for find-by-ids, 3,050 for find-by-query), beside memory's whole
 * step (see storage-floor.ts). Its ratio is the lowest any storage that decodes
 * stored documents can show on that step.
 */
function emitDecodingFloor(memory: Map<string, number>, floors: number[], runs: number): void {
  FLOOR_STEPS.forEach(([step, documents], k) => {
    const base = memory.get(step);
    if (base === undefined || base <= 0) return;
    const value = round(floors[k]!);
    emit({ bench: BENCH, subject: 'json-parse-floor', metric: step, value, unit: 'ms', samples: floorSamples(runs), documents });
    emit({ bench: BENCH, subject: 'json-parse-floor', metric: `${step}/ratio-to-memory`, value: round(value / base), unit: 'x' });
  });
}
