/**
 * The per-frame pipeline (DESIGN.md section 6): find the objects (detector),
 * read any barcode in the frame (zxing-wasm), identify the rest against the
 * products enrolled at this site (embeddings + nearest neighbours).
 *
 * A barcode found in the catalogue always outranks a visual guess: it gives
 * its object confidence 1 whatever the pictures say. A barcode that is not in
 * the catalogue makes its object `unknown`.
 *
 * Runs wherever it is created: the gateway runs it in a worker thread
 * (service.ts) so that a slow frame never stalls the main loop; tests and the
 * bench also run it directly.
 */
import type { FrameRecognition, PixelBox, RecognisedObject } from '../../core/index.ts';
import { selectBackend, type BackendInfo, type BackendPreference } from './backend.ts';
import { prepareBarcodeReader } from './barcode.ts';
import { BarcodeThread, readHere, type TimedReads } from './barcode-thread.ts';
import { Detector, type Detection, type DetectorOptions } from './detector.ts';
import { EMBEDDING_ID, embed } from './embedding.ts';
import { checkImage, type RgbImage } from './image.ts';
import { encodeKeypoints, extractKeypoints } from './keypoints.ts';
import { DEFAULT_MATCH_POLICY, ProductIndex, type MatchPolicy, type Reference } from './matcher.ts';

export type PipelineOptions = {
  backend?: BackendPreference;
  policy?: Partial<MatchPolicy>;
  /** Skip barcode reading (e.g. a cart camera that never sees codes). */
  barcodes?: boolean;
  /** Read barcodes on a thread of their own, beside the detector (default true; falls back to this thread). */
  barcodeThread?: boolean;
  /**
   * The centre of the frame (this share of each side) as one more candidate
   * when no detected box is a product and no barcode was read: the kiosk
   * camera looks at the place where a customer shows an item, and COCO's
   * detector sometimes boxes only clutter or a hand there. Matched under the
   * same policy and kept only if that makes it a product (not for `ask`), so
   * an unknown item still comes out unknown. `false` turns it off (e.g. a cart
   * camera that sees the whole basket). Default 0.55.
   */
  centreProposal?: number | false;
  detector?: DetectorOptions;
};

/** Per used view: its vector and its encoded keypoints (same order). */
export type EnrolmentViews = { vectors: Float32Array[]; keypoints: string[]; usedViews: number; skipped: number };

function centreIn(inner: PixelBox, outer: PixelBox): boolean {
  const cx = inner.x + inner.w / 2;
  const cy = inner.y + inner.h / 2;
  return cx >= outer.x && cx <= outer.x + outer.w && cy >= outer.y && cy <= outer.y + outer.h;
}

export class RecognitionPipeline {
  readonly backend: BackendInfo;
  readonly modelId = EMBEDDING_ID;
  readonly #detector: Detector;
  readonly #index = new ProductIndex();
  #policy: MatchPolicy;
  #catalogue = new Map<string, string>();
  readonly #barcodes: boolean;
  readonly #barcodeThread: BarcodeThread | undefined;
  readonly #centre: number | false;

  private constructor(backend: BackendInfo, detector: Detector, barcodeThread: BarcodeThread | undefined, options: PipelineOptions) {
    this.backend = backend;
    this.#detector = detector;
    this.#barcodeThread = barcodeThread;
    this.#policy = { ...DEFAULT_MATCH_POLICY, ...options.policy };
    this.#barcodes = options.barcodes ?? true;
    this.#centre = options.centreProposal ?? DEFAULT_CENTRE_PROPOSAL;
  }

  static async create(options: PipelineOptions = {}): Promise<RecognitionPipeline> {
    const backend = await selectBackend(options.backend ?? 'auto');
    const detector = await Detector.load(options.detector);
    const barcodes = options.barcodes ?? true;
    if (barcodes) await prepareBarcodeReader();
    const thread = barcodes && (options.barcodeThread ?? true) ? await BarcodeThread.start() : undefined;
    return new RecognitionPipeline(backend, detector, thread, options);
  }

  /** The detector's input, [height, width]. */
  get detectorInput(): [number, number] {
    return this.#detector.inputSize;
  }

  /** Whether barcodes are read on their own thread (false: on this one, after the detector). */
  get barcodeThread(): boolean {
    return this.#barcodeThread !== undefined;
  }

  /** The site's enrolled products (from the enrolment store). */
  setReferences(refs: Reference[]): void {
    this.#index.replaceAll(refs);
  }

  /** Barcode → product id, from the site's catalogue (`products` collection). */
  setCatalogue(entries: Iterable<[barcode: string, productId: string]>): void {
    this.#catalogue = new Map([...entries].filter(([code]) => code !== ''));
  }

  setPolicy(policy: Partial<MatchPolicy>): void {
    this.#policy = { ...this.#policy, ...policy };
  }

