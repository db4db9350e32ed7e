/**
 * The recognition worker thread: owns TensorFlow.js, the models and the
 * barcode reader, so inference never runs on the gateway's main loop.
 * Protocol: requests `{id, op, ...}` in, answers `{id, ok, result | error}` out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeImage, type RgbImage } from './image.ts';
import type { MatchPolicy } from './matcher.ts';
import { RecognitionPipeline, type PipelineOptions } from './pipeline.ts';

export type WorkerFrame = { rgb: RgbImage } | { encoded: Uint8Array };
export type WorkerRequest =
  | { id: number; op: 'recognise'; frame: WorkerFrame; frameId?: number }
  | { id: number; op: 'embed'; frames: WorkerFrame[] }
  | { id: number; op: 'references'; refs: { enrolmentId: string; productId: string; vectors: number[][]; keypoints?: string[] }[] }
  | { id: number; op: 'catalogue'; entries: [string, string][] }
  | { id: number; op: 'policy'; policy: Partial<MatchPolicy> };
export type WorkerAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { name: string; message: string; code?: string; details?: unknown } };

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

function toImage(frame: WorkerFrame): { image: RgbImage; decodeMs: number } {
  const t0 = performance.now();
  const image = 'rgb' in frame ? frame.rgb : decodeImage(frame.encoded);
  return { image, decodeMs: performance.now() - t0 };
}

const ready = RecognitionPipeline.create(workerData as PipelineOptions);
ready.then(
  (p) => port.postMessage({ id: 0, ok: true, result: { backend: p.backend, modelId: p.modelId, policy: p.policy } }),
  (err: Error) => port.postMessage({ id: 0, ok: false, error: { name: err.name, message: err.message } }),
);

// One request at a time, in arrival order: TF.js is not re-entrant.
let chain: Promise<unknown> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  chain = chain.then(async () => {
    try {
      const p = await ready;
      let result: unknown;
      switch (req.op) {
        case 'recognise': {
          const { image, decodeMs } = toImage(req.frame);
          result = await p.recognise(image, req.frameId, decodeMs);
          break;
        }
        case 'embed': {
          const views = await p.embedViews(req.frames.map((f) => toImage(f).image));
          result = { usedViews: views.usedViews, skipped: views.skipped, vectors: views.vectors.map((v) => Array.from(v)), keypoints: views.keypoints };
          break;
        }
        case 'references':
          p.setReferences(req.refs.map((r) => ({ ...r, vectors: r.vectors.map((v) => Float32Array.from(v)) })));
          result = { size: req.refs.length };
          break;
        case 'catalogue':
          p.setCatalogue(req.entries);
          result = { size: req.entries.length };
          break;
        case 'policy':
          p.setPolicy(req.policy);
          result = p.policy;
          break;
      }
      port.postMessage({ id: req.id, ok: true, result } satisfies WorkerAnswer);
    } catch (err) {
      const e = err as { name?: string; message?: string; code?: string; details?: unknown };
      port.postMessage({
        id: req.id,
        ok: false,
        error: { name: e.name ?? 'Error', message: e.message ?? String(err), ...(e.code ? { code: e.code } : {}), ...(e.details ? { details: e.details } : {}) },
      } satisfies WorkerAnswer);
    }
  });
});
