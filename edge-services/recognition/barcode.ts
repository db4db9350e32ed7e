/**
 * Barcode reading with zxing-wasm (ZXing C++ in WebAssembly). By default the
 * library fetches its .wasm from a CDN; here it is handed the binary shipped
 * in its own npm package (`wasmBinary`), so nothing is fetched, ever.
 */
import { readFileSync } from 'node:fs';
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader';
import type { PixelBox } from '../../core/index.ts';
import type { RgbImage } from './image.ts';
import { zxingReaderWasmPath } from './model-files.ts';

export type BarcodeRead = { text: string; format: string; box: PixelBox };

/** Retail codes first; QR for app-made labels. */
export const RETAIL_FORMATS = ['EAN13', 'EAN8', 'UPCA', 'UPCE', 'Code128', 'QRCode', 'DataMatrix'] as const;

let prepared: Promise<unknown> | undefined;

/** Instantiates the reader from the local .wasm (idempotent). */
export function prepareBarcodeReader(): Promise<unknown> {
  prepared ??= prepareZXingModule({
    overrides: { wasmBinary: readFileSync(zxingReaderWasmPath()).buffer as ArrayBuffer },
    fireImmediately: true,
  }) as Promise<unknown>;
  return prepared;
}

const OPTIONS: ReaderOptions = {
  formats: [...RETAIL_FORMATS],
  tryHarder: true,
  tryRotate: true,
  tryInvert: false,
  tryDownscale: true,
  maxNumberOfSymbols: 8,
};

/** RGBA view for zxing (it converts to luminance itself). */
function toImageDataLike(image: RgbImage): { data: Uint8ClampedArray; width: number; height: number; colorSpace: 'srgb' } {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  const src = image.data;
  for (let i = 0, j = 0; i < src.length; i += 3, j += 4) {
    rgba[j] = src[i]!;
    rgba[j + 1] = src[i + 1]!;
    rgba[j + 2] = src[i + 2]!;
    rgba[j + 3] = 255;
  }
  return { data: rgba, width: image.width, height: image.height, colorSpace: 'srgb' };
}

/** Every valid barcode in the image, with its bounding box. */
export async function readBarcodesInImage(image: RgbImage, options: Partial<ReaderOptions> = {}): Promise<BarcodeRead[]> {
  await prepareBarcodeReader();
  const results = await readBarcodes(toImageDataLike(image) as unknown as ImageData, { ...OPTIONS, ...options });
  const out: BarcodeRead[] = [];
  for (const r of results) {
    if (!r.isValid || !r.text) continue;
    const p = r.position;
    const xs = [p.topLeft.x, p.topRight.x, p.bottomLeft.x, p.bottomRight.x];
    const ys = [p.topLeft.y, p.topRight.y, p.bottomLeft.y, p.bottomRight.y];
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    out.push({ text: r.text, format: r.format, box: { x, y, w: Math.max(1, Math.max(...xs) - x), h: Math.max(1, Math.max(...ys) - y) } });
  }
  return out;
}
