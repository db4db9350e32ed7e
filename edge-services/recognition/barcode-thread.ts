/**
 * Barcode reading on a thread of its own, beside the detector. The pipeline
 * hands each frame here before it runs the detector and collects the reads
 * after the crops are embedded: decode (~10-15 ms on 640x480) then costs the
 * frame nothing on a machine with a free core. If the thread cannot start or
 * fails, reading falls back to the calling thread (same reader, same options).
 */
import { Worker } from 'node:worker_threads';
import { readBarcodesInImage, type BarcodeRead } from './barcode.ts';
import type { RgbImage } from './image.ts';

type Answer = { id: number; ok: true; reads: BarcodeRead[]; ms: number } | { id: number; ok: false; message: string };

export type TimedReads = { reads: BarcodeRead[]; ms: number; thread: boolean };

export class BarcodeThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(a: Answer): void }>();
  #nextId = 1;
  #broken = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (a: Answer) => {
      const p = this.#pending.get(a.id);
      if (!p) return;
      this.#pending.delete(a.id);
      if (this.#pending.size === 0) worker.unref();
      p.resolve(a);
    });
    const fail = (message: string) => {
      this.#broken = true;
      for (const [id, p] of this.#pending) p.resolve({ id, ok: false, message });
      this.#pending.clear();
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`the barcode thread exited (${code})`));
    // Keeps the process alive only while a read is in flight (an idle thread never holds it open).
    worker.unref();
  }

  /** Starts the thread and waits until its reader is instantiated; undefined if it cannot start. */
  static async start(): Promise<BarcodeThread | undefined> {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./barcode-worker-entry.mjs', import.meta.url));
    } catch {
      return undefined;
    }
    const ok = await new Promise<boolean>((resolve) => {
      worker.once('message', (a: Answer) => resolve(a.id === 0 && a.ok));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    if (!ok) {
      await worker.terminate();
      return undefined;
    }
    return new BarcodeThread(worker);
  }

  /** Starts reading a copy of the frame on the thread; the promise settles with the reads (never rejects). */
  read(image: RgbImage): Promise<TimedReads> {
    if (this.#broken) return readHere(image);
    const id = this.#nextId++;
    const data = image.data.slice();
    return new Promise<Answer>((resolve) => {
      this.#pending.set(id, { resolve });
      this.#worker.ref();
      this.#worker.postMessage({ id, width: image.width, height: image.height, data }, [data.buffer as ArrayBuffer]);
    }).then((a) => (a.ok ? { reads: a.reads, ms: a.ms, thread: true } : readHere(image)));
  }

  async close(): Promise<void> {
    this.#broken = true;
    await this.#worker.terminate();
  }
}

/** The same read on the calling thread (the fallback, and the pipeline's mode without a thread). */
export async function readHere(image: RgbImage): Promise<TimedReads> {
  const t0 = performance.now();
  const reads = await readBarcodesInImage(image);
  return { reads, ms: performance.now() - t0, thread: false };
}
