/**
 * `npm run bench -- recognition`: on-device product recognition
 * (edge-services/recognition) on the labelled evaluation set.
 *
 * Figures (DESIGN.md section 8):
 *   frame            ms, p99   subjects tfjs-wasm, tfjs-cpu (and tfjs-node where it
 *                              loads): one whole frame (JPEG decode, detector at
 *                              384x512, barcode read on its own thread beside it,
 *                              crop embeddings at 224x224, matching) on 640x480
 *                              test frames, in this process.
 *   barcode-640x480  ms, p99   subjects zxing-wasm and zxing-js (@zxing/library, pure
 *                              JS): decoding the evaluation set's 640x480 barcode
 *                              views (RGB in, luminance conversion included); extra
 *                              field `read` = share of views whose EAN-13 was read.
 *   top1-accuracy, unknown-rejection, barcode-read-rate   ratio, subject edgepay:
 *                              the whole evaluation set on the WASM backend; the peer
 *                              `edgepay-unverified` is the same pipeline without keypoint
 *                              verification (policy verifyCandidates 0).
 *   frame-interleaved  ms, p99 subjects wasm-verified, wasm-unverified: what keypoint
 *                              verification costs, both policies on each frame in turn
 *                              on one pipeline (the VM's speed drifts between runs);
 *                              JPEG decode not included.
 * `value` is the median. Env: BENCH_WASM_FRAMES (default 60), BENCH_CPU_FRAMES
 * (default 6: the CPU backend takes seconds per frame), BENCH_BARCODE_ROUNDS (5).
 */
import zxingJs from '@zxing/library';
import {
  DEFAULT_MATCH_POLICY,
  RecognitionPipeline,
  decodeImage,
  enrolEvalSet,
  evaluate,
  frameBytes,
  loadManifest,
  readBarcodesInImage,
  type Reference,
  type RgbImage,
} from '../edge-services/index.ts';
import { emit, log, median, percentile, round } from './report.ts';

const BENCH = 'recognition';
// @zxing/library is CommonJS: its classes come through the default export under ESM.
const { BarcodeFormat, BinaryBitmap, DecodeHintType, HybridBinarizer, MultiFormatReader, RGBLuminanceSource } = zxingJs;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;

async function frameLatency(subject: string, backend: 'wasm' | 'cpu' | 'tensorflow', frames: number, jpegs: Buffer[], refs: Reference[], catalogue: [string, string][]): Promise<void> {
  let pipeline: RecognitionPipeline;
  try {
    pipeline = await RecognitionPipeline.create({ backend });
  } catch (err) {
    log(`${subject}: not available (${(err as Error).message})`);
    return;
  }
  try {
    // The WASM run's enrolments (enrolling again on the CPU backend would take minutes).
    pipeline.setReferences(refs);
    pipeline.setCatalogue(catalogue);
    const times: number[] = [];
    for (let i = -2; i < frames; i++) {
      const jpeg = jpegs[(i + jpegs.length) % jpegs.length]!;
      const t0 = performance.now();
      await pipeline.recognise(decodeImage(jpeg));
      if (i >= 0) times.push(performance.now() - t0);
    }
    emit({
      bench: BENCH,
      subject,
      metric: 'frame',
      value: round(median(times)),
      unit: 'ms',
      p99: round(percentile(times, 99)),
      frames: times.length,
      input: `640x480 jpeg, detector ${pipeline.detectorInput.join('x')} (h x w)`,
      barcodeThread: pipeline.barcodeThread,
      ...(pipeline.backend.simd === undefined ? {} : { simd: pipeline.backend.simd }),
    });
  } finally {
    pipeline.dispose();
  }
}

/** Both policies on each frame in turn (order alternating), on one pipeline. */
async function verificationCost(pipeline: RecognitionPipeline, jpegs: Buffer[], frames: number): Promise<void> {
  const times = { verified: [] as number[], unverified: [] as number[] };
  const verifyCandidates = DEFAULT_MATCH_POLICY.verifyCandidates;
  for (let i = 0; i < frames; i++) {
    const image = decodeImage(jpegs[i % jpegs.length]!);
    for (const which of i % 2 ? (['verified', 'unverified'] as const) : (['unverified', 'verified'] as const)) {
      pipeline.setPolicy({ verifyCandidates: which === 'verified' ? verifyCandidates : 0 });
      const t0 = performance.now();
      await pipeline.recognise(image);
      times[which].push(performance.now() - t0);
    }
  }
  pipeline.setPolicy({ verifyCandidates });
  for (const [which, t] of Object.entries(times)) {
    emit({
      bench: BENCH,
      subject: `wasm-${which}`,
      metric: 'frame-interleaved',
      value: round(median(t)),
      unit: 'ms',
      p99: round(percentile(t, 99)),
      frames: t.length,
      ratioToUnverified: round(median(t) / median(times.unverified), 3),
    });
  }
}

