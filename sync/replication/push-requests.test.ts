/**
 * The gateway's push in several requests: rows split by pushBatchSize, at
 * most `limit` requests in flight (also across calls), conflicts of all
 * requests returned, and a failure reported only once every request settled.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { limiter, pushInRequests } from './collection-replication.ts';
import type { PushRow, ReplicatedDocument } from '../../core/index.ts';

const rows = (n: number, from = 0): PushRow[] =>
  Array.from({ length: n }, (_, i) => ({ newDocumentState: { id: `d${from + i}`, _deleted: false } }));
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('push in requests', () => {
  it('splits by batch size, keeps at most the limit in flight across calls, returns every conflict', async () => {
    const limit = limiter(2);
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const send = async (chunk: PushRow[]): Promise<ReplicatedDocument[]> => {
      inFlight++;
      most = Math.max(most, inFlight);
      sizes.push(chunk.length);
      await tick(5);
      inFlight--;
      // Every tenth row "conflicts".
      return chunk.filter((r) => Number(String(r.newDocumentState.id).slice(1)) % 10 === 0).map((r) => r.newDocumentState);
    };
    const [a, b] = await Promise.all([pushInRequests(rows(25), 10, limit, send), pushInRequests(rows(7, 100), 10, limit, send)]);
    assert.equal(most, 2, 'never more than the limit in flight');
    assert.deepEqual([...sizes].sort((x, y) => x - y), [5, 7, 10, 10]);
    assert.deepEqual(a.map((d) => d.id).sort(), ['d0', 'd10', 'd20']);
    assert.deepEqual(b.map((d) => d.id), ['d100']);
  });

  it('never runs two calls under a limit of one when a caller arrives in the tick its slot frees', async () => {
    // Whichever microtask the limiter frees A's slot in, some trial makes C arrive in that very turn:
    // C's caller reacts to the promise A's call returned, then waits `delay` more microtasks.
    for (let delay = 0; delay <= 8; delay++) {
      const limit = limiter(1);
      let inFlight = 0;
      let most = 0;
      const order: string[] = [];
      const counted = (name: string, work: () => Promise<void>) => async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        order.push(name);
        try {
          await work();
        } finally {
          inFlight--;
        }
      };
      let finishA!: () => void;
      // Boxed: a promise resolved with a promise would wait for it.
      let aStarted!: (box: { returned: Promise<void> }) => void;
      const started = new Promise<{ returned: Promise<void> }>((r) => (aStarted = r));
      const a = limit(() => {
        const returned = counted('a', () => new Promise<void>((r) => (finishA = r)))();
        aStarted({ returned });
        return returned;
      });
      const b = limit(counted('b', () => tick(2).then(() => undefined)));
      const aReturned = (await started).returned;
      const c = aReturned.then(async () => {
        for (let i = 0; i < delay; i++) await Promise.resolve();
        return limit(counted('c', () => tick(2).then(() => undefined)));
      });
      finishA();
      await Promise.all([a, b, c]);
      assert.equal(most, 1, `at most one call in flight under a limit of one (C ${delay} microtasks after A)`);
      assert.deepEqual(order, ['a', 'b', 'c'], 'a waiting caller goes before a later one');
    }
  });

  it('fails with the first failure, only after every request has settled', async () => {
    const limit = limiter(3);
    let settled = 0;
    const send = async (chunk: PushRow[]): Promise<ReplicatedDocument[]> => {
      const first = chunk[0]!.newDocumentState.id;
      if (first === 'd0') {
        await tick(1);
        settled++;
        throw new Error('server unreachable');
      }
      await tick(20);
      settled++;
      return [];
    };
    await assert.rejects(pushInRequests(rows(30), 10, limit, send), /server unreachable/);
    assert.equal(settled, 3, 'the other requests had finished when the call failed');
  });
});
