/**
 * The gateway's push in several requests: rows split by pushBatchSize, at
 * most `limit` requests in flight (also across calls), conflicts of all
 * requests returned, and a failure reported only once every request settled.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { limiter, pushInRequests, PushSizer } from './collection-replication.ts';
import type { PushRow, ReplicatedDocument } from '../../core/index.ts';

const rows = (n: number, from = 0): PushRow[] => Array.from({ length: n }, (_, i) => ({ newDocumentState: { id: `d${from + i}`, _deleted: false } }));
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
    assert.deepEqual(
      [...sizes].sort((x, y) => x - y),
      [5, 7, 10, 10],
    );
    assert.deepEqual(a.map((d) => d.id).sort(), ['d0', 'd10', 'd20']);
    assert.deepEqual(
      b.map((d) => d.id),
      ['d100'],
    );
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

  it('sends only the rows of a slow request again, cut to the size of that moment, keeping the answered ones', async () => {
    const limit = limiter(3);
    const sizer = new PushSizer(10, 1000);
    const sent: string[][] = [];
    const stored = new Set<string>();
    const send = async (chunk: PushRow[]): Promise<ReplicatedDocument[]> => {
      const ids = chunk.map((r) => String(r.newDocumentState.id));
      sent.push(ids);
      await tick(2);
      // The link answers at most 4 rows in time; what it took is stored all the same (an answer lost, not the write).
      const conflicts = ids.filter((id) => stored.has(id)).map((id) => ({ id, _deleted: false }));
      for (const id of ids) stored.add(id);
      if (chunk.length > 4) throw Object.assign(new Error('slow'), { slow: true });
      sizer.answered(chunk.length, 1);
      return conflicts;
    };
    const again = (err: unknown, chunk: PushRow[]) => {
      if (!(err as { slow?: boolean }).slow) return false;
      sizer.slow(chunk.length);
      return true;
    };
    const conflicts = await pushInRequests(rows(40), () => sizer.size, limit, send, { workers: 3, again });
    assert.deepEqual(
      [...stored].sort(),
      rows(40)
        .map((r) => String(r.newDocumentState.id))
        .sort(),
      'every row reached the server',
    );
    const big = sent.filter((c) => c.length > 4);
    const resent = sent.flat().length - 40;
    // Three workers at 10 rows, then at 5 (halved once per slow answer, and the halves of the
    // requests already cut), then 2: a few rounds too large, not one per row.
    assert.ok(big.length > 0 && big.length <= 9, `only the first rounds of requests were too large (${big.length})`);
    assert.ok(
      sent.slice(-5).every((c) => c.length <= 4),
      'the last requests were of a size the link answers',
    );
    assert.ok(resent <= big.flat().length, `rows sent again (${resent}) only those of the slow requests`);
    // Rows a slow request stored come back as conflicts (the server's state) from the answered request that sent them again, once each.
    const slowIds = new Set(big.flat());
    const conflictIds = conflicts.map((d) => String(d.id));
    assert.equal(new Set(conflictIds).size, conflictIds.length, 'each conflict once');
    assert.ok(conflictIds.length > 0 && conflictIds.every((id) => slowIds.has(id)), 'conflicts only for rows of slow requests');
  });

  it('fails, after the others settled, when a slow request may not go again', async () => {
    const limit = limiter(2);
    let settled = 0;
    const send = async (chunk: PushRow[]): Promise<ReplicatedDocument[]> => {
      await tick(chunk[0]!.newDocumentState.id === 'd0' ? 1 : 10);
      settled++;
      if (chunk[0]!.newDocumentState.id === 'd0') throw new Error('no answer in time');
      return [];
    };
    await assert.rejects(pushInRequests(rows(20), 10, limit, send, { workers: 2, again: () => false }), /no answer in time/);
    assert.equal(settled, 2);
  });

  it('sizes requests: halves after a slow answer (down to one row), doubles after fast ones (up to the batch size)', () => {
    const sizer = new PushSizer(100, 30_000);
    sizer.slow(100);
    assert.equal(sizer.size, 50);
    sizer.slow(100); // an older, larger request timing out later does not grow it
    assert.equal(sizer.size, 50);
    sizer.slow(50);
    assert.equal(sizer.size, 25);
    sizer.answered(25, 20_000); // answered, but slowly: stays
    assert.equal(sizer.size, 25);
    sizer.answered(10, 100); // a smaller request says nothing about the size
    assert.equal(sizer.size, 25);
    sizer.answered(25, 100);
    assert.equal(sizer.size, 50);
    for (let i = 0; i < 5; i++) sizer.answered(sizer.size, 100);
    assert.equal(sizer.size, 100);
    for (let i = 0; i < 10; i++) sizer.slow(sizer.size);
    assert.equal(sizer.size, 1);
  });
});
