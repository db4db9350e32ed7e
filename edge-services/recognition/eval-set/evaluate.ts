/**
 * Runs the pipeline over the evaluation set: enrols every enrolled product
 * from its enrolment views, then recognises the test views. Used by the
 * accuracy test and by `npm run bench -- recognition`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameRecognition } from '../../../core/index.ts';
import { decodeImage } from '../image.ts';
import type { Reference } from '../matcher.ts';
import type { RecognitionPipeline } from '../pipeline.ts';

export const EVAL_DIR = import.meta.dirname;

export type EvalFrame = {
  file: string;
  split: 'enrol' | 'test';
  object: string;
  expected: string | null;
  barcodeVisible: boolean;
  conditions: Record<string, unknown>;
};
export type EvalManifest = {
  products: { id: string; name: string; barcode: string; enrolled: boolean }[];
  frames: EvalFrame[];
};

/** The committed set by default; another folder holds e.g. a calibration set made by generate.ts --out. */
export function loadManifest(dir = EVAL_DIR): EvalManifest {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvalManifest;
  for (const f of manifest.frames) frameDirs.set(f, dir);
  return manifest;
}

const frameDirs = new WeakMap<EvalFrame, string>();

export function frameBytes(frame: EvalFrame): Buffer {
  return readFileSync(join(frameDirs.get(frame) ?? EVAL_DIR, frame.file));
}

export type EvalReport = {
  /** Enrolled products' front views: share answered `product` with the right id. */
  top1Accuracy: number;
  /** Unknown objects' views: share where no object became a `product`. */
  unknownRejection: number;
  /** Views with the barcode facing the camera: share whose code was read. */
  barcodeReadRate: number;
  /** Enrolled products' views answered `ask` (the person scans instead). */
  askRate: number;
  /**
   * Enrolled products' views where every object answered `product` is the
   * right one (what the kiosk would put in the basket: top-1 alone does not
   * see a second, wrong product further down the list).
   */
  exactRate: number;
  counts: { known: number; unknown: number; barcode: number };
  wrong: { file: string; expected: string | null; got: string | undefined; confidence: number }[];
  frameMs: number[];
};

/** Enrols from the `enrol` split; returns the references it made. */
export async function enrolEvalSet(pipeline: RecognitionPipeline, manifest: EvalManifest): Promise<Reference[]> {
  const refs: Reference[] = [];
  for (const p of manifest.products.filter((x) => x.enrolled)) {
    const views = manifest.frames.filter((f) => f.split === 'enrol' && f.object === p.id).map((f) => decodeImage(frameBytes(f)));
    const { vectors, keypoints } = await pipeline.embedViews(views);
    refs.push({ enrolmentId: `eval-${p.id}`, productId: p.id, vectors, keypoints });
  }
  pipeline.setReferences(refs);
  pipeline.setCatalogue(manifest.products.filter((p) => p.enrolled && p.barcode).map((p) => [p.barcode, p.id] as [string, string]));
  return refs;
}

/** `every`: take every n-th test frame (1 = all), for a quicker run. */
export async function evaluate(pipeline: RecognitionPipeline, manifest: EvalManifest, every = 1): Promise<EvalReport> {
  const tests = manifest.frames.filter((f) => f.split === 'test').filter((_, i) => i % every === 0);
  let known = 0,
    knownOk = 0,
    exact = 0,
    asked = 0,
    unknown = 0,
    unknownOut = 0,
    barcode = 0,
    barcodeRead = 0;
  const wrong: EvalReport['wrong'] = [];
  const frameMs: number[] = [];
  for (const f of tests) {
    const t0 = performance.now();
    const image = decodeImage(frameBytes(f));
    const result: FrameRecognition = await pipeline.recognise(image, undefined, performance.now() - t0);
    frameMs.push(result.timingsMs.total);
    const top = result.objects.find((o) => o.outcome === 'product');
    if (f.barcodeVisible) {
      barcode++;
      const code = manifest.products.find((p) => p.id === f.object)?.barcode;
      if (result.barcodes.some((b) => b.text === code)) barcodeRead++;
    }
    if (f.expected === null) {
      unknown++;
      if (!top) unknownOut++;
      else wrong.push({ file: f.file, expected: null, got: top.productId, confidence: top.confidence });
    } else if (!f.barcodeVisible) {
      known++;
      const products = result.objects.filter((o) => o.outcome === 'product');
      if (products.length > 0 && products.every((o) => o.productId === f.expected)) exact++;
      if (top?.productId === f.expected) knownOk++;
      else {
        if (!top && result.objects.some((o) => o.outcome === 'ask')) asked++;
        wrong.push({ file: f.file, expected: f.expected, got: top?.productId, confidence: top?.confidence ?? 0 });
      }
    }
  }
  return {
    top1Accuracy: known ? knownOk / known : 0,
    unknownRejection: unknown ? unknownOut / unknown : 0,
    barcodeReadRate: barcode ? barcodeRead / barcode : 0,
    askRate: known ? asked / known : 0,
    exactRate: known ? exact / known : 0,
    counts: { known, unknown, barcode },
    wrong,
    frameMs,
  };
}
