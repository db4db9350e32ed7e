/** On-device product recognition (DESIGN.md section 6); see README.md, Product recognition. */
export { RecognitionService, type RecognitionServiceOptions, type Frame } from './service.ts';
export { RecognitionPipeline, mainObject, type PipelineOptions } from './pipeline.ts';
export { selectBackend, type BackendInfo, type BackendName, type BackendPreference } from './backend.ts';
export { readBarcodesInImage, prepareBarcodeReader, RETAIL_FORMATS, type BarcodeRead } from './barcode.ts';
export { ProductIndex, decide, DEFAULT_MATCH_POLICY, type MatchPolicy, type MatchResult, type Reference } from './matcher.ts';
export { EMBEDDING_ID } from './embedding.ts';
export { EnrolmentStore, type Embedder, type EnrolmentStoreOptions } from './enrolment-store.ts';
export { SiteRecognition, type SiteRecognitionOptions } from './site-recognition.ts';
export { CartBasket, type CartEvent, type CartFlag, type CartOptions, type ProductWeight } from './cart.ts';
export { CartAdapter, type CartAdapterOptions, type BusEvents, type Recogniser } from './cart-adapter.ts';
export { decodeImage, imageFromFramePayload, type RgbImage } from './image.ts';
export { enrolEvalSet, evaluate, frameBytes, loadManifest, type EvalManifest, type EvalReport } from './eval-set/evaluate.ts';