function luminance(image: RgbImage): Uint8ClampedArray {
  const out = new Uint8ClampedArray(image.width * image.height);
  for (let i = 0, j = 0; j < out.length; i += 3, j++) out[j] = (306 * image.data[i]! + 601 * image.data[i + 1]! + 117 * image.data[i + 2]! + 512) >> 10;
  return out;
}

async function barcodes(images: { image: RgbImage; code: string }[], rounds: number): Promise<void> {
  await readBarcodesInImage(images[0]!.image); // instantiate the wasm before timing
  const run = async (subject: string, read: (img: RgbImage) => Promise<string[]>) => {
    const times: number[] = [];
    let ok = 0;
    for (let r = 0; r < rounds; r++) {
      for (const { image, code } of images) {
        const t0 = performance.now();
        const texts = await read(image);
        times.push(performance.now() - t0);
        if (r === 0 && texts.includes(code)) ok++;
      }
    }
    emit({ bench: BENCH, subject, metric: 'barcode-640x480', value: round(median(times)), unit: 'ms', p99: round(percentile(times, 99)), read: round(ok / images.length, 3), views: images.length });
  };
  await run('zxing-wasm', async (img) => (await readBarcodesInImage(img)).map((b) => b.text));
  const hints = new Map<zxingJs.DecodeHintType, unknown>([
    [DecodeHintType.TRY_HARDER, true],
    [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.EAN_13, BarcodeFormat.EAN_8, BarcodeFormat.UPC_A, BarcodeFormat.UPC_E, BarcodeFormat.CODE_128, BarcodeFormat.QR_CODE]],
  ]);
  const reader = new MultiFormatReader();
  reader.setHints(hints);
  await run('zxing-js', async (img) => {
    try {
      const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance(img), img.width, img.height)));
      return [reader.decode(bitmap).getText()];
    } catch {
      return [];
    } finally {
      reader.reset();
    }
  });
}

export async function run(): Promise<number> {
  const manifest = loadManifest();
  const tests = manifest.frames.filter((f) => f.split === 'test');
  const jpegs = tests.filter((f) => !f.barcodeVisible).map(frameBytes);

  log('accuracy on the evaluation set (wasm)...');
  const pipeline = await RecognitionPipeline.create({ backend: 'wasm' });
  let refs: Reference[];
  const catalogue = manifest.products.filter((p) => p.enrolled && p.barcode).map((p) => [p.barcode, p.id] as [string, string]);
  try {
    refs = await enrolEvalSet(pipeline, manifest);
    const r = await evaluate(pipeline, manifest);
    const n = { known: r.counts.known, unknown: r.counts.unknown };
    emit({ bench: BENCH, subject: 'edgepay', metric: 'top1-accuracy', value: round(r.top1Accuracy, 3), unit: 'ratio', frames: n.known, ask: round(r.askRate, 3), exact: round(r.exactRate, 3) });
    emit({ bench: BENCH, subject: 'edgepay', metric: 'unknown-rejection', value: round(r.unknownRejection, 3), unit: 'ratio', frames: n.unknown });
    emit({ bench: BENCH, subject: 'edgepay', metric: 'barcode-read-rate', value: round(r.barcodeReadRate, 3), unit: 'ratio', frames: r.counts.barcode });
    pipeline.setPolicy({ verifyCandidates: 0 });
    const plain = await evaluate(pipeline, manifest);
    emit({
      bench: BENCH,
      subject: 'edgepay-unverified',
      metric: 'top1-accuracy',
      value: round(plain.top1Accuracy, 3),
      unit: 'ratio',
      frames: n.known,
      ask: round(plain.askRate, 3),
      exact: round(plain.exactRate, 3),
    });
    emit({ bench: BENCH, subject: 'edgepay-unverified', metric: 'unknown-rejection', value: round(plain.unknownRejection, 3), unit: 'ratio', frames: n.unknown });
    log('what verification costs per frame (interleaved)...');
    await verificationCost(pipeline, jpegs, env('BENCH_WASM_FRAMES', 60));
  } finally {
    pipeline.dispose();
  }

  log('barcode decoding...');
  const backs = tests.filter((f) => f.barcodeVisible).map((f) => ({ image: decodeImage(frameBytes(f)), code: manifest.products.find((p) => p.id === f.object)!.barcode }));
  await barcodes(backs, env('BENCH_BARCODE_ROUNDS', 5));

  log('frame latency...');
  await frameLatency('tfjs-node', 'tensorflow', env('BENCH_WASM_FRAMES', 60), jpegs, refs, catalogue);
  await frameLatency('tfjs-wasm', 'wasm', env('BENCH_WASM_FRAMES', 60), jpegs, refs, catalogue);
  await frameLatency('tfjs-cpu', 'cpu', env('BENCH_CPU_FRAMES', 6), jpegs, refs, catalogue);
  return 0;
}
