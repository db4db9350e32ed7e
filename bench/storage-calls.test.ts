/**
 * The storage bench's call timer: it times only the calls of the insert step
 * and of the two big read steps, through a real RxDB database on the memory
 * storage, and passes every answer through unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRxDatabase, randomToken } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { emptyCallTimes, fastestCalls, timedStorageCalls } from './storage-calls.ts';

const schema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 40 }, n: { type: 'number' } },
  required: ['id', 'n'],
} as const;

describe('storage bench call timer', () => {
  it('times writes of exactly 500 rows and reads answering 2,000 documents or more, and only those', async () => {
    const times = emptyCallTimes();
    const storage = timedStorageCalls(getRxStorageMemory(), times);
    const name = 'calls' + randomToken(8);
    const ids = Array.from({ length: 2_501 }, (_, i) => `d${String(i).padStart(5, '0')}`);
    const first = await createRxDatabase({ name, storage, multiInstance: false });
    const firstDocs = (await first.addCollections({ docs: { schema } })).docs!;
    await firstDocs.bulkInsert(ids.slice(0, 2_000).map((id, n) => ({ id, n })));
    await firstDocs.insert({ id: ids[2_000]!, n: 2_000 });
    assert.deepEqual(fastestCalls(times), [], 'neither a write of 2,000 rows nor one of 1 is the insert step');
    await firstDocs.bulkInsert(ids.slice(2_001, 2_501).map((id, i) => ({ id, n: 2_001 + i })));
    assert.equal(await firstDocs.count().exec(), 2_501);
    await first.close();
    assert.deepEqual(
      fastestCalls(times).map(([step]) => step),
      ['insert-documents-500'],
      'a write of 500 rows is, and no read was timed',
    );

    // Reopened, as the harness does, so that reads reach the storage and not RxDB's document cache.
    const db = await createRxDatabase({ name, storage, multiInstance: false });
    try {
      const { docs } = await db.addCollections({ docs: { schema } });
      // findByIds asks the storage only for documents RxDB has not cached yet.
      assert.equal((await docs!.findByIds(ids.slice(0, 10)).exec()).size, 10);
      assert.equal(times['find-by-ids-3000'].length, 0, 'a small findByIds is not timed');
      assert.equal((await docs!.findByIds(ids).exec()).size, 2_501);
      assert.equal(times['find-by-ids-3000'].length, 1);

      assert.equal((await docs!.find({ selector: { n: { $lt: 1_000 } } }).exec()).length, 1_000);
      assert.equal(times['find-by-query'].length, 0, 'a small query is not timed');
      const everything = await docs!.find({ sort: [{ n: 'desc' }] }).exec();
      assert.equal(everything.length, 2_501);
      assert.equal(everything[0]!.id, 'd02500', 'the answer passes through unchanged');
      assert.equal(times['find-by-query'].length, 1);
      const fastest = fastestCalls(times);
      assert.deepEqual(
        fastest.map(([step]) => step),
        ['insert-documents-500', 'find-by-ids-3000', 'find-by-query'],
      );
      assert.equal(times['insert-documents-500'].length, 1);
      for (const [, ms] of fastest) assert.ok(ms >= 0 && ms < 5_000, String(ms));
    } finally {
      await db.remove();
    }
  });
});
