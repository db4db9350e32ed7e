import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BusMetrics, DROP_LOG_INTERVAL_MS } from './bus-metrics.ts';

describe('bus drop log', () => {
  it('logs at most once per device per minute, counts everything, and says how many were suppressed', () => {
    let now = 5_000_000;
    const lines: string[] = [];
    const metrics = new BusMetrics(
      (line) => lines.push(line),
      () => now,
    );
    for (let i = 0; i < 50; i++) metrics.drop('payload', '/code must be a string', 'scanner-1');
    metrics.drop('malformed', 'not JSON', 'cart-1');
    assert.equal(lines.length, 2);
    now += DROP_LOG_INTERVAL_MS - 1;
    metrics.drop('payload', '/code must be a string', 'scanner-1');
    assert.equal(lines.length, 2, 'still inside the minute');
    now += 1;
    metrics.drop('payload', '/code must be a string', 'scanner-1');
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, /\(50 more dropped since the last line\)/);
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.dropped, 53);
    assert.deepEqual(snapshot.droppedByReason, { payload: 52, malformed: 1 });
    assert.deepEqual(snapshot.droppedByDevice, { 'scanner-1': 52, 'cart-1': 1 });
  });

  it('does not let forged device ids grow its tables without bound', () => {
    const metrics = new BusMetrics(
      () => undefined,
      () => 0,
    );
    for (let i = 0; i < 5_000; i++) metrics.drop('unauthenticated', 'device not enrolled', `forged-${i}`);
    const devices = Object.keys(metrics.snapshot().droppedByDevice);
    assert.ok(devices.length <= 1_001, `${devices.length} device entries`);
    assert.equal(metrics.snapshot().droppedByDevice['(unknown)'], 4_000);
  });
});
