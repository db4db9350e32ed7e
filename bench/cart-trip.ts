/**
 * A scripted shopping trip at a smart cart, from the recognition evaluation
 * set, and how well the fused basket matches what is really in the cart.
 *
 * The trip (seeded, deterministic) is a list of shopper actions; each becomes
 * the events a cart sends (a camera frame, a barcode read, stable weight
 * readings) at a simulated time, 5 s apart (so nothing pairs across actions):
 *  - put in, shown to the camera (a test view of the product, weight with +-3 g noise);
 *  - put in, scanned (barcode read and weight);
 *  - put in unseen (weight only), then scanned when the cart asks;
 *  - an unknown object shown (an unknown pack, the mug, the cat...) and its weight,
 *    then taken out again when the cart asks;
 *  - a misleading weight: a product shown with something hidden under it
 *    (+250..450 g), the cart asks, the shopper scans the product, which explains
 *    part of it, and takes the hidden thing out when the cart asks again;
 *  - taken out, shown to the camera (a product in the cart, weight decrease).
 * Truth is the cart's real contents. Scored: items charged that are not in the
 * cart (wrong items), items in the cart but not charged (missed), and of the
 * items that went in, the share that went in without staff.
 *
 * `camera` answers what the camera made of a frame: the real detector in
 * `npm run bench -- cart`, or the evaluation set's labels (an oracle) in the
 * fusion's unit test.
 */
import { cartFlow } from '../core/index.ts';

export type TripFrame = { file: string; object: string; expected: string | null };
export type TripProduct = { id: string; barcode?: string; grams: number; toleranceGrams: number; unitAmount: number; name: string; flags?: cartFlow.CartProductFlag[] };

export type TripAction =
  | { kind: 'put-shown'; product: string; frame: TripFrame; grams: number }
  | { kind: 'put-scanned'; product: string; grams: number }
  | { kind: 'put-unseen-then-scan'; product: string; grams: number }
  | { kind: 'unknown-then-out'; frame: TripFrame; grams: number }
  | { kind: 'misleading-weight'; product: string; frame: TripFrame; grams: number; hidden: number }
  | { kind: 'take-shown'; product: string; frame: TripFrame; grams: number };

export type TripScore = {
  actions: number;
  events: number;
  itemsIn: number;
  itemsWithoutStaff: number;
  wrongItemsCharged: number;
  missedItems: number;
  staffCalls: number;
  cameraFrames: number;
};

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** The trip: `actions` shopper actions over the evaluation set's test frames (products with barcodes only go in by scan). */
export function buildTrip(manifest: { frames: TripFrame[] & { split?: string }[] }, products: ReadonlyMap<string, TripProduct>, actions = 80, seed = 20_261_207): TripAction[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const frames = (manifest.frames as (TripFrame & { split: string; barcodeVisible?: boolean })[]).filter((f) => f.split === 'test' && !f.barcodeVisible);
  const productFrames = frames.filter((f) => f.expected !== null && products.has(f.expected));
  const unknownFrames = frames.filter((f) => f.expected === null);
  const ids = [...products.keys()];
  const inCart: string[] = [];
  const trip: TripAction[] = [];
  const noise = () => Math.round((rnd() - 0.5) * 6);
  for (let i = 0; i < actions; i++) {
    const r = rnd();
    if (r < 0.5) {
      const f = pick(productFrames);
      const p = products.get(f.expected!)!;
      trip.push({ kind: 'put-shown', product: p.id, frame: f, grams: p.grams + noise() });
      inCart.push(p.id);
    } else if (r < 0.65) {
      const p = products.get(pick(ids.filter((id) => products.get(id)!.barcode)))!;
      trip.push({ kind: 'put-scanned', product: p.id, grams: p.grams + noise() });
      inCart.push(p.id);
    } else if (r < 0.72) {
      const p = products.get(pick(ids.filter((id) => products.get(id)!.barcode)))!;
      trip.push({ kind: 'put-unseen-then-scan', product: p.id, grams: p.grams + noise() });
      inCart.push(p.id);
    } else if (r < 0.82) {
      trip.push({ kind: 'unknown-then-out', frame: pick(unknownFrames), grams: 180 + Math.floor(rnd() * 500) });
    } else if (r < 0.86) {
      const f = pick(productFrames.filter((x) => products.get(x.expected!)!.barcode));
      const p = products.get(f.expected!)!;
      trip.push({ kind: 'misleading-weight', product: p.id, frame: f, grams: p.grams, hidden: 250 + Math.floor(rnd() * 200) });
      inCart.push(p.id);
    } else if (inCart.length > 0) {
      const id = inCart.splice(Math.floor(rnd() * inCart.length), 1)[0]!;
      const f = pick(productFrames.filter((x) => x.expected === id).concat(productFrames.filter((x) => x.expected === id).length ? [] : [productFrames[0]!]));
      trip.push({ kind: 'take-shown', product: id, frame: f, grams: products.get(id)!.grams + noise() });
    } else i--;
  }
  return trip;
}

