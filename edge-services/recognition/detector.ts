/**
 * The object detector: CenterNet with a MobileNetV3 backbone trained on COCO,
 * as shipped inside `@vladmandic/human` (models/centernet.json + .bin, 4 MB).
 * Input 512x512 RGB (0..255); outputs up to 100 boxes with a score and a COCO
 * class. We use it class-agnostically: a product is whatever object it finds,
 * and what the object is comes from matching (matcher.ts), not from COCO.
 *
 * Its backbone (MobileNetV3) also gives each object's deep descriptor, from a
 * second pass over the object crops (cropFeatures).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { join } from 'node:path';
import type { PixelBox } from '../../core/index.ts';
import type { RgbImage } from './image.ts';
import { humanModelsDir, readGraphModelArtifacts } from './model-files.ts';
import { COCO_LABELS } from './coco-labels.ts';
import { exposureGain } from './embedding.ts';

/** The input the model ships with (square); `inputSize` picks another. */
export const DETECTOR_INPUT = 512;
/**
 * What we run it at: 384x512 (height x width), the frame's 4:3 shape at the
 * model's width. 0.71 of the 512x512 work (detector ~175 -> ~125 ms on one
 * core here); on the calibration sets about as accurate (see matcher.ts).
 */
export const DEFAULT_DETECTOR_SIZE: [height: number, width: number] = [384, 512];
const DETECTIONS = 'tower_0/detections';

/** The last backbone stage (stride 32, 480 channels). */
export const BACKBONE_NODE = 'tower_0/extern1/hard_swish/mul_1';
export const CROP_SIZE = 224;

export type Detection = { box: PixelBox; score: number; label: string };
export type DetectorOutput = { detections: Detection[] };

export type DetectorOptions = {
  /** Keep boxes scoring at least this (class-agnostic; products are not COCO classes, so scores are low). */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. */
  iou?: number;
  maxObjects?: number;
  /** Boxes smaller than this fraction of the frame's shorter side are ignored. */
  minSide?: number;
  /** A box this much inside a better-scoring one (share of its own area) is a part of that object and dropped. */
  contained?: number;
  /**
   * Keep a box that contains a better-scoring one (default true). COCO's
   * detector often scores a product's emblem or label above the whole pack;
   * dropping the container then left only the emblem, at enrolment and at
   * recognition alike. Kept, the whole pack is a candidate of its own.
   */
  keepContainers?: boolean;
  /**
   * The detector's input [height, width] (multiples of 32). The shipped graph
   * is 512x512 only because its head has the feature-map sizes folded into
   * seven constants (upsampling targets, the gather's row width and size);
   * withInputSize rewrites them, so the same weights run at other sizes.
   */
  inputSize?: [height: number, width: number];
};

export function iou(a: PixelBox, b: PixelBox): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** Is `inner` mostly inside `outer`? (Parts of one object are often boxed too.) */
function containedIn(inner: PixelBox, outer: PixelBox): number {
  const x0 = Math.max(inner.x, outer.x);
  const y0 = Math.max(inner.y, outer.y);
  const x1 = Math.min(inner.x + inner.w, outer.x + outer.w);
  const y1 = Math.min(inner.y + inner.h, outer.y + outer.h);
  return (Math.max(0, x1 - x0) * Math.max(0, y1 - y0)) / (inner.w * inner.h);
}

/**
 * Greedy non-maximum suppression, best score first: a box overlapping a kept
 * one by more than `iou`, or lying mostly inside one (a part of it), is
 * dropped; a box that contains a kept one is kept unless keepContainers is off.
 */
export function suppress(detections: Detection[], options: Pick<Required<DetectorOptions>, 'iou' | 'contained' | 'keepContainers' | 'maxObjects'>): Detection[] {
  const all = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of all) {
    if (kept.some((k) => iou(k.box, d.box) > options.iou || containedIn(d.box, k.box) > options.contained || (!options.keepContainers && containedIn(k.box, d.box) > options.contained))) continue;
    kept.push(d);
    if (kept.length >= options.maxObjects) break;
  }
  return kept;
}

/**
 * The same graph with a free input size (batch, height, width): the model
 * declares 1x512x512, which TF.js enforces, but the backbone is fully
 * convolutional, so object crops can go through it in one batch.
 */
