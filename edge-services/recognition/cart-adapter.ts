/**
 * Thin adapter from the device bus to the cart basket: `cart.frame` goes to
 * recognition (in its worker), `cart.weight` to the basket, and
 * `cart.detections` (carts that run their own model) are mapped onto the
 * basket through the catalogue's product ids (their labels must be product
 * ids; anything else is unknown). One basket per cart device.
 */
import type { Envelope, FrameRecognition } from '../../core/index.ts';
import { imageFromFramePayload } from './image.ts';
import { CartBasket, type CartEvent, type CartOptions } from './cart.ts';

/** The part of GatewayBus (edge-services/bus) the adapter needs. */
export type BusEvents = { onEvent(listener: (envelope: Envelope) => void): () => void };
export type Recogniser = { recognise(frame: { width: number; height: number; data: Uint8Array }, frameId?: number): Promise<FrameRecognition> };

export type CartAdapterOptions = CartOptions & {
  bus: BusEvents;
  recogniser: Recogniser;
  /** Called with every basket change or flag (e.g. to update the cart's screen). */
  onCartEvent(deviceId: string, event: CartEvent): void;
  now?: () => number;
  /** Errors of single frames (busy, bad JPEG): logged, never thrown. */
  onError?(deviceId: string, err: unknown): void;
};

export class CartAdapter {
  readonly #o: CartAdapterOptions;
  readonly #baskets = new Map<string, CartBasket>();
  readonly #off: () => void;

  constructor(options: CartAdapterOptions) {
    this.#o = options;
    this.#off = options.bus.onEvent((e) => this.#onEvent(e));
  }

  basket(deviceId: string): CartBasket {
    let b = this.#baskets.get(deviceId);
    if (!b) {
      b = new CartBasket(this.#o);
      this.#baskets.set(deviceId, b);
    }
    return b;
  }

  #emit(deviceId: string, events: CartEvent[]): void {
    for (const e of events) this.#o.onCartEvent(deviceId, e);
  }

  #onEvent(envelope: Envelope): void {
    const now = this.#o.now?.() ?? Date.now();
    const basket = () => this.basket(envelope.deviceId);
    const p = envelope.payload as Record<string, unknown>;
    switch (envelope.type) {
      case 'cart.weight':
        this.#emit(envelope.deviceId, basket().onWeight(p as { grams: number; stable: boolean }, now));
        break;
      case 'cart.frame': {
        let image;
        try {
          image = imageFromFramePayload(p as { width: number; height: number; encoding: 'jpeg' | 'rgb8'; data: string });
        } catch (err) {
          this.#o.onError?.(envelope.deviceId, err);
          return;
        }
        this.#o.recogniser.recognise(image, p['frameId'] as number).then(
          (result) => this.#emit(envelope.deviceId, basket().onRecognition(result, this.#o.now?.() ?? Date.now())),
          (err) => this.#o.onError?.(envelope.deviceId, err),
        );
        break;
      }
      case 'cart.detections': {
        const d = p as { frameId: number; detections: { label: string; confidence: number; box: { x: number; y: number; w: number; h: number } }[] };
        const result: FrameRecognition = {
          frameId: d.frameId,
          width: 0,
          height: 0,
          objects: d.detections.map((x) => ({
            box: x.box,
            outcome: this.#o.weightOf(x.label) ? (x.confidence >= this.#o.minConfidence ? 'product' : 'ask') : 'unknown',
            ...(this.#o.weightOf(x.label) ? { productId: x.label } : {}),
            confidence: x.confidence,
            source: 'visual',
            detector: { label: x.label, score: x.confidence },
            candidates: [],
          })),
          barcodes: [],
          backend: 'cart',
          modelId: 'cart-on-board',
          timingsMs: { decode: 0, detect: 0, barcode: 0, match: 0, total: 0 },
        };
        this.#emit(envelope.deviceId, basket().onRecognition(result, now));
        break;
      }
    }
  }

  close(): void {
    this.#off();
  }
}
