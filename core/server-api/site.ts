/**
 * A store's own settings edited from its console, through its gateway: the
 * catalogue and the offline limits. The server stays their one writer (it
 * stamps `updatedAt` and `siteId`, validates against the collection's schema
 * and replicates the result down to every gateway of the site); the gateway
 * only asks, with its credential, for its own site.
 *
 *   PUT /site/products/{productId}   ProductEdit        → {product}
 *   PUT /site/offline-limits         OfflineLimits      → {site}
 */
import type { OfflineLimits, ProductDoc, SiteDoc } from '../schemas/index.ts';

export const SITE_EDIT_ROUTES = {
  product: '/site/products/:productId',
  offlineLimits: '/site/offline-limits',
} as const;

export const siteEditPaths = {
  product: (productId: string): string => `/site/products/${encodeURIComponent(productId)}`,
  offlineLimits: (): string => SITE_EDIT_ROUTES.offlineLimits,
};

/** What the console may set on a product: everything but its id, site and timestamp. */
export type ProductEdit = Pick<ProductDoc, 'sku' | 'barcode' | 'name' | 'price' | 'active'> & Partial<Pick<ProductDoc, 'names' | 'picture'>>;
export type ProductEditResponse = { product: ProductDoc };
export type OfflineLimitsResponse = { site: SiteDoc };