  get policy(): MatchPolicy {
    return { ...this.#policy };
  }

  async recognise(image: RgbImage, frameId?: number, decodeMs = 0): Promise<FrameRecognition> {
    checkImage(image);
    const t0 = performance.now();
    // Barcodes are read beside the detector when they have a thread; collected after the crops.
    const reading: Promise<TimedReads> | undefined = this.#barcodes && this.#barcodeThread ? this.#barcodeThread.read(image) : undefined;
    // If the detector throws, the read still settles later: never as an unhandled rejection.
    reading?.catch(() => undefined);
    const pixels = this.#detector.upload(image);
    let t1: number, t2: number, t3: number;
    let barcodeRun: TimedReads;
    const objects: RecognisedObject[] = [];
    try {
      const { detections } = await this.#detector.run(image, pixels);
      t1 = performance.now();
      const features = this.#detector.cropFeatures(
        image,
        detections.map((d) => d.box),
        pixels,
      );
      objects.push(...detections.map((d, i) => this.#visual(image, d, features[i]!)));
      t2 = performance.now();
      barcodeRun = reading ? await reading : this.#barcodes ? await readHere(image) : { reads: [], ms: 0, thread: false };
      t3 = performance.now();
      if (this.#centre !== false && barcodeRun.reads.length === 0 && !objects.some((o) => o.outcome === 'product')) {
        const box = centreBox(image, this.#centre);
        const [f] = this.#detector.cropFeatures(image, [box], pixels);
        const centre = this.#visual(image, { box, score: 0, label: 'centre' }, f!);
        // Only as a confident product: an unsure or unknown centre (mostly background
        // around an unknown item) adds nothing the boxes did not say.
        if (centre.outcome === 'product') objects.push(centre);
      }
    } finally {
      pixels.dispose();
    }
    const reads = barcodeRun.reads;
    // Barcodes: attach each to the object it sits on, or make it an object of its own.
    const barcodes: FrameRecognition['barcodes'] = [];
    for (const read of reads) {
      const productId = this.#catalogue.get(read.text);
      barcodes.push({ text: read.text, format: read.format, box: read.box, ...(productId ? { productId } : {}) });
      let target = objects.find((o) => o.barcode === undefined && centreIn(read.box, o.box));
      if (!target) {
        target = { box: read.box, outcome: 'unknown', confidence: 0, source: 'barcode', detector: { label: 'barcode', score: 0 }, candidates: [] };
        objects.push(target);
      }
      target.barcode = { text: read.text, format: read.format };
      target.source = 'barcode';
      if (productId) {
        target.outcome = 'product';
        target.productId = productId;
        target.confidence = 1;
      } else {
        target.outcome = 'unknown';
        delete target.productId;
        target.confidence = 0;
      }
    }
    objects.sort((a, b) => b.confidence - a.confidence);
    const t4 = performance.now();
    return {
      ...(frameId === undefined ? {} : { frameId }),
      width: image.width,
      height: image.height,
      objects,
      barcodes,
      backend: this.backend.name,
      modelId: this.modelId,
      timingsMs: {
        decode: round(decodeMs),
        detect: round(t1 - t0),
        // The read's own time; on its thread it overlaps detect and match (the frame waited t3 - t2 for it).
        barcode: round(barcodeRun.ms),
        match: round(t2 - t1 + t4 - t3),
        total: round(decodeMs + t4 - t0),
      },
    };
  }

  #visual(image: RgbImage, d: Detection, cropFeatures: Float32Array): RecognisedObject {
    const m = this.#index.matchVerified(embed(image, cropFeatures, d.box), () => extractKeypoints(image, d.box), this.#policy);
    return {
      box: d.box,
      outcome: m.outcome,
      ...(m.productId ? { productId: m.productId } : {}),
      confidence: m.confidence,
      source: 'visual',
      detector: { label: d.label, score: Math.round(d.score * 1000) / 1000 },
      candidates: m.candidates,
    };
  }

  /**
   * Embeddings and keypoints for enrolment: per view, the main object (the
   * detection with the best score, favouring the centre, where the operator
   * holds it). Views where nothing was found are skipped.
   */
  async embedViews(images: RgbImage[]): Promise<EnrolmentViews> {
    const vectors: Float32Array[] = [];
    const keypoints: string[] = [];
    let skipped = 0;
    for (const image of images) {
      checkImage(image);
      const pixels = this.#detector.upload(image);
      try {
        const { detections } = await this.#detector.run(image, pixels);
        const main = mainObject(detections, image);
        if (!main) {
          skipped++;
          continue;
        }
        const [features] = this.#detector.cropFeatures(image, [main.box], pixels);
        vectors.push(embed(image, features!, main.box));
        keypoints.push(encodeKeypoints(extractKeypoints(image, main.box)));
      } finally {
        pixels.dispose();
      }
    }
    return { vectors, keypoints, usedViews: vectors.length, skipped };
  }

  dispose(): void {
    this.#detector.dispose();
    void this.#barcodeThread?.close();
  }
}

export const DEFAULT_CENTRE_PROPOSAL = 0.55;

/** The centred box covering `fraction` of each side of the frame. */
export function centreBox(image: { width: number; height: number }, fraction: number): PixelBox {
  const w = Math.round(image.width * fraction);
  const h = Math.round(image.height * fraction);
  return { x: Math.round((image.width - w) / 2), y: Math.round((image.height - h) / 2), w, h };
}

/** The detection an operator is showing: best score, discounted by distance from the centre. */
export function mainObject(detections: Detection[], image: { width: number; height: number }): Detection | undefined {
  let best: Detection | undefined;
  let bestValue = -Infinity;
  for (const d of detections) {
    const dx = (d.box.x + d.box.w / 2) / image.width - 0.5;
    const dy = (d.box.y + d.box.h / 2) / image.height - 0.5;
    const value = d.score * (1 - Math.min(0.8, Math.hypot(dx, dy)));
    if (value > bestValue) {
      bestValue = value;
      best = d;
    }
  }
  return best;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
