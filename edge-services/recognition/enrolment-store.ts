/**
 * Enrolment: an operator shows a product 3-10 times; the gateway embeds the
 * main object of each view (a vector and its keypoints) and writes one
 * `enrolments` document, which sync replicates to the site's other
 * gateways. Every gateway (this one included)
 * keeps its matcher's references equal to the collection's documents of its
 * site and model, whoever wrote them, through the collection's change stream.
 */
import type { RxCollection } from 'rxdb';
import type { Subscription } from 'rxjs';
import { EdgePayError, MAX_ENROLMENT_VIEWS, MIN_ENROLMENT_VIEWS, uuidV7, type EnrolmentDoc } from '../../core/index.ts';
import type { Reference } from './matcher.ts';
import type { Frame, ViewEmbeddings } from './service.ts';

/** What the store needs from recognition (RecognitionService, or a pipeline adapter in tests). */
export type Embedder = {
  readonly modelId: string;
  embedViews(frames: Frame[]): Promise<ViewEmbeddings>;
  setReferences(refs: Reference[]): Promise<void> | void;
};

export type EnrolmentStoreOptions = {
  collection: RxCollection<EnrolmentDoc>;
  siteId: string;
  gatewayId: string;
  embedder: Embedder;
  now?: () => Date;
};

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export class EnrolmentStore {
  readonly #o: EnrolmentStoreOptions;
  #subscription: Subscription | undefined;
  #synced: Promise<void> = Promise.resolve();

  constructor(options: EnrolmentStoreOptions) {
    this.#o = options;
  }

  /** Feeds the matcher now and on every change (local or replicated). */
  start(): Promise<void> {
    let first!: () => void;
    const ready = new Promise<void>((r) => (first = r));
    this.#subscription = this.#o.collection.find({ selector: { siteId: this.#o.siteId, modelId: this.#o.embedder.modelId } }).$.subscribe((docs) => {
      const refs: Reference[] = docs.map((d) => ({
        enrolmentId: d.id,
        productId: d.productId,
        vectors: d.embeddings.map((v) => Float32Array.from(v)),
        // Enrolments from before schema version 1 have none: matched by their vectors alone.
        ...(d.keypoints ? { keypoints: [...d.keypoints] } : {}),
      }));
      this.#synced = this.#synced.then(() => this.#o.embedder.setReferences(refs)).then(first, first);
    });
    return ready;
  }

  /** Resolves once the matcher has the collection's latest state. */
  settled(): Promise<void> {
    return this.#synced;
  }

  /** Learns a product from 3-10 views; throws ENROLMENT_TOO_FEW_VIEWS when fewer views show an object. */
  async enrol(productId: string, views: Frame[]): Promise<EnrolmentDoc> {
    if (views.length < MIN_ENROLMENT_VIEWS || views.length > MAX_ENROLMENT_VIEWS) {
      throw new EdgePayError('ENROLMENT_TOO_FEW_VIEWS', { min: MIN_ENROLMENT_VIEWS, max: MAX_ENROLMENT_VIEWS, got: views.length });
    }
    const { vectors, keypoints } = await this.#o.embedder.embedViews(views);
    if (vectors.length < MIN_ENROLMENT_VIEWS) {
      throw new EdgePayError('ENROLMENT_TOO_FEW_VIEWS', { min: MIN_ENROLMENT_VIEWS, max: MAX_ENROLMENT_VIEWS, got: vectors.length });
    }
    const doc: EnrolmentDoc = {
      id: uuidV7(),
      siteId: this.#o.siteId,
      productId,
      modelId: this.#o.embedder.modelId,
      dims: vectors[0]!.length,
      embeddings: vectors.map((v) => v.map(round4)),
      keypoints,
      createdAt: (this.#o.now?.() ?? new Date()).toISOString(),
      createdBy: this.#o.gatewayId,
    };
    await this.#o.collection.insert(doc);
    return doc;
  }

  /** Every enrolment of a product at this site (any model). */
  async list(productId?: string): Promise<EnrolmentDoc[]> {
    const docs = await this.#o.collection.find({ selector: { siteId: this.#o.siteId, ...(productId ? { productId } : {}) } }).exec();
    return docs.map((d) => d.toMutableJSON() as EnrolmentDoc);
  }

  /** Forgets a product (deletes its enrolments; the deletions replicate). */
  async forget(productId: string): Promise<number> {
    const docs = await this.#o.collection.find({ selector: { siteId: this.#o.siteId, productId } }).exec();
    for (const d of docs) await d.remove();
    return docs.length;
  }

  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }
}
