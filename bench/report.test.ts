import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatLine, median, percentile, round } from './report.ts';

test('median: odd and even counts, input order irrelevant, input not mutated', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.equal(median([10, 2, 2, 2, 100]), 2);
  assert.throws(() => median([]), RangeError);
  assert.throws(() => median([1, Number.NaN]), TypeError);
});

test('percentile: nearest rank', () => {
  const hundred = Array.from({ length: 100 }, (_v, i) => 100 - i); // 100..1, unsorted
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentile(hundred, 50), 50);
  assert.equal(percentile(hundred, 100), 100);
  assert.equal(percentile(hundred, 1), 1);
  // fewer than 100 samples: p99 is the maximum
  assert.equal(percentile([3, 9, 1, 4], 99), 9);
  assert.equal(percentile([3, 9, 1, 4], 50), 3);
  assert.equal(percentile([3, 9, 1, 4], 25), 1);
  assert.throws(() => percentile([1], 0), RangeError);
  assert.throws(() => percentile([1], 101), RangeError);
  assert.throws(() => percentile([], 50), RangeError);
});

test('round', () => {
  assert.equal(round(8.1049), 8.1);
  assert.equal(round(8.105, 1), 8.1);
  assert.equal(round(2 / 3), 0.67);
});

test('formatLine: the DESIGN.md example, byte for byte', () => {
  assert.equal(
    formatLine({ bench: 'storage', subject: 'sqlite-full', metric: 'insert-documents-500', value: 8.1, unit: 'ms' }),
    '{"bench":"storage","subject":"sqlite-full","metric":"insert-documents-500","value":8.1,"unit":"ms"}',
  );
});

test('formatLine: fixed keys first in order, then p99, then extras; one line', () => {
  const s = formatLine({ runs: 10, unit: 'ms', p99: 12.5, value: 3, metric: 'm', subject: 's', bench: 'b', note: 'a\nb' });
  assert.equal(s, '{"bench":"b","subject":"s","metric":"m","value":3,"unit":"ms","p99":12.5,"runs":10,"note":"a\\nb"}');
  assert.ok(!s.includes('\n'));
  assert.deepEqual(Object.keys(JSON.parse(s)), ['bench', 'subject', 'metric', 'value', 'unit', 'p99', 'runs', 'note']);
  // undefined extras and p99 are left out
  assert.equal(formatLine({ bench: 'b', subject: 's', metric: 'm', value: 1, unit: 'x', p99: undefined, extra: undefined }), '{"bench":"b","subject":"s","metric":"m","value":1,"unit":"x"}');
});

test('formatLine: rejects malformed lines', () => {
  const ok = { bench: 'b', subject: 's', metric: 'm', value: 1, unit: 'ms' };
  assert.throws(() => formatLine({ ...ok, value: Number.NaN }), TypeError);
  assert.throws(() => formatLine({ ...ok, value: Number.POSITIVE_INFINITY }), TypeError);
  assert.throws(() => formatLine({ ...ok, value: '1' as unknown as number }), TypeError);
  assert.throws(() => formatLine({ ...ok, p99: Number.NaN }), TypeError);
  assert.throws(() => formatLine({ ...ok, subject: '' }), TypeError);
  assert.throws(() => formatLine({ ...ok, ratio: Number.POSITIVE_INFINITY }), TypeError);
});

test('bench/run.ts: unknown bench name lists the known ones and exits 2, stdout stays empty', () => {
  const runTs = fileURLToPath(new URL('./run.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', runTs, 'no-such-bench'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown bench 'no-such-bench'; known benches: .*\bstorage\b/);
});