function withFreeInputShape(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  const topology = structuredClone(artifacts.modelTopology) as { node: { name: string; op: string; attr?: any }[] };
  for (const node of topology.node) {
    if (node.op === 'Placeholder' && node.attr?.shape?.shape?.dim) {
      node.attr.shape.shape.dim = [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }];
    }
  }
  const { signature: _signature, ...rest } = artifacts;
  return { ...rest, modelTopology: topology };
}

/** The head's constants that encode the 512x512 feature-map sizes, as functions of the input. */
const SIZE_CONSTANTS: Record<string, (h: number, w: number) => number[]> = {
  'tower_0/CenternetHead/c5_upsample/up_sampling2d/mul': (h, w) => [h / 16, w / 16],
  'tower_0/CenternetHead/c4_upsample/up_sampling2d_1/mul': (h, w) => [h / 8, w / 8],
  'tower_0/CenternetHead/c3_upsample/up_sampling2d_2/mul': (h, w) => [h / 4, w / 4],
  'tower_0/BatchGather/concat': (h, w) => [(h / 4) * (w / 4), 4],
  'tower_0/strided_slice_6': (_h, w) => [w / 4],
};

/** The detection graph for an input of h x w (multiples of 32): same weights, the size constants rewritten. */
export function withInputSize(artifacts: tf.io.ModelArtifacts, h: number, w: number): tf.io.ModelArtifacts {
  if (!(h % 32 === 0 && w % 32 === 0 && h >= 128 && w >= 128)) throw new Error(`detector input ${h}x${w}: need multiples of 32, at least 128`);
  if (h === DETECTOR_INPUT && w === DETECTOR_INPUT) return artifacts;
  const topology = structuredClone(artifacts.modelTopology) as { node: { name: string; op: string; attr?: any }[] };
  for (const node of topology.node) {
    if (node.op === 'Placeholder' && node.attr?.shape?.shape?.dim) node.attr.shape.shape.dim = [{ size: '1' }, { size: String(h) }, { size: String(w) }, { size: '3' }];
  }
  const data = (artifacts.weightData as ArrayBuffer).slice(0);
  let offset = 0;
  const found = new Set<string>();
  for (const spec of artifacts.weightSpecs!) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = n * (spec.quantization ? (spec.quantization.dtype === 'uint8' ? 1 : 2) : 4);
    const make = SIZE_CONSTANTS[spec.name];
    if (make) {
      if (spec.dtype !== 'int32' || spec.quantization) throw new Error(`detector constant ${spec.name} is not plain int32`);
      const old = new Int32Array(data, offset, n);
      const want512 = make(DETECTOR_INPUT, DETECTOR_INPUT);
      if (old.some((v, i) => v !== want512[i])) throw new Error(`detector constant ${spec.name} is ${Array.from(old)}, expected ${want512}: not the model this code knows`);
      old.set(make(h, w));
      found.add(spec.name);
    }
    offset += bytes;
  }
  if (found.size !== Object.keys(SIZE_CONSTANTS).length || offset !== data.byteLength) throw new Error('detector graph: size constants not found where expected');
  const { signature: _signature, ...rest } = artifacts;
  return { ...rest, modelTopology: topology, weightData: data };
}

export class Detector {
  readonly #model: GraphModel;
  readonly #backbone: GraphModel;
  readonly #options: Required<DetectorOptions>;

  private constructor(model: GraphModel, backbone: GraphModel, options: Required<DetectorOptions>) {
    this.#model = model;
    this.#backbone = backbone;
    this.#options = options;
  }

  static async load(options: DetectorOptions = {}): Promise<Detector> {
    const artifacts = readGraphModelArtifacts(join(humanModelsDir(), 'centernet.json'));
    const backbone = await loadGraphModel(tf.io.fromMemory(withFreeInputShape(artifacts)));
    const all = { minScore: 0.04, iou: 0.45, maxObjects: 6, minSide: 0.12, contained: 0.8, keepContainers: true, inputSize: DEFAULT_DETECTOR_SIZE, ...options };
    const model = await loadGraphModel(tf.io.fromMemory(withInputSize(artifacts, all.inputSize[0], all.inputSize[1])));
    return new Detector(model, backbone, all);
  }

