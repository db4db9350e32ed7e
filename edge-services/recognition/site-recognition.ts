/**
 * Recognition as a gateway runs it for its site: the worker-thread service,
 * its matcher fed from the ledger's `enrolments` (this gateway's and, through
 * sync, the site's other gateways'), its barcode catalogue fed from the
 * ledger's `products`, and its threshold from the site's settings (`sites`:
 * `recognition.minConfidence`; below it the kiosk or cart asks for a scan).
 * startGateway() starts one when asked; the kiosk camera and the cart adapter
 * call `recognise`, the console calls `enrol`/`forget`.
 */
import type { RxCollection } from 'rxdb';
import type { Subscription } from 'rxjs';
import type { EnrolmentDoc, FrameRecognition, ProductDoc, SiteDoc } from '../../core/index.ts';
import { DEFAULT_MATCH_POLICY } from './matcher.ts';
import { EnrolmentStore } from './enrolment-store.ts';
import { RecognitionService, type Frame, type RecognitionServiceOptions } from './service.ts';

export type SiteRecognitionOptions = RecognitionServiceOptions & {
  /** The gateway ledger's collections. */
  enrolments: RxCollection<EnrolmentDoc>;
  products: RxCollection<ProductDoc>;
  sites: RxCollection<SiteDoc>;
  siteId: string;
  gatewayId: string;
};

/** What the ledger last said, as handed to the worker (a chain, so updates apply in order). */
type Feed = { subscriptions: Subscription[]; synced: Promise<void> };

export class SiteRecognition {
  readonly service: RecognitionService;
  readonly enrolments: EnrolmentStore;
  readonly #feed: Feed;

  private constructor(service: RecognitionService, enrolments: EnrolmentStore, feed: Feed) {
    this.service = service;
    this.enrolments = enrolments;
    this.#feed = feed;
  }

  static async start(options: SiteRecognitionOptions): Promise<SiteRecognition> {
    const { enrolments: enrolmentsCollection, products, sites, siteId, gatewayId, ...serviceOptions } = options;
    const service = await RecognitionService.start(serviceOptions);
    const enrolments = new EnrolmentStore({ collection: enrolmentsCollection, siteId, gatewayId, embedder: service });
    const feed: Feed = { subscriptions: [], synced: Promise.resolve() };
    /**
     * Each ledger query's results, turned into one worker call, applied in
     * order; resolves on the first. A failed call (the worker gone) leaves the
     * previous state and does not stop the next change from being applied.
     */
    const follow = <T>(query: { $: { subscribe(next: (value: T) => void): Subscription } }, apply: (value: T) => Promise<unknown>) => {
      let first!: () => void;
      const ready = new Promise<void>((r) => (first = r));
      feed.subscriptions.push(
        query.$.subscribe((value) => {
          feed.synced = feed.synced.then(() => apply(value)).then(first, first);
        }),
      );
      return ready;
    };
    try {
      await enrolments.start();
      await Promise.all([
        // Barcode -> product for this site's active products; a deactivated product's code reads as unknown.
        follow(products.find({ selector: { siteId, active: true } }), (docs) => service.setCatalogue(docs.filter((d) => d.barcode).map((d) => [d.barcode, d.id] as [string, string]))),
        follow(sites.findOne(siteId), (site) => service.setPolicy({ minConfidence: site?.recognition?.minConfidence ?? DEFAULT_MATCH_POLICY.minConfidence })),
      ]);
      return new SiteRecognition(service, enrolments, feed);
    } catch (err) {
      for (const s of feed.subscriptions) s.unsubscribe();
      enrolments.stop();
      await service.close();
      throw err;
    }
  }

  recognise(frame: Frame, frameId?: number): Promise<FrameRecognition> {
    return this.service.recognise(frame, frameId);
  }

  enrol(productId: string, views: Frame[]): Promise<EnrolmentDoc> {
    return this.enrolments.enrol(productId, views);
  }

  forget(productId: string): Promise<number> {
    return this.enrolments.forget(productId);
  }

  /** This site's enrolments of the model this gateway runs. */
  async list(): Promise<EnrolmentDoc[]> {
    return (await this.enrolments.list()).filter((e) => e.modelId === this.service.modelId);
  }

  /** Resolves once the matcher, the catalogue and the threshold reflect the ledger's latest state. */
  async settled(): Promise<void> {
    await this.enrolments.settled();
    await this.#feed.synced;
  }

  async stop(): Promise<void> {
    for (const s of this.#feed.subscriptions) s.unsubscribe();
    this.enrolments.stop();
    await this.service.close();
  }
}
