/**
 * From a heard code to the dongle that broadcast it. The server holds every
 * paired dongle's identity key, so it computes each dongle's ephemeral ids
 * for the windows around now (core's derivation, the dongle's own) and looks
 * the code up. The table is derived data, kept in this process's memory:
 * nothing lives only here.
 *
 * Kept off the payment's path (advert-to-approval): the ids are computed
 * incrementally, per dongle and per window (a dongle's ids are computed once
 * per window, not again at every refresh: 26 ids of 200 dongles took about
 * 450 ms of pure-TS HMAC, blocking the event loop every 5 s), with node's
 * native HMAC; the table is refreshed from the database every few seconds in
 * the background (a resolve uses the table it has, which already holds the
 * next window), and awaited only on a miss (a dongle paired through another
 * server process), at most twice a second. A dongle unpaired elsewhere may
 * stay in the table until the next refresh; the session's start checks the
 * owner in the database anyway.
 *
 * A code of the current window is taken, and one of the window before (or
 * after) within EID_GRACE_SECONDS of the boundary; a code of a dongle's older
 * or later window is "outside its window" (a recording replayed, a relay):
 * the caller refuses and flags it.
 */
import { createHmac } from 'node:crypto';
import { twoChannel } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../otp/index.ts';
import { identityBinding } from './dongles.ts';

/** How many windows back a code is still recognised (to flag it rather than call it unknown). */
const PAST_WINDOWS = 24;
/** How old the table may get before a background refresh. */
const REFRESH_MS = 5_000;
/** How often a miss may wait for a refresh. */
const MISS_REFRESH_MS = 500;

export type Resolved = { dongleId: string; window: number; inWindow: boolean };

type Entry = { dongleId: string; window: number; exponent: number };
/** One dongle's ids by window, and the sealed key they came from (a re-sealed key is the same key, but a new row is recomputed). */
type DongleIds = { sealed: string; exponent: number; codes: Map<number, string> };

/** The ephemeral id as core derives it, with node's native HMAC (checked against core's in code-resolver.test.ts). */
export function nativeEphemeralIdHex(identityKey: Uint8Array, window: number, exponent: number): string {
  const mac = createHmac('sha256', identityKey).update(twoChannel.ephemeralIdMessage(window, exponent)).digest();
  return mac.subarray(0, twoChannel.EID_BYTES).toString('hex').toUpperCase();
}

export class CodeResolver {
  #table = new Map<string, Entry>();
  #dongles = new Map<string, DongleIds>();
  #builtAt = 0;
  #building: Promise<void> | undefined;
  #generation = 0;

  constructor(
    private readonly db: Db,
    private readonly keyring: () => Keyring,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Forget the table (a dongle was paired or unpaired here): the next resolve waits for a fresh one. */
  invalidate(): void {
    this.#generation++;
    this.#builtAt = 0;
  }

  async resolve(code: string): Promise<Resolved | undefined> {
    const nowMs = this.now();
    if (this.#builtAt === 0) await this.#rebuild().then(() => (this.#builtAt === 0 ? this.#rebuild() : undefined));
    else if (nowMs - this.#builtAt > REFRESH_MS) void this.#rebuild().catch(() => undefined);
    let entry = this.#table.get(code);
    if (!entry && nowMs - this.#builtAt > MISS_REFRESH_MS) {
      await this.#rebuild();
      entry = this.#table.get(code);
    }
    if (!entry) return undefined;
    const nowSeconds = nowMs / 1000;
    const current = twoChannel.windowOf(nowSeconds, entry.exponent);
    const start = twoChannel.windowStart(current, entry.exponent);
    const next = twoChannel.windowStart(current + 1, entry.exponent);
    const inWindow =
      entry.window === current ||
      (entry.window === current - 1 && nowSeconds - start <= twoChannel.EID_GRACE_SECONDS) ||
      (entry.window === current + 1 && next - nowSeconds <= twoChannel.EID_GRACE_SECONDS);
    return { dongleId: entry.dongleId, window: entry.window, inWindow };
  }

  #rebuild(): Promise<void> {
    this.#building ??= this.#build().finally(() => (this.#building = undefined));
    return this.#building;
  }

  async #build(): Promise<void> {
    const started = this.now();
    const generation = this.#generation;
    const { rows } = await this.db.query<{ id: string; identity_key_sealed: string; rotation_exponent: number }>(
      'SELECT id, identity_key_sealed, rotation_exponent FROM two_channel_dongles WHERE user_id IS NOT NULL',
    );
    const nowMs = this.now();
    const dongles = new Map<string, DongleIds>();
    const table = new Map<string, Entry>();
    const keyring = this.keyring();
    for (const row of rows) {
      const current = twoChannel.windowOf(nowMs / 1000, row.rotation_exponent);
      const from = Math.max(0, current - PAST_WINDOWS);
      const known = this.#dongles.get(row.id);
      const codes = known && known.sealed === row.identity_key_sealed && known.exponent === row.rotation_exponent ? known.codes : new Map<number, string>();
      for (const w of codes.keys()) if (w < from) codes.delete(w);
      if (codes.size < current + 2 - from) {
        // Only the windows not computed yet (the first time: all 26; then one per window that passes).
        const key = keyring.open(row.identity_key_sealed, identityBinding(row.id));
        for (let w = from; w <= current + 1; w++) if (!codes.has(w)) codes.set(w, nativeEphemeralIdHex(key, w, row.rotation_exponent));
        key.fill(0);
      }
      dongles.set(row.id, { sealed: row.identity_key_sealed, exponent: row.rotation_exponent, codes });
      for (const [w, c] of codes) table.set(c, { dongleId: row.id, window: w, exponent: row.rotation_exponent });
    }
    this.#dongles = dongles;
    this.#table = table;
    // From when the read began: a pairing committed after it is seen by the next miss.
    // Invalidated meanwhile (a pairing here, maybe after the read): the next resolve reads again.
    this.#builtAt = generation === this.#generation ? started : 0;
  }
}
