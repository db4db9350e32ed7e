/**
 * The smart cart simulator (protocol: PROTOCOL.md next to this file). Putting
 * an item in (control channel, or `autoplay`) gives what a cart sends: a camera
 * frame, its own detections, and the scale settling on the new weight. The
 * wheels stay locked until the gateway unlocks the cart after payment.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeviceBusClient } from '../../bus/index.ts';
import { seededRandom, sleep, type Simulator } from '../simulator-types.ts';

/** The recognition evaluation set's frames: what the cart's camera "sees" (real JPEG bytes, 640x480). */
const EVAL_FRAMES = fileURLToPath(new URL('../../recognition/eval-set/frames/', import.meta.url));
const FRAME_NAME = /^[a-z0-9-]{1,64}$/;

/** A frame of the evaluation set, as the camera sends it: the JPEG file's bytes, base64. */
export function evalFrame(name: string): string {
  if (!FRAME_NAME.test(name)) throw new Error('not a frame name');
  return readFileSync(EVAL_FRAMES + name + '.jpg').toString('base64');
}

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

  /**
   * One step of a shopper at the cart, in the order a real cart reports it:
   * the camera's frame of what went in or out (if the shopper showed it), a
   * barcode read (if scanned), and the load cell swinging then settling on the
   * new weight. Each step is sent in turn after the previous one.
   */
  const step = (m: Record<string, unknown>) => {
    chain = chain.then(async () => {
      const frame = typeof m['frame'] === 'string' ? m['frame'] : undefined;
      if (frame) {
        const id = ++frameId;
        await client.publish('cart.frame', { frameId: id, width: 640, height: 480, encoding: 'jpeg', data: evalFrame(frame) });
      }
      if (typeof m['barcode'] === 'string') {
        await client.publish('cart.barcode', { code: m['barcode'], symbology: m['barcode'].length === 8 ? 'ean-8' : 'ean-13' });
      }
      const delta = Number(m['deltaGrams'] ?? 0);
      if (delta !== 0) {
        grams += delta;
        await client.publish('cart.weight', { grams: grams - tare + Math.sign(delta) * 23, stable: false });
        await sleep(Number(m['settleMs'] ?? settleMs));
        await client.publish('cart.weight', { grams: grams - tare, stable: true });
      }
      const after = Number(m['pauseMs'] ?? 0);
      if (after > 0) await sleep(after);
    });
  };

  return {
    control(message) {
      if (message['action'] === 'step') step(message);
      else if (message['action'] === 'add-item') {
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
