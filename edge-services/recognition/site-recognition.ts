/**
 * Recognition as a gateway runs it for its site: the worker-thread service,
 * its matcher fed from the ledger's `enrolments` (this gateway's and, through
 * sync, the site's other gateways'), and its barcode catalogue fed from the
 * ledger's `products`. startGateway() starts one when asked; the kiosk camera
 * and the cart adapter call `recognise`, the console calls `enrol`/`forget`.
 */
import type { RxCollection } from 'rxdb';
import type { Subscription } from 'rxjs';
import type { EnrolmentDoc, FrameRecognition, ProductDoc } from '../../core/index.ts';
import { EnrolmentStore } from './enrolment-store.ts';
import { RecognitionService, type Frame, type RecognitionServiceOptions } from './service.ts';

export type SiteRecognitionOptions = RecognitionServiceOptions & {
  /** The gateway ledger's collections. */
  enrolments: RxCollection<EnrolmentDoc>;
  products: RxCollection<ProductDoc>;
  siteId: string;
  gatewayId: string;
};

/** The catalogue as last handed to the worker (a chain, so updates apply in order). */
type CatalogueFeed = { subscription: Subscription; synced: Promise<void> };

export class SiteRecognition {
  readonly service: RecognitionService;
  readonly enrolments: EnrolmentStore;
  readonly #catalogue: CatalogueFeed;

  private constructor(service: RecognitionService, enrolments: EnrolmentStore, catalogue: CatalogueFeed) {
    this.service = service;
    this.enrolments = enrolments;
    this.#catalogue = catalogue;
  }

  static async start(options: SiteRecognitionOptions): Promise<SiteRecognition> {
    const { enrolments: enrolmentsCollection, products, siteId, gatewayId, ...serviceOptions } = options;
    const service = await RecognitionService.start(serviceOptions);
    const enrolments = new EnrolmentStore({ collection: enrolmentsCollection, siteId, gatewayId, embedder: service });
    let feed: CatalogueFeed | undefined;
    try {
      await enrolments.start();
      // Barcode -> product for this site's active products; a deactivated product's code reads as unknown.
      let first!: () => void;
      const ready = new Promise<void>((r) => (first = r));
      const catalogue: CatalogueFeed = { subscription: undefined as unknown as Subscription, synced: Promise.resolve() };
      feed = catalogue;
      catalogue.subscription = products.find({ selector: { siteId, active: true } }).$.subscribe((docs) => {
        const entries = docs.filter((d) => d.barcode).map((d) => [d.barcode, d.id] as [string, string]);
        catalogue.synced = catalogue.synced.then(() => service.setCatalogue(entries)).then(first, first);
      });
      await ready;
      return new SiteRecognition(service, enrolments, catalogue);
    } catch (err) {
      feed?.subscription?.unsubscribe();
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

  /** Resolves once the matcher and the catalogue reflect the ledger's latest state. */
  async settled(): Promise<void> {
    await this.enrolments.settled();
    await this.#catalogue.synced;
  }

  async stop(): Promise<void> {
    this.#catalogue.subscription.unsubscribe();
    this.enrolments.stop();
    await this.service.close();
  }
}
