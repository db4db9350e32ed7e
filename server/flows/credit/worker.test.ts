/**
 * The credit worker's schedule: wake-ups (a request-to-pay notice in any
 * process, a nudge) bring a pass sooner but never later. Under a steady
 * stream of notices, a few ms apart, as at a busy PG, passes keep coming
 * (they used to wait until the stream stopped: each notice put the pass off
 * again). The database here only counts the passes (each pass reads the
 * loans waiting for their buyer first); what is tested is the timer.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Db } from '../../db/index.ts';
import type { CreditContext } from './context.ts';
import { startCreditWorker } from './worker.ts';

it('passes keep coming while notices stream in every 5 ms', async () => {
  let passes = 0;
  let notify: (payload: string) => void = () => undefined;
  const db = {
    kind: 'postgres',
    async query(sql: string) {
      if (sql.includes("l.state = 'awaiting-buyer'")) passes++;
      return { rows: [] };
    },
    async transaction() {
      throw new Error('not used');
    },
    async listen(_channel: string, onMessage: (payload: string) => void) {
      notify = onMessage;
      return async () => undefined;
    },
    async close() {},
  } as unknown as Db;
  const worker = await startCreditWorker({ db } as unknown as Omit<CreditContext, 'nudge'>, { intervalMs: 10_000, onError: (err) => assert.fail(String(err)) });
  try {
    const stream = setInterval(() => notify(JSON.stringify(['merchant:m1', 1, { type: 'outcome', seq: 1, request: {} }])), 5);
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(stream);
    // At most one pass per 100 ms, due 20 ms after a notice: about 8 in a second; at least 4 even on a loaded machine.
    assert.ok(passes >= 4, `${passes} passes in 1 s of notices`);
    assert.ok(passes <= 11, `${passes} passes: more than one per 100 ms`);
  } finally {
    await worker.stop();
  }
});

it('a notice of a new request wakes no pass', async () => {
  let passes = 0;
  let notify: (payload: string) => void = () => undefined;
  const db = {
    kind: 'postgres',
    async query(sql: string) {
      if (sql.includes("l.state = 'awaiting-buyer'")) passes++;
      return { rows: [] };
    },
    async listen(_channel: string, onMessage: (payload: string) => void) {
      notify = onMessage;
      return async () => undefined;
    },
  } as unknown as Db;
  const worker = await startCreditWorker({ db } as unknown as Omit<CreditContext, 'nudge'>, { intervalMs: 10_000, onError: (err) => assert.fail(String(err)) });
  try {
    const stream = setInterval(() => notify(JSON.stringify(['user:u1', 1, { type: 'request', seq: 1, request: {} }])), 5);
    await new Promise((r) => setTimeout(r, 400));
    clearInterval(stream);
    assert.equal(passes, 0);
    // A notice too large to carry its event (only [feed, seq]) may be an answer: it wakes the worker.
    notify(JSON.stringify(['user:u1', 2]));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(passes, 1);
  } finally {
    await worker.stop();
  }
});
