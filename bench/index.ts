/**
 * bench: benchmarks, run with `npm run bench -- NAME` (bench/run.ts lists the
 * known names). Each prints one JSON object per figure on stdout in the format
 * of DESIGN.md section 8; progress goes to stderr.
 * Public surface: the report helpers, for benches and tests that print figures.
 */
export { emit, formatLine, log, median, percentile, round, type BenchLine } from './report.ts';
// The smart cart's store and scripted trip (the cart bench's, also driven by tests/cart/).
export { startCartStore, pairingOf, CART_PRODUCTS, ADMIN as CART_ADMIN, SITE as CART_SITE, type CartStore, type Phone } from './cart-store.ts';
export { buildTrip, runTrip, type TripAction, type TripScore, type TripProduct } from './cart-trip.ts';
export { tripProducts } from './cart-store.ts';
// The two-channel bench's payment device, which its end-to-end test starts too.
export { admin as twoChannelAdmin, startPaymentDevice, type PaymentDeviceSite } from './two-channel-kit.ts';
