/**
 * The barcode thread (barcode-thread.ts starts it): zxing-wasm reads each
 * frame here while the detector runs on the recognition thread, so on a
 * 2-core gateway the two use both cores instead of running one after the
 * other. Protocol: `{id, width, height, data}` in (RGB bytes, transferred),
 * `{id, ok, reads, ms}` or `{id, ok: false, message}` out.
 */
import { parentPort } from 'node:worker_threads';
import { prepareBarcodeReader, readBarcodesInImage } from './barcode.ts';

const port = parentPort;
if (!port) throw new Error('barcode-worker.ts must run in a worker thread');

prepareBarcodeReader().then(
  () => port.postMessage({ id: 0, ok: true }),
  (err: Error) => port.postMessage({ id: 0, ok: false, message: err.message }),
);

// zxing-wasm is not re-entrant either: one frame at a time, in arrival order.
let chain: Promise<unknown> = Promise.resolve();
port.on('message', (req: { id: number; width: number; height: number; data: Uint8Array }) => {
  chain = chain.then(async () => {
    const t0 = performance.now();
    try {
      const reads = await readBarcodesInImage({ width: req.width, height: req.height, data: req.data });
      port.postMessage({ id: req.id, ok: true, reads, ms: performance.now() - t0 });
    } catch (err) {
      port.postMessage({ id: req.id, ok: false, message: String((err as Error).message ?? err) });
    }
  });
});
