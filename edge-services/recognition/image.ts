/**
 * Frames as plain RGB bytes (3 per pixel, row-major): transferable between
 * threads, and what both the detector and the barcode reader take.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { EdgePayError } from '../../core/index.ts';

export type RgbImage = { width: number; height: number; data: Uint8Array };

export const MAX_FRAME_PIXELS = 4096 * 4096;

function invalid(reason: string, cause?: unknown): EdgePayError {
  return new EdgePayError('RECOGNITION_FRAME_INVALID', { reason }, cause === undefined ? undefined : { cause });
}

/** JPEG or PNG bytes (told apart by their magic numbers) to RGB. */
export function decodeImage(bytes: Uint8Array): RgbImage {
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    try {
      const out = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 17, maxMemoryUsageInMB: 256 });
      return { width: out.width, height: out.height, data: out.data };
    } catch (err) {
      throw invalid(`not a readable JPEG (${String((err as Error).message ?? err).slice(0, 100)})`, err);
    }
  }
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return rgbaToRgb(png.data, png.width, png.height);
    } catch (err) {
      throw invalid('not a readable PNG', err);
    }
  }
  throw invalid('neither JPEG nor PNG');
}

export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i]!;
    data[j + 1] = rgba[i + 1]!;
    data[j + 2] = rgba[i + 2]!;
  }
  return { width, height, data };
}

export function rgbToRgba(image: RgbImage): Uint8ClampedArray {
  const out = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    out[j] = image.data[i]!;
    out[j + 1] = image.data[i + 1]!;
    out[j + 2] = image.data[i + 2]!;
    out[j + 3] = 255;
  }
  return out;
}

/** Checks dimensions against the byte count; throws RECOGNITION_FRAME_INVALID. */
export function checkImage(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width * height > MAX_FRAME_PIXELS) {
    throw invalid(`bad size ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) throw invalid(`expected ${width * height * 3} RGB bytes, got ${data?.length}`);
  return image;
}

/** A `cart.frame` payload (base64 JPEG or raw RGB8) to an image. */
export function imageFromFramePayload(payload: { width: number; height: number; encoding: 'jpeg' | 'rgb8'; data: string }): RgbImage {
  const bytes = Buffer.from(payload.data, 'base64');
  if (payload.encoding === 'rgb8') {
    return checkImage({ width: payload.width, height: payload.height, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
  }
  const image = decodeImage(bytes);
  if (image.width !== payload.width || image.height !== payload.height) {
    throw invalid(`the JPEG is ${image.width}x${image.height}, the message says ${payload.width}x${payload.height}`);
  }
  return checkImage(image);
}

/** Copies a clamped box out of an image. */
export function crop(image: RgbImage, box: { x: number; y: number; w: number; h: number }): RgbImage {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.w));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.h));
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(src, src + width * 3), y * width * 3);
  }
  return { width, height, data };
}
