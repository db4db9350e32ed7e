/**
 * The resolver's native HMAC derives exactly core's ephemeral ids (what the
 * dongle broadcasts), over many windows, exponents and keys.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { twoChannel } from '../../../core/index.ts';
import { nativeEphemeralIdHex } from './code-resolver.ts';

describe('two-channel code resolver', () => {
  it("derives the dongle's ephemeral ids with node's HMAC exactly as core does", () => {
    for (let k = 0; k < 20; k++) {
      const key = new Uint8Array(randomBytes(16));
      for (const exponent of [0, 3, 8, 15]) {
        for (const window of [0, 1, 255, 256, 0xffff, 6_900_000 + k, 0xffffffff]) {
          assert.equal(nativeEphemeralIdHex(key, window, exponent), twoChannel.ephemeralIdHex(key, window, exponent));
        }
      }
    }
  });
});
