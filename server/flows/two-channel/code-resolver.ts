/**
 * From a heard code to the dongle that broadcast it. The server holds every
 * paired dongle's identity key, so it computes each dongle's ephemeral ids
 * for the windows around now (core's derivation, the dongle's own) and looks
 * the code up. The table is derived data, kept in this process's memory and
 * rebuilt from the database when the window moves, every few seconds, and at
 * once on a miss (a dongle paired through another server process), at most
 * twice a second: nothing lives only here.
 *
 * A code of the current window is taken, and one of the window before (or
 * after) within EID_GRACE_SECONDS of the boundary; a code of a dongle's older
 * or later window is "outside its window" (a recording replayed, a relay):
 * the caller refuses and flags it.
 */
import { twoChannel } from '../../../core/index.ts';
import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../otp/index.ts';
import { identityBinding } from './dongles.ts';

/** How many windows back a code is still recognised (to flag it rather than call it unknown). */
const PAST_WINDOWS = 24;

export type Resolved = { dongleId: string; window: number; inWindow: boolean };

type Entry = { dongleId: string; window: number; exponent: number };

export class CodeResolver {
  #table = new Map<string, Entry>();
  #builtAt = 0;
  #builtForSecond = -1;
  #building: Promise<void> | undefined;

  constructor(private readonly db: Db, private readonly keyring: () => Keyring, private readonly now: () => number = () => Date.now()) {}

  /** Forget the table (a dongle was paired or unpaired here). */
  invalidate(): void {
    this.#builtAt = 0;
  }

  async resolve(code: string): Promise<Resolved | undefined> {
    const nowMs = this.now();
    if (nowMs - this.#builtAt > 5_000 || Math.floor(nowMs / 1000) - this.#builtForSecond > 5) await this.#rebuild();
    let entry = this.#table.get(code);
    if (!entry && nowMs - this.#builtAt > 500) {
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
    const { rows } = await this.db.query<{ id: string; identity_key_sealed: string; rotation_exponent: number }>(
      'SELECT id, identity_key_sealed, rotation_exponent FROM two_channel_dongles WHERE user_id IS NOT NULL',
    );
    const nowMs = this.now();
    const table = new Map<string, Entry>();
    const keyring = this.keyring();
    for (const row of rows) {
      const key = keyring.open(row.identity_key_sealed, identityBinding(row.id));
      const current = twoChannel.windowOf(nowMs / 1000, row.rotation_exponent);
      for (let w = Math.max(0, current - PAST_WINDOWS); w <= current + 1; w++) {
        table.set(twoChannel.ephemeralIdHex(key, w, row.rotation_exponent), { dongleId: row.id, window: w, exponent: row.rotation_exponent });
      }
      key.fill(0);
    }
    this.#table = table;
    this.#builtAt = nowMs;
    this.#builtForSecond = Math.floor(nowMs / 1000);
  }
}
