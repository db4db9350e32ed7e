/**
 * The demo store's catalogue: a convenience store's shelf, each product with
 * its name in Korean and English and a small picture (an SVG drawn here,
 * a few hundred bytes, shipped in the product document as a data URL).
 * The first six barcodes are the ones the README and the tests type.
 */
import type { ProductCartFacts, ProductDoc } from '../core/index.ts';

const svg = (body: string, bg: string) =>
  'data:image/svg+xml;base64,' + Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" rx="18" fill="${bg}"/>${body}</svg>`).toString('base64');

const PICTURES = {
  water: svg(
    '<rect x="36" y="12" width="24" height="10" rx="3" fill="#1d4ed8"/><path d="M32 26h32l4 10v46a6 6 0 0 1-6 6H34a6 6 0 0 1-6-6V36z" fill="#93c5fd"/><rect x="28" y="48" width="40" height="16" fill="#2563eb"/>',
    '#e0f2fe',
  ),
  coffee: svg('<rect x="28" y="18" width="40" height="64" rx="6" fill="#7c4a1e"/><rect x="28" y="34" width="40" height="26" fill="#f5e6d3"/><circle cx="48" cy="47" r="8" fill="#7c4a1e"/>', '#fdf2e9'),
  kimbap: svg(
    '<circle cx="48" cy="48" r="32" fill="#1f2937"/><circle cx="48" cy="48" r="26" fill="#f9fafb"/><circle cx="40" cy="42" r="5" fill="#f59e0b"/><circle cx="55" cy="44" r="5" fill="#16a34a"/><circle cx="47" cy="56" r="5" fill="#dc2626"/><circle cx="56" cy="57" r="4" fill="#a16207"/>',
    '#ecfccb',
  ),
  ramen: svg(
    '<path d="M22 40h52l-8 44H30z" fill="#dc2626"/><rect x="20" y="34" width="56" height="8" rx="3" fill="#991b1b"/><path d="M36 28c-4-6 4-8 0-14M48 28c-4-6 4-8 0-14M60 28c-4-6 4-8 0-14" stroke="#9ca3af" stroke-width="3" fill="none"/><rect x="34" y="52" width="28" height="12" rx="3" fill="#fde68a"/>',
    '#fef2f2',
  ),
  cola: svg(
    '<rect x="30" y="16" width="36" height="66" rx="7" fill="#b91c1c"/><rect x="30" y="16" width="36" height="8" rx="3" fill="#d1d5db"/><path d="M32 52c10-10 22 6 32-6" stroke="#fff" stroke-width="4" fill="none"/>',
    '#fee2e2',
  ),
  chips: svg(
    '<path d="M26 18h44l-4 8 4 8v40l-4 8 4 4H26l4-4-4-8V34l4-8z" fill="#facc15"/><ellipse cx="48" cy="54" rx="14" ry="10" fill="#d97706"/><rect x="32" y="30" width="32" height="8" rx="2" fill="#1d4ed8"/>',
    '#fefce8',
  ),
  bananaMilk: svg(
    '<ellipse cx="48" cy="58" rx="22" ry="26" fill="#fde047"/><rect x="40" y="16" width="16" height="18" rx="4" fill="#fde047"/><rect x="38" y="12" width="20" height="8" rx="3" fill="#16a34a"/><rect x="34" y="52" width="28" height="10" rx="2" fill="#fff"/>',
    '#fefce8',
  ),
  riceTriangle: svg(
    '<path d="M48 14l34 62H14z" fill="#f9fafb" stroke="#d1d5db" stroke-width="2"/><path d="M30 50h36l8 26H22z" fill="#111827"/><rect x="40" y="56" width="16" height="8" rx="2" fill="#ef4444"/>',
    '#f1f5f9',
  ),
  chocoPie: svg(
    '<circle cx="48" cy="50" r="30" fill="#6b3410"/><circle cx="48" cy="50" r="24" fill="#7c3f12"/><path d="M26 44c10 6 34 6 44 0" stroke="#fde68a" stroke-width="4" fill="none"/>',
    '#fff7ed',
  ),
};

type Entry = { id: string; sku: string; barcode: string; price: number; ko: string; en: string; picture: string; cart?: ProductCartFacts };

export const DEMO_CATALOGUE: readonly Entry[] = [
  { id: 'p-water', sku: 'WATER-500', barcode: '8801234000011', price: 900, ko: '생수 500ml', en: 'Spring water 500ml', picture: PICTURES.water, cart: { grams: 520, toleranceGrams: 12 } },
  { id: 'p-coffee', sku: 'COFFEE-CAN', barcode: '8801234000028', price: 1800, ko: '캔커피 라떼 240ml', en: 'Canned latte 240ml', picture: PICTURES.coffee, cart: { grams: 250, toleranceGrams: 8 } },
  { id: 'p-kimbap', sku: 'KIMBAP-1', barcode: '8801234000035', price: 3500, ko: '참치김밥', en: 'Tuna kimbap', picture: PICTURES.kimbap, cart: { grams: 230, toleranceGrams: 15 } },
  {
    id: 'p-ramen',
    sku: 'RAMEN-CUP',
    barcode: '8801234000042',
    price: 1500,
    ko: '컵라면 매운맛',
    en: 'Cup ramen, spicy',
    picture: PICTURES.ramen,
    cart: { grams: 120, toleranceGrams: 6, flags: ['high-value'] },
  },
  // Two packs of the recognition evaluation set, so the kiosk camera has something to sell.
  { id: 'p-cola', sku: 'FIZZ-COLA', barcode: '8801000000357', price: 1800, ko: '피즈 콜라 355ml', en: 'Fizz Cola 355ml', picture: PICTURES.cola, cart: { grams: 370, toleranceGrams: 10 } },
  {
    id: 'p-chips',
    sku: 'CRUNCHY-SALTED',
    barcode: '8801000000739',
    price: 2500,
    ko: '크런치 감자칩 소금맛',
    en: 'Crunchy salted crisps',
    picture: PICTURES.chips,
    cart: { grams: 160, toleranceGrams: 8 },
  },
  { id: 'p-banana-milk', sku: 'BANANA-MILK', barcode: '8801234000059', price: 1700, ko: '바나나맛 우유 240ml', en: 'Banana milk 240ml', picture: PICTURES.bananaMilk },
  { id: 'p-rice-triangle', sku: 'ONIGIRI-BULGOGI', barcode: '8801234000066', price: 1300, ko: '삼각김밥 불고기', en: 'Bulgogi rice triangle', picture: PICTURES.riceTriangle },
  { id: 'p-choco-pie', sku: 'CHOCO-PIE-2', barcode: '8801234000073', price: 1200, ko: '초코파이 2개입', en: 'Choco pie, 2 pack', picture: PICTURES.chocoPie },
];

export function demoProducts(siteId: string, updatedAt: string): ProductDoc[] {
  return DEMO_CATALOGUE.map((p) => ({
    id: p.id,
    siteId,
    sku: p.sku,
    barcode: p.barcode,
    name: p.ko,
    names: { ko: p.ko, en: p.en },
    picture: p.picture,
    price: { amount: p.price, currency: 'KRW' },
    // What a smart cart weighs and checks (the demo cart sells these six).
    ...(p.cart ? { cart: p.cart } : {}),
    active: true,
    updatedAt,
  }));
}
