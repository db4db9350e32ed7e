/**
 * Shared output helpers for `bench/` (DESIGN.md section 8).
 *
 * stdout carries only result lines: one JSON object per line and per figure,
 *   {"bench":"storage","subject":"sqlite-full","metric":"insert-documents-500","value":8.1,"unit":"ms"}
 * with the fixed keys first in that order, then `p99` if given, then any extra
 * fields. Everything else (progress, warnings) goes to stderr through `log`.
 */

export type BenchLine = {
  /** Bench name, as passed to `npm run bench -- NAME`. */
  bench: string;
  /** What was measured: `memory`, `dexie-fake-indexeddb`, `sqlite-full`, ... */
  subject: string;
  /** Metric name; a peer harness's own step name where there is one. */
  metric: string;
  /** Median over the runs, or the peer harness's own figure. */
  value: number;
  unit: string;
  /** 99th percentile, where latency is measured. */
  p99?: number;
  /** Extra machine-readable fields (numbers, strings, booleans). */
  [extra: string]: string | number | boolean | undefined;
};

const FIXED_KEYS = ['bench', 'subject', 'metric', 'value', 'unit', 'p99'] as const;

/** Formats one result line (no trailing newline). Throws on malformed input. */
export function formatLine(line: BenchLine): string {
  for (const key of ['bench', 'subject', 'metric', 'unit'] as const) {
    if (typeof line[key] !== 'string' || line[key].length === 0) {
      throw new TypeError(`bench line: '${key}' must be a non-empty string, got ${JSON.stringify(line[key])}`);
    }
  }
  if (typeof line.value !== 'number' || !Number.isFinite(line.value)) {
    throw new TypeError(`bench line ${line.subject}/${line.metric}: 'value' must be a finite number, got ${String(line.value)}`);
  }
  if (line.p99 !== undefined && (typeof line.p99 !== 'number' || !Number.isFinite(line.p99))) {
    throw new TypeError(`bench line ${line.subject}/${line.metric}: 'p99' must be a finite number, got ${String(line.p99)}`);
  }
  const out: Record<string, string | number | boolean> = {
    bench: line.bench,
    subject: line.subject,
    metric: line.metric,
    value: line.value,
    unit: line.unit,
  };
  if (line.p99 !== undefined) out['p99'] = line.p99;
  for (const [key, v] of Object.entries(line)) {
    if ((FIXED_KEYS as readonly string[]).includes(key) || v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new TypeError(`bench line ${line.subject}/${line.metric}: '${key}' must be finite, got ${String(v)}`);
    }
    out[key] = v;
  }
  return JSON.stringify(out);
}

/** Prints one result line to stdout. */
export function emit(line: BenchLine): void {
  process.stdout.write(formatLine(line) + '\n');
}

/** Progress and diagnostics: stderr only. */
export function log(...parts: unknown[]): void {
  process.stderr.write(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ') + '\n');
}

function sortedCopy(values: readonly number[], what: string): number[] {
  if (values.length === 0) throw new RangeError(`${what} of an empty list`);
  for (const v of values) {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${what}: not a number: ${String(v)}`);
  }
  return [...values].sort((a, b) => a - b);
}

/** Median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  const s = sortedCopy(values, 'median');
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Nearest-rank percentile: the smallest sample such that at least p% of the
 * samples are <= it (p in (0, 100]). percentile(xs, 100) is the max; with
 * fewer than 100 samples, p99 is the max too.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  const s = sortedCopy(values, 'percentile');
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1]!;
}

/** Rounds to `digits` decimals (default 2) for output. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
