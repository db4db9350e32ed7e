/**
 * Which dongle a payment device serves when several are in range: the
 * strongest fresh signal above a threshold. A reader reports every
 * advertisement it hears; sightings older than `freshMs` are stale (the car
 * has left) and expire. Pure, so the rule is tested on its own.
 */
export type Sighting = { code: string; rssi: number; heardAt: number; address: string; txPower?: number };

export type SightingPolicy = {
  /** A weaker signal than this is someone at another pump or in the street (dBm). */
  minRssi: number;
  /** A sighting older than this is forgotten (ms). */
  freshMs: number;
};

export const DEFAULT_SIGHTING_POLICY: SightingPolicy = { minRssi: -70, freshMs: 3_000 };

/**
 * Keeps the last few readings per code; the strength of a dongle is the median
 * of its fresh readings (one strong reflection must not win over a steady signal).
 */
export class SightingTable {
  readonly #byCode = new Map<string, Sighting[]>();
  constructor(readonly policy: SightingPolicy = DEFAULT_SIGHTING_POLICY) {}

  add(s: Sighting): void {
    const list = this.#byCode.get(s.code) ?? [];
    list.push(s);
    if (list.length > 5) list.shift();
    this.#byCode.set(s.code, list);
  }

  /** Forgets what is stale at `now`. */
  expire(now: number): void {
    for (const [code, list] of this.#byCode) {
      const fresh = list.filter((s) => now - s.heardAt <= this.policy.freshMs);
      if (fresh.length === 0) this.#byCode.delete(code);
      else this.#byCode.set(code, fresh);
    }
  }

  /** Every dongle heard fresh at `now`, strongest first, with its median strength. */
  inRange(now: number): { code: string; rssi: number; heardAt: number }[] {
    this.expire(now);
    const out = [...this.#byCode.entries()].map(([code, list]) => {
      const sorted = list.map((s) => s.rssi).sort((a, b) => a - b);
      return { code, rssi: sorted[Math.floor(sorted.length / 2)]!, heardAt: list.at(-1)!.heardAt };
    });
    return out.sort((a, b) => b.rssi - a.rssi || b.heardAt - a.heardAt);
  }

  /** The dongle to serve: the strongest fresh one at least `minRssi`, or undefined. */
  pick(now: number): { code: string; rssi: number; heardAt: number } | undefined {
    const best = this.inRange(now)[0];
    return best && best.rssi >= this.policy.minRssi ? best : undefined;
  }
}
