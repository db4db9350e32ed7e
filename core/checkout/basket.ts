/**
 * The kiosk basket: products by barcode, quantities, totals in integer minor
 * units. Pure and immutable (each change returns a new basket), so the
 * gateway, the UI and tests share one implementation.
 */
import { EdgePayError } from '../errors.ts';
import { money, multiply, sum, type Money } from '../money.ts';
import type { CurrencyCode } from '../currencies.ts';
import type { PaymentLineItem } from '../schemas/payments.ts';
import type { ProductDoc, ProductNames } from '../schemas/products.ts';

export type BasketLine = {
  productId: string;
  sku: string;
  barcode?: string;
  name: string;
  /** The product's name per language and its picture (data URL), for the screens; not part of the payment. */
  names?: ProductNames;
  picture?: string;
  unitPrice: Money;
  quantity: number;
};

export type Basket = { readonly currency: CurrencyCode; readonly lines: readonly BasketLine[] };

/** Most of one product a single basket takes: a guard against a stuck scanner. */
export const MAX_QUANTITY = 99;

export function emptyBasket(currency: CurrencyCode): Basket {
  return { currency, lines: [] };
}

export function addProduct(basket: Basket, product: ProductDoc, quantity = 1): Basket {
  if (!product.active) throw new EdgePayError('CHECKOUT_PRODUCT_UNAVAILABLE', { productId: product.id });
  if (product.price.currency !== basket.currency) {
    throw new EdgePayError('MONEY_CURRENCY_MISMATCH', { left: basket.currency, right: product.price.currency });
  }
  const existing = basket.lines.find((l) => l.productId === product.id);
  if (existing) return setQuantity(basket, product.id, existing.quantity + quantity);
  checkQuantity(quantity);
  const line: BasketLine = {
    productId: product.id,
    sku: product.sku,
    ...(product.barcode ? { barcode: product.barcode } : {}),
    name: product.name,
    ...(product.names ? { names: product.names } : {}),
    ...(product.picture ? { picture: product.picture } : {}),
    unitPrice: money(product.price.amount, product.price.currency),
    quantity,
  };
  return { ...basket, lines: [...basket.lines, line] };
}

export function setQuantity(basket: Basket, productId: string, quantity: number): Basket {
  if (!basket.lines.some((l) => l.productId === productId)) throw new EdgePayError('CHECKOUT_LINE_NOT_FOUND', { productId });
  if (quantity === 0) return removeLine(basket, productId);
  checkQuantity(quantity);
  return { ...basket, lines: basket.lines.map((l) => (l.productId === productId ? { ...l, quantity } : l)) };
}

export function removeLine(basket: Basket, productId: string): Basket {
  return { ...basket, lines: basket.lines.filter((l) => l.productId !== productId) };
}

function checkQuantity(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw new EdgePayError('MONEY_INVALID_QUANTITY', { quantity });
  }
}

export function lineTotal(line: BasketLine): Money {
  return multiply(line.unitPrice, line.quantity);
}

export function basketTotal(basket: Basket): Money {
  return sum(basket.lines.map(lineTotal), basket.currency);
}

export function itemCount(basket: Basket): number {
  return basket.lines.reduce((n, l) => n + l.quantity, 0);
}

/** The basket as a payment's line items (what the receipt and the server see). */
export function toLineItems(basket: Basket): PaymentLineItem[] {
  return basket.lines.map((l) => ({
    productId: l.productId,
    sku: l.sku,
    ...(l.barcode ? { barcode: l.barcode } : {}),
    name: l.name,
    quantity: l.quantity,
    unitAmount: l.unitPrice.amount,
    lineAmount: lineTotal(l).amount,
  }));
}
