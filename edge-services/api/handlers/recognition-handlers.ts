/** Product recognition's methods: the kiosk camera, and the operator teaching and forgetting products. */
import { EdgePayError, type CameraFrameResult, type EnrolmentDoc, type EnrolmentView, type GatewayHandlers } from '../../../core/index.ts';
import type { KioskDesk } from './kiosk-desk.ts';
import type { GatewayServiceParts, RecognitionPart } from './parts.ts';

type RecognitionHandlers = Pick<GatewayHandlers, 'cameraFrame' | 'enrolments' | 'enrolProduct' | 'forgetProduct'>;

/** The declaration checked it is base64; these are its bytes. */
const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

const enrolmentView = (d: EnrolmentDoc): EnrolmentView => ({ id: d.id, productId: d.productId, views: d.embeddings.length, createdAt: d.createdAt, createdBy: d.createdBy });

export function recognitionHandlers(parts: GatewayServiceParts, desk: KioskDesk): RecognitionHandlers {
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
        for (const o of result.objects) {
          if (o.outcome === 'unknown') unknown++;
          if (o.outcome !== 'product' || !o.productId) continue;
          if (await parts.kiosk.addRecognised(o.productId)) added.push({ productId: o.productId, confidence: o.confidence, source: o.source === 'barcode' ? 'barcode' : 'visual' });
          else unknown++;
        }
        return { state: await desk.changed(), added, askScan: result.objects.some((o) => o.outcome === 'ask'), unknown };
      });
    },
    enrolments: async () =>
      (await recognition().list()).map(enrolmentView).sort((a, b) => a.productId.localeCompare(b.productId) || a.createdAt.localeCompare(b.createdAt)),
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
