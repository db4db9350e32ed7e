/**
 * How one gateway API method is declared, once: its name (the key in the
 * method table), who may call it, its HTTP method and path, where each
 * argument travels over HTTP and how it is checked, and (as a type) its
 * signature. Every transport is derived from a table of these: the gateway's
 * HTTP routes, the browser's HTTP client, Electron's IPC allow-list and
 * argument checks, and the preload bridge (after actualbudget/actual's typed
 * handler map, with positional arguments because the UI calls them so).
 */
import { EdgePayError } from '../errors.ts';

/** Who may call a method. */
export type Access =
  /** The kiosk screen: no sign-in; over HTTP it answers the kiosk's own machine only (or the LAN when configured). */
  | 'kiosk'
  /** The console before or at sign-in (signIn, signOut): same origin, no session needed. */
  | 'console'
  /** A signed-in operator: the client passes the session token first, and it is checked before anything else is read. */
  | 'operator';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Where an argument travels over HTTP (IPC passes the arguments as they are, in order). */
export type ArgPlace =
  /** One field of the JSON body. */
  | { readonly in: 'body'; readonly field: string }
  /** The JSON body is the argument. */
  | { readonly in: 'body-whole' }
  /** `:param` in the path. */
  | { readonly in: 'path'; readonly param: string }
  /** The query string: `toQuery` writes it; the checker reads the parsed query object. */
  | { readonly in: 'query'; toQuery(value: never): string }
  /** `Authorization: Bearer …` (signOut's token; operator methods carry theirs there implicitly). */
  | { readonly in: 'bearer' };

/** One argument: where it travels and the check every transport applies (throws REQUEST_INVALID, returns the clean value). */
export type Arg<T> = { readonly place: ArgPlace; check(value: unknown): T };

type AnyFn = (...args: any[]) => any;

/** One Arg per parameter (a homomorphic mapped type over P, so a tuple stays a tuple). */
export type ArgsOf<P extends readonly unknown[]> = { readonly [K in keyof P]: Arg<P[K]> };

export type MethodDeclaration<Fn extends AnyFn = AnyFn, A extends Access = Access> = {
  readonly access: A;
  readonly http: { readonly method: HttpVerb; readonly path: string };
  /** One entry per parameter of Fn (the operator's token is not one: it is implied by the access). */
  readonly args: ArgsOf<Parameters<Fn>>;
  /** Largest request in bytes (HTTP body, IPC arguments as JSON); the transport's default when absent. */
  readonly maxBytes?: number;
  /** Type only, never set: the handler's signature (its result is awaited). */
  readonly __signature?: Fn;
};

/**
 * Declares a method: `method<(barcode: string) => KioskState>()({ access, http, args })`.
 * Curried so that the signature is written and the access literal is inferred.
 */
export function method<Fn extends AnyFn>() {
  return <A extends Access>(declaration: MethodDeclaration<Fn, A>): MethodDeclaration<Fn, A> => declaration;
}

export type MethodTable = { readonly [name: string]: MethodDeclaration<AnyFn, Access> };

type Sig<M extends MethodTable, K extends keyof M> = NonNullable<M[K]['__signature']>;
export type ParamsOf<M extends MethodTable, K extends keyof M> = Parameters<Sig<M, K>>;
export type ResultOf<M extends MethodTable, K extends keyof M> = Awaited<ReturnType<Sig<M, K>>>;

/** What the gateway implements: one handler per method, without the session token (the transport checked it). */
export type HandlersOf<M extends MethodTable> = { [K in keyof M]: (...args: ParamsOf<M, K>) => Promise<ResultOf<M, K>> };

/** What a caller holds: the same methods, operator methods taking the session token first. */
export type ClientOf<M extends MethodTable> = {
  [K in keyof M]: M[K]['access'] extends 'operator' ? (token: string, ...args: ParamsOf<M, K>) => Promise<ResultOf<M, K>> : (...args: ParamsOf<M, K>) => Promise<ResultOf<M, K>>;
};

/** The names of a table that a given caller may use. */
export type NamesFor<M extends MethodTable, A extends Access> = { [K in keyof M]: M[K]['access'] extends A ? K : never }[keyof M];

/** Is `name` a method of the table (own key only: never `constructor` or `toString`)? */
export function isMethodName<M extends MethodTable>(methods: M, name: unknown): name is keyof M & string {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

/** Checks the handler's arguments (not the token) against the declaration; returns them cleaned. */
export function checkArgs(declaration: MethodDeclaration, args: readonly unknown[]): unknown[] {
  const declared = declaration.args as unknown as readonly Arg<unknown>[];
  if (args.length > declared.length) throw new EdgePayError('REQUEST_INVALID', { reason: `at most ${declared.length} argument(s)` });
  return declared.map((arg, i) => arg.check(args[i]));
}

/**
 * Checks a call as a client makes it (the IPC path): a declared name, an
 * array of arguments, a string token first for operator methods, then each
 * argument. Returns the arguments to pass on, cleaned. The session itself is
 * checked where the sessions live (the gateway).
 */
export function checkClientCall<M extends MethodTable>(methods: M, name: unknown, args: unknown): { name: keyof M & string; args: unknown[] } {
  if (!isMethodName(methods, name)) throw new EdgePayError('REQUEST_INVALID', { reason: 'unknown method' });
  if (!Array.isArray(args)) throw new EdgePayError('REQUEST_INVALID', { reason: 'arguments must be an array' });
  const declaration = methods[name]!;
  if (declaration.access !== 'operator') return { name, args: checkArgs(declaration, args) };
  const [token, ...rest] = args as unknown[];
  return { name, args: [sessionToken(token), ...checkArgs(declaration, rest)] };
}

/** A session token as a caller passes it (its validity is the gateway's to judge). */
export function sessionToken(value: unknown): string {
  return typeof value === 'string' && value.length <= 256 ? value : '';
}