/**
 * Runs the trip through core's fusion rules (as the gateway does), with the
 * shopper and staff doing what the cart asks. `camera` answers each frame.
 */
export async function runTrip(
  trip: readonly TripAction[],
  products: ReadonlyMap<string, TripProduct>,
  camera: (frame: TripFrame) => Promise<cartFlow.CameraObject[]>,
  minConfidence = 0.5,
): Promise<TripScore> {
  const cartProducts = new Map<string, cartFlow.CartProduct>([...products].map(([id, p]) => [id, { ...p }]));
  const fusion = new cartFlow.CartFusion({ products: cartProducts, minConfidence });
  let t = 0;
  let weight = 0;
  let events = 0;
  let frames = 0;
  let itemsIn = 0;
  let viaStaff = 0;
  let staffCalls = 0;
  const truth = new Map<string, number>();
  const barcodeOf = (id: string) => products.get(id)!.barcode;
  fusion.setBaseline(0);
  const staffPending = () => fusion.staffCalls().length > 0;
  const weigh = (delta: number) => {
    weight += delta;
    events += 2; // the swing and the settled reading
    fusion.onWeight({ grams: weight + 17, stable: false }, t);
    return fusion.onWeight({ grams: weight, stable: true }, t + 150);
  };
  const see = async (f: TripFrame) => {
    events++;
    frames++;
    return fusion.onCamera(await camera(f), t);
  };
  const scan = (id: string) => {
    events++;
    return fusion.onBarcode(barcodeOf(id) ? id : undefined, t + 300);
  };
  const settle = () => fusion.tick(t + 4_500); // the window passes: unexplained weight becomes a mismatch
  const count = (id: string, d: number) => truth.set(id, (truth.get(id) ?? 0) + d);
  /** Staff at the cart: they look at the cart and set the basket right for `id` (add it if missing), then close every call. */
  const staff = (put?: string) => {
    for (const c of [...fusion.staffCalls()]) {
      staffCalls++;
      const items = fusion.items();
      const missing = put !== undefined && (items[put] ?? 0) < (truth.get(put) ?? 0);
      fusion.staffResolve(c.id, 'trip-staff', 'checked the cart', missing ? { action: 'add', productId: put! } : undefined);
    }
  };

  for (const a of trip) {
    t += 5_000;
    switch (a.kind) {
      case 'put-shown': {
        itemsIn++;
        count(a.product, 1);
        const before = fusion.items()[a.product] ?? 0;
        await see(a.frame);
        weigh(a.grams);
        settle();
        if (fusion.openMismatch()) {
          scan(a.product); // the cart asked: the shopper scans it
        }
        if (staffPending()) {
          viaStaff++;
          staff(a.product);
        } else if ((fusion.items()[a.product] ?? 0) === before && products.get(a.product)!.flags === undefined) {
          // not added, nobody asked (the camera was unsure and the weight waited): the shopper scans when the cart asks
          scan(a.product);
        }
        break;
      }
      case 'put-scanned':
      case 'put-unseen-then-scan': {
        itemsIn++;
        count(a.product, 1);
        if (a.kind === 'put-scanned') scan(a.product);
        weigh(a.grams);
        settle();
        if (fusion.openMismatch()) scan(a.product);
        if (staffPending()) {
          viaStaff++;
          staff(a.product);
        }
        break;
      }
      case 'unknown-then-out': {
        await see(a.frame);
        weigh(a.grams);
        settle();
        // The cart asked for a scan; the shopper takes the thing out again.
        t += 2_000;
        weigh(-a.grams);
        settle();
        if (staffPending()) staff();
        break;
      }
      case 'misleading-weight': {
        itemsIn++;
        count(a.product, 1);
        await see(a.frame);
        weigh(a.grams + a.hidden);
        settle();
        if (fusion.openMismatch()) scan(a.product);
        // The cart still asks (something else is in there): the shopper takes the hidden thing out.
        t += 2_000;
        weigh(-a.hidden);
        settle();
        if (staffPending()) {
          viaStaff++;
          staff(a.product);
        }
        break;
      }
      case 'take-shown': {
        count(a.product, -1);
        await see(a.frame);
        weigh(-a.grams);
        settle();
        if (fusion.openMismatch()) scan(a.product);
        if (staffPending()) staff();
        break;
      }
    }
    // Age-restricted or high-value checks happen at the cart too (not counted as items without staff).
    for (const c of [...fusion.staffCalls()]) {
      if (c.reason !== 'second-mismatch') {
        staffCalls++;
        viaStaff++;
        fusion.staffResolve(c.id, 'trip-staff', 'checked', undefined);
      }
    }
  }
  const charged = fusion.items();
  let wrong = 0;
  let missed = 0;
  for (const id of new Set([...Object.keys(charged), ...truth.keys()])) {
    const d = (charged[id] ?? 0) - Math.max(0, truth.get(id) ?? 0);
    if (d > 0) wrong += d;
    else missed -= d;
  }
  return { actions: trip.length, events, itemsIn, itemsWithoutStaff: itemsIn - viaStaff, wrongItemsCharged: wrong, missedItems: missed, staffCalls, cameraFrames: frames };
}
