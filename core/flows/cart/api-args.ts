/** Argument checks of the cart's gateway API methods (core/gateway-api/methods.ts); the shared ones (optional, text, ...) are core/gateway-api/args.ts's. */
import { EdgePayError } from '../../errors.ts';
import { text } from '../../gateway-api/args.ts';

const invalid = (reason: string) => new EdgePayError('REQUEST_INVALID', { reason });

/** A cart's device id (as on the bus). */
export const cartId = (v: unknown, name: string): string => {
  const t = text(1, 63)(v, name);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(t)) throw invalid(`${name} must be a device id`);
  return t;
};

/** One of a few strings. */
export const oneOf =
  <const E extends string>(values: readonly E[]) =>
  (v: unknown, name: string): E => {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw invalid(`${name} must be one of ${values.join(', ')}`);
    return v as E;
  };
