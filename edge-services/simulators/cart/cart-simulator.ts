/**
 * The smart cart simulator (protocol: PROTOCOL.md next to this file). Putting
 * an item in (control channel, or `autoplay`) gives what a cart sends: a camera
 * frame, its own detections, and the scale settling on the new weight. The
 * wheels stay locked until the gateway unlocks the cart after payment.
 */
import type { DeviceBusClient } from '../../bus/index.ts';
import { seededRandom, sleep, type Simulator } from '../simulator-types.ts';

type Item = { label: string; grams: number };
const CATALOG: readonly Item[] = [
  { label: 'oat-milk-1l', grams: 1040 },
  { label: 'apples-1kg', grams: 1000 },
  { label: 'espresso-beans-250g', grams: 265 },
  { label: 'baguette', grams: 250 },
];
const FRAME_SIZE = 16;

/** A small RGB frame with a block of colour where the item is; stands in for a camera image. */
function syntheticFrame(seed: number): string {
  const random = seededRandom(seed);
  const pixels = Buffer.alloc(FRAME_SIZE * FRAME_SIZE * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 256);
  return pixels.toString('base64');
}

export function startCartSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const settleMs = Number(options['settleMs'] ?? 150);
  const autoplayMs = Number(options['autoplayMs'] ?? 0);
  let grams = 0;
  let tare = 0;
  let frameId = 0;
  let locked = true;
  const contents: Item[] = [];
  let chain: Promise<void> = Promise.resolve();

  const add = (item: Item) => {
    chain = chain.then(async () => {
      const id = ++frameId;
      await client.publish('cart.frame', { frameId: id, width: FRAME_SIZE, height: FRAME_SIZE, encoding: 'rgb8', data: syntheticFrame(id) });
      await client.publish('cart.detections', { frameId: id, detections: [{ label: item.label, confidence: 0.93, box: { x: 3, y: 4, w: 8, h: 7 } }] });
      grams += item.grams;
      contents.push(item);
      // The scale swings before it settles.
      await client.publish('cart.weight', { grams: grams - tare + 37, stable: false });
      await sleep(settleMs);
      await client.publish('cart.weight', { grams: grams - tare, stable: true });
    });
  };
  const timer = autoplayMs > 0 ? setInterval(() => contents.length < 6 && add(CATALOG[frameId % CATALOG.length]!), autoplayMs) : undefined;

  client.handle('cart.unlock', ({ reference }) => {
    locked = false;
    return { reference, unlocked: !locked };
  });
  client.handle('cart.lock', () => {
    locked = true;
    return { locked };
  });
  client.handle('cart.tare', () => {
    tare = grams;
    return { grams: grams - tare };
  });

  return {
    control(message) {
      if (message['action'] === 'add-item') {
        const label = String(message['label'] ?? CATALOG[0]!.label);
        add({ label, grams: Number(message['grams'] ?? CATALOG.find((i) => i.label === label)?.grams ?? 500) });
      }
    },
    async close() {
      clearInterval(timer);
      await chain.catch(() => undefined);
    },
  };
}
