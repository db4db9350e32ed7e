/**
 * The HTTP shape of the API, derived from the method table so that a path
 * cannot drift between the gateway's routes and the browser client. Operator
 * methods carry `Authorization: Bearer <session token>`.
 */
import { EdgePayError } from '../errors.ts';
import type { Arg, HttpVerb, MethodDeclaration, MethodTable } from './declare.ts';
import { gatewayMethods, type GatewayMethodName } from './methods.ts';

export const API_PREFIX = '/api';
/** The live channel (a WebSocket upgrade), not a method. */
export const EVENTS_PATH = '/api/events';

/** Method and path per method, plus the events socket (for tests and tools that speak HTTP by hand). */
export const routes = {
  ...(Object.fromEntries(Object.entries(gatewayMethods).map(([name, d]) => [name, d.http])) as { readonly [K in GatewayMethodName]: { readonly method: HttpVerb; readonly path: string } }),
  events: { method: 'GET', path: EVENTS_PATH },
} as const;

export type RouteName = keyof typeof routes;

/** One HTTP request as the browser client sends it. */
export type HttpCall = { method: HttpVerb; path: string; body?: unknown; token?: string };

const hasBody = (verb: HttpVerb) => verb === 'POST' || verb === 'PUT';

/** A client call (token first for operator methods) as an HTTP request. */
export function toHttpCall(declaration: MethodDeclaration, clientArgs: readonly unknown[]): HttpCall {
  const operator = declaration.access === 'operator';
  const call: HttpCall = { method: declaration.http.method, path: declaration.http.path };
  if (operator && typeof clientArgs[0] === 'string') call.token = clientArgs[0];
  const values = operator ? clientArgs.slice(1) : clientArgs;
  let body: Record<string, unknown> | unknown = hasBody(call.method) ? {} : undefined;
  let query = '';
  (declaration.args as unknown as readonly Arg<unknown>[]).forEach((arg, i) => {
    const v = values[i];
    const p = arg.place;
    if (p.in === 'body') (body as Record<string, unknown>)[p.field] = v;
    else if (p.in === 'body-whole') body = v;
    else if (p.in === 'path') call.path = call.path.replace(`:${p.param}`, encodeURIComponent(String(v)));
    else if (p.in === 'query') query = (p.toQuery as (value: unknown) => string)(v ?? {});
    else if (typeof v === 'string' && v) call.token = v;
  });
  call.path += query;
  if (body !== undefined) call.body = body;
  return call;
}

/** What the gateway reads of an HTTP request. */
export type HttpRequestParts = { body: unknown; params: Readonly<Record<string, unknown>>; query: Readonly<Record<string, unknown>>; bearer: string };

/** The handler's arguments from an HTTP request, unchecked (the declaration's checks run next). */
export function fromHttpRequest(declaration: MethodDeclaration, req: HttpRequestParts): unknown[] {
  const object = (): Record<string, unknown> => {
    const b = req.body;
    if (b === undefined || b === null) return {};
    if (typeof b !== 'object' || Array.isArray(b)) throw new EdgePayError('REQUEST_INVALID', { reason: 'the body must be a JSON object' });
    return b as Record<string, unknown>;
  };
  return (declaration.args as unknown as readonly Arg<unknown>[]).map((arg) => {
    const p = arg.place;
    if (p.in === 'body') return object()[p.field];
    if (p.in === 'body-whole') return object();
    if (p.in === 'path') return req.params[p.param];
    if (p.in === 'query') return req.query;
    return req.bearer;
  });
}

/** Every declared route of a table, for the gateway's HTTP app. */
export function httpRoutes<M extends MethodTable>(methods: M): { name: keyof M & string; declaration: MethodDeclaration }[] {
  return Object.entries(methods).map(([name, declaration]) => ({ name, declaration }));
}

export { paymentFilterToQuery, parsePaymentFilter, checkPaymentFilter } from './payment-filter.ts';
