/**
 * What product recognition answers for one camera frame (DESIGN.md section 6).
 * Shared by the gateway (edge-services/recognition), the kiosk and the cart UI.
 */

/** Pixels in the frame as received (not the detector's input size). */
export type PixelBox = { x: number; y: number; w: number; h: number };

/**
 * - `product`  identified: by its barcode, or visually with confidence at or
 *              above the site's threshold.
 * - `ask`      probably an enrolled product but not sure enough: the kiosk or
 *              cart asks the person to scan it instead.
 * - `unknown`  not an enrolled product (or a barcode not in the catalogue);
 *              never forced onto the nearest product.
 */
export type RecognitionOutcome = 'product' | 'ask' | 'unknown';

export type RecognisedObject = {
  box: PixelBox;
  outcome: RecognitionOutcome;
  /** Set for `product`, and for `ask` as the best guess. */
  productId?: string;
  /** 0..1. A barcode found in the catalogue gives 1: a read always outranks a visual guess. */
  confidence: number;
  source: 'barcode' | 'visual';
  /** The barcode read inside this object's box, if any. */
  barcode?: { text: string; format: string };
  /** The detector's own view (COCO class and score); informational. */
  detector: { label: string; score: number };
  /**
   * Best visual candidates by similarity, best first (at most 3); `inliers`:
   * how many of the object's keypoints matched that product's enrolled print
   * under one transform, where its enrolment has keypoints.
   */
  candidates: { productId: string; similarity: number; inliers?: number }[];
};

export type FrameRecognition = {
  frameId?: number;
  width: number;
  height: number;
  objects: RecognisedObject[];
  /** Every barcode read in the frame, with the catalogue product it names (if any). */
  barcodes: { text: string; format: string; productId?: string; box: PixelBox }[];
  /** The TensorFlow.js backend that ran the detector: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
  backend: string;
  /** The embedding model: embeddings of another model are never compared. */
  modelId: string;
  timingsMs: { decode: number; detect: number; barcode: number; match: number; total: number };
};
