/**
 * The gateway's handle on recognition: a worker thread (worker.ts) that runs
 * the pipeline, so a slow frame never blocks the main loop (checkout, bus,
 * sync). Frames queue up to `maxPending`; beyond that a new frame is refused
 * at once with RECOGNITION_BUSY (a camera sends the next frame soon anyway).
 */
import { Worker } from 'node:worker_threads';
import { EdgePayError, isErrorCode, type FrameRecognition } from '../../core/index.ts';
import type { BackendInfo } from './backend.ts';
import type { RgbImage } from './image.ts';
import type { MatchPolicy, Reference } from './matcher.ts';
import type { PipelineOptions } from './pipeline.ts';
import type { WorkerAnswer, WorkerFrame, WorkerRequest } from './worker.ts';

export type RecognitionServiceOptions = PipelineOptions & {
  /** Frames waiting or running before new ones are refused (default 2). */
  maxPending?: number;
  /** Per request (default 30 s: the first frame on the CPU backend is slow). */
  timeoutMs?: number;
};

/** What enrolment gets per used view: its vector and its encoded keypoints (same order). */
export type ViewEmbeddings = { vectors: number[][]; keypoints: string[]; usedViews: number; skipped: number };

export type Frame = RgbImage | Uint8Array;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Pending = { resolve(v: unknown): void; reject(e: unknown): void; timer: NodeJS.Timeout; frame: boolean };

function toWorkerFrame(frame: Frame): { msg: WorkerFrame; transfer: ArrayBuffer[] } {
  if (frame instanceof Uint8Array) {
    const copy = frame.slice();
    return { msg: { encoded: copy }, transfer: [copy.buffer as ArrayBuffer] };
  }
  const data = frame.data.slice();
  return { msg: { rgb: { width: frame.width, height: frame.height, data } }, transfer: [data.buffer as ArrayBuffer] };
}

export class RecognitionService {
  readonly backend: BackendInfo;
  readonly modelId: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #maxPending: number;
  readonly #timeoutMs: number;
  #nextId = 1;
  #frames = 0;
  #closed = false;

  private constructor(worker: Worker, info: { backend: BackendInfo; modelId: string }, options: RecognitionServiceOptions) {
    this.#worker = worker;
    this.backend = info.backend;
    this.modelId = info.modelId;
    this.#maxPending = options.maxPending ?? 2;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    worker.on('message', (answer: WorkerAnswer) => this.#answer(answer));
    worker.on('error', (err) => this.#failAll(err));
    worker.on('exit', (code) => {
      this.#closed = true;
      this.#failAll(new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: `the recognition worker exited (${code})` }));
    });
  }

  /** Starts the worker and waits until its models are loaded. */
  static async start(options: RecognitionServiceOptions = {}): Promise<RecognitionService> {
    const { maxPending: _m, timeoutMs: _t, ...pipelineOptions } = options;
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: pipelineOptions });
    try {
      const info = await new Promise<{ backend: BackendInfo; modelId: string }>((resolve, reject) => {
        const onMessage = (a: WorkerAnswer) => {
          if (a.id !== 0) return;
          worker.off('message', onMessage);
          if (a.ok) resolve(a.result as { backend: BackendInfo; modelId: string });
          else reject(new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: a.error.message }));
        };
        worker.on('message', onMessage);
        worker.once('error', (err) => reject(new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: err.message }, { cause: err })));
        worker.once('exit', (code) => reject(new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: `the worker exited (${code}) while starting` })));
      });
      return new RecognitionService(worker, info, options);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /** Recognises one frame (JPEG/PNG bytes or RGB). Refused at once when `maxPending` frames are in the worker. */
  recognise(frame: Frame, frameId?: number): Promise<FrameRecognition> {
    if (this.#frames >= this.#maxPending) {
      return Promise.reject(new EdgePayError('RECOGNITION_BUSY', { pending: this.#frames }));
    }
    const { msg, transfer } = toWorkerFrame(frame);
    return this.#call({ op: 'recognise', frame: msg, ...(frameId === undefined ? {} : { frameId }) }, transfer, true) as Promise<FrameRecognition>;
  }

  /** Embeddings and keypoints of the main object in each view (for enrolment); views without an object are skipped. */
  async embedViews(frames: Frame[]): Promise<ViewEmbeddings> {
    const parts = frames.map(toWorkerFrame);
    return (await this.#call(
      { op: 'embed', frames: parts.map((p) => p.msg) },
      parts.flatMap((p) => p.transfer),
      false,
    )) as ViewEmbeddings;
  }

  async setReferences(refs: Reference[]): Promise<void> {
    await this.#call({ op: 'references', refs: refs.map((r) => ({ ...r, vectors: r.vectors.map((v) => Array.from(v)) })) }, [], false);
  }

  async setCatalogue(entries: Iterable<[barcode: string, productId: string]>): Promise<void> {
    await this.#call({ op: 'catalogue', entries: [...entries] }, [], false);
  }

  async setPolicy(policy: Partial<MatchPolicy>): Promise<MatchPolicy> {
    return (await this.#call({ op: 'policy', policy }, [], false)) as MatchPolicy;
  }

  /** Stops the worker; pending requests fail with RECOGNITION_UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker.terminate();
    this.#failAll(new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: 'closed' }));
  }

  #call(req: DistributiveOmit<WorkerRequest, 'id'>, transfer: ArrayBuffer[], frame: boolean): Promise<unknown> {
    if (this.#closed) return Promise.reject(new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: 'closed' }));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(id);
        reject(new EdgePayError('RECOGNITION_TIMEOUT', { timeoutMs: this.#timeoutMs }));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, frame });
      if (frame) this.#frames++;
      this.#worker.postMessage({ ...req, id }, transfer);
    });
  }

  #settle(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (p.frame) this.#frames--;
    return p;
  }

  #answer(a: WorkerAnswer): void {
    if (a.id === 0) return;
    const p = this.#settle(a.id);
    if (!p) return;
    if (a.ok) p.resolve(a.result);
    else if (a.error.code && isErrorCode(a.error.code)) p.reject(new EdgePayError(a.error.code, a.error.details as Record<string, unknown> | undefined));
    else p.reject(new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: a.error.message }));
  }

  #failAll(err: unknown): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(err);
  }
}
