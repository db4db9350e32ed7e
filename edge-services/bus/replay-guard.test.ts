import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUuidV7Generator } from '../../core/index.ts';
import { ReplayGuard } from './replay-guard.ts';

const NOW = 1_800_000_000_000;

describe('replay guard', () => {
  it('takes a message once, within the freshness window only', () => {
    const guard = new ReplayGuard({ maxAgeMs: 30_000, maxSkewMs: 5_000 });
    const id = createUuidV7Generator()();
    assert.equal(guard.check('scanner-1', id, NOW, NOW), undefined);
    assert.equal(guard.check('scanner-1', id, NOW, NOW + 1)?.reason, 'replayed');
    assert.equal(guard.check('cart-1', id, NOW, NOW), undefined, 'ids are per device');
    const next = createUuidV7Generator()();
    assert.equal(guard.check('scanner-1', next, NOW - 30_000, NOW), undefined, 'exactly 30 s old is still fresh');
    assert.equal(guard.check('scanner-1', createUuidV7Generator()(), NOW - 30_001, NOW)?.reason, 'stale');
    assert.equal(guard.check('scanner-1', createUuidV7Generator()(), NOW + 5_000, NOW), undefined);
    assert.equal(guard.check('scanner-1', createUuidV7Generator()(), NOW + 5_001, NOW)?.reason, 'stale');
    assert.equal(guard.checkFresh(NOW - 31_000, NOW)?.reason, 'stale');
  });

  it('keeps bounded memory under a flood and still refuses every id it forgot', () => {
    const guard = new ReplayGuard({ idsPerDevice: 100 });
    const next = createUuidV7Generator();
    const sent = Array.from({ length: 5_000 }, () => next());
    for (const id of sent) assert.equal(guard.check('cart-1', id, NOW, NOW), undefined, 'increasing ids are all new');
    assert.equal(guard.remembered('cart-1'), 100);
    // Every one of them, remembered or forgotten, is refused when it comes again.
    for (const id of sent) assert.equal(guard.check('cart-1', id, NOW, NOW)?.reason, 'replayed');
    assert.equal(guard.remembered('cart-1'), 100);
    assert.equal(guard.check('cart-1', next(), NOW, NOW), undefined, 'a new id still passes');
    guard.forget('cart-1');
    assert.equal(guard.remembered('cart-1'), 0);
  });
});
