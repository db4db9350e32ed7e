/** Product recognition's methods: the kiosk camera, and the operator teaching and forgetting products. */
import { EdgePayError, type CameraFrameResult, type CameraView, type EnrolmentDoc, type EnrolmentView, type GatewayHandlers, type ProductDoc, type RecognisedObject } from '../../../core/index.ts';
import type { GatewayEvents } from './events.ts';
import type { KioskDesk } from './kiosk-desk.ts';
import type { GatewayServiceParts, RecognitionPart } from './parts.ts';

type RecognitionHandlers = Pick<GatewayHandlers, 'cameraFrame' | 'enrolments' | 'enrolProduct' | 'forgetProduct'>;

/** The declaration checked it is base64; these are its bytes. */
const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

const enrolmentView = (d: EnrolmentDoc): EnrolmentView => ({ id: d.id, productId: d.productId, views: d.embeddings.length, createdAt: d.createdAt, createdBy: d.createdBy });

type Box = RecognisedObject['box'];
const overlap = (a: Box, b: Box): number => {
  const w = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  // Of the smaller box: a detector that finds a cup and also its label finds one cup.
  return (w * h) / Math.max(1, Math.min(a.w * a.h, b.w * b.h));
};

/**
 * One item seen twice in one frame (the detector's boxes for the whole cup
 * and for part of it, both matching the same product) is one item: objects
 * of the same product whose boxes mostly overlap count once (the most
 * confident). Two separate items of one product stay two.
 */
export function oneObjectPerItem(objects: readonly RecognisedObject[]): RecognisedObject[] {
  const kept: RecognisedObject[] = [];
  for (const o of [...objects].sort((a, b) => b.confidence - a.confidence)) {
    if (o.productId && kept.some((k) => k.productId === o.productId && overlap(k.box, o.box) > 0.5)) continue;
    kept.push(o);
  }
  return kept;
}

const frameDataUrl = (base64: string) => `data:${base64.startsWith('iVBOR') ? 'image/png' : base64.startsWith('UklGR') ? 'image/webp' : 'image/jpeg'};base64,${base64}`;

export function recognitionHandlers(parts: GatewayServiceParts, desk: KioskDesk, events: GatewayEvents): RecognitionHandlers {
  const productNames = async (ids: string[]): Promise<Map<string, Pick<ProductDoc, 'name' | 'names'>>> => {
    if (!ids.length) return new Map();
    const found = await parts.db.products.findByIds([...new Set(ids)]).exec();
    return new Map(
      [...found].map(([id, d]) => {
        const p = d.toJSON() as ProductDoc;
        return [id, { name: p.name, ...(p.names ? { names: p.names } : {}) }];
      }),
    );
  };
  const recognition = (): RecognitionPart => {
    if (!parts.recognition) throw new EdgePayError('RECOGNITION_UNAVAILABLE', { reason: 'this gateway runs no recognition' });
    return parts.recognition;
  };
  return {
    async cameraFrame(frame) {
      const seen = recognition();
      desk.notWhilePaying();
      const result = await seen.recognise(bytes(frame.data));
      // Into the basket in turn with scans, so a scan and a frame never interleave.
      return desk.inTurn(async () => {
        const added: CameraFrameResult['added'] = [];
        let unknown = 0;
        const objects = oneObjectPerItem(result.objects);
        for (const o of objects) {
          if (o.outcome === 'unknown') unknown++;
          if (o.outcome !== 'product' || !o.productId) continue;
          if (await parts.kiosk.addRecognised(o.productId)) added.push({ productId: o.productId, confidence: o.confidence, source: o.source === 'barcode' ? 'barcode' : 'visual' });
          else unknown++;
        }
        const askScan = objects.some((o) => o.outcome === 'ask');
        const names = await productNames(objects.flatMap((o) => (o.productId ? [o.productId] : [])));
        // The kiosk shows what the camera saw and what it made of it.
        const view: CameraView = {
          at: new Date().toISOString(),
          frame: frameDataUrl(frame.data),
          width: result.width,
          height: result.height,
          objects: objects.map((o) => ({
            box: o.box,
            outcome: o.outcome,
            confidence: o.confidence,
            ...(o.productId ? { productId: o.productId, ...names.get(o.productId) } : {}),
          })),
          added: added.map((a) => a.productId),
          askScan,
        };
        events.emit({ type: 'camera', view });
        return { state: await desk.changed(), added, askScan, unknown };
      });
    },
    enrolments: async () => (await recognition().list()).map(enrolmentView).sort((a, b) => a.productId.localeCompare(b.productId) || a.createdAt.localeCompare(b.createdAt)),
    async enrolProduct({ productId, frames }) {
      const teach = recognition();
      // Only what this site sells: an enrolment for a product nobody can buy would only confuse the kiosk.
      const product = await parts.db.products.findOne({ selector: { id: productId, siteId: parts.siteId, active: true } }).exec();
      if (!product) throw new EdgePayError('REQUEST_INVALID', { reason: `no active product ${productId} at this site` });
      return enrolmentView(await teach.enrol(productId, frames.map(bytes)));
    },
    forgetProduct: async (productId) => ({ removed: await recognition().forget(productId) }),
  };
}