  /** The detector's input, [height, width]. */
  get inputSize(): [number, number] {
    return [...this.#options.inputSize];
  }

  /**
   * The frame as a float tensor, uploaded once per frame and shared by run()
   * and cropFeatures() (the caller disposes it).
   */
  upload(image: RgbImage): tf.Tensor3D {
    return tf.tidy(() => tf.cast(tf.tensor3d(image.data, [image.height, image.width, 3], 'int32'), 'float32'));
  }

  /** One forward pass: the boxes, in the frame's pixels (`uploaded`: the frame from upload(), if the caller has it). */
  async run(image: RgbImage, uploaded?: tf.Tensor3D): Promise<DetectorOutput> {
    const input = tf.tidy(() => {
      const pixels = uploaded ?? this.upload(image);
      return tf.expandDims(tf.image.resizeBilinear(pixels, this.#options.inputSize), 0);
    });
    let output: tf.Tensor | undefined;
    try {
      output = this.#model.execute(input, DETECTIONS) as tf.Tensor;
      const raw = (await output.data()) as Float32Array;
      return { detections: this.#boxes(raw, image.width, image.height) };
    } finally {
      input.dispose();
      output?.dispose();
    }
  }

  #boxes(raw: Float32Array, width: number, height: number): Detection[] {
    const sx = width / this.#options.inputSize[1];
    const sy = height / this.#options.inputSize[0];
    const minSide = this.#options.minSide * Math.min(width, height);
    const all: Detection[] = [];
    for (let i = 0; i + 5 < raw.length; i += 6) {
      const score = raw[i + 4]!;
      if (!(score >= this.#options.minScore)) continue;
      const x0 = Math.max(0, raw[i]! * sx);
      const y0 = Math.max(0, raw[i + 1]! * sy);
      const x1 = Math.min(width, raw[i + 2]! * sx);
      const y1 = Math.min(height, raw[i + 3]! * sy);
      if (x1 - x0 < minSide || y1 - y0 < minSide) continue;
      const cls = Math.round(raw[i + 5]!);
      all.push({ box: { x: Math.round(x0), y: Math.round(y0), w: Math.round(x1 - x0), h: Math.round(y1 - y0) }, score, label: COCO_LABELS[cls] ?? `class-${cls}` });
    }
    return suppress(all, this.#options);
  }

  /**
   * Object embeddings from a second, cheaper pass: each box is cut out of the
   * frame, brought to a common exposure, resized to CROP_SIZE and run through
   * the backbone alone (the graph runs only what the requested node needs);
   * the deepest backbone features are max-pooled (480 values; average pooling
   * added nothing on the calibration sets). Scale-normalised and
   * object-centred, unlike pooling the whole frame's feature map.
   */
  cropFeatures(image: RgbImage, boxes: PixelBox[], uploaded?: tf.Tensor3D): Float32Array[] {
    if (boxes.length === 0) return [];
    return tf.tidy(() => {
      const pixels = uploaded ?? this.upload(image);
      const norm = boxes.map((b) => {
        const pad = 0.04;
        return [
          Math.max(0, (b.y - b.h * pad) / image.height),
          Math.max(0, (b.x - b.w * pad) / image.width),
          Math.min(1, (b.y + b.h * (1 + pad)) / image.height),
          Math.min(1, (b.x + b.w * (1 + pad)) / image.width),
        ];
      });
      const crops = tf.image.cropAndResize(tf.expandDims(pixels, 0) as tf.Tensor4D, tf.tensor2d(norm, [boxes.length, 4]), tf.zeros([boxes.length], 'int32') as tf.Tensor1D, [CROP_SIZE, CROP_SIZE]);
      // The same auto-exposure as the colour part, so dim or bright light matters less.
      const gains = tf.tensor4d(
        boxes.map((b) => exposureGain(image, b)),
        [boxes.length, 1, 1, 1],
      );
      const lit = tf.minimum(tf.mul(crops, gains), 255);
      const feat = this.#backbone.execute(lit, BACKBONE_NODE) as tf.Tensor4D;
      const pooled = tf.max(feat, [1, 2]);
      const flat = pooled.dataSync() as Float32Array;
      const dims = pooled.shape[1]!;
      return boxes.map((_, i) => flat.slice(i * dims, (i + 1) * dims));
    });
  }

  dispose(): void {
    this.#model.dispose();
    this.#backbone.dispose();
  }
}
