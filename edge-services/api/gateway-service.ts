/**
 * The gateway's API in process: the handlers of each context (kiosk, console,
 * recognition) combined into the one handler map of core's method table, and
 * the one way in to it, which checks who calls (the operator's session) and
 * the arguments (the declaration's checks) before a handler runs. Every
 * transport calls this object (HTTP in http-app.ts, Electron's utility
 * process in main/, the demo's terminal), so they cannot behave differently.
 * It also carries the live events (events.ts).
 */
import {
  checkArgs,
  EdgePayError,
  gatewayMethods,
  isMethodName,
  type ClientOf,
  type GatewayEvent,
  type GatewayHandlers,
  type GatewayMethodTable,
  type HandlersOf,
  type MethodTable,
} from '../../core/index.ts';
import { consoleHandlers } from './handlers/console-handlers.ts';
import { GatewayEvents, startEventSources } from './handlers/events.ts';
import { KioskDesk } from './handlers/kiosk-desk.ts';
import { kioskHandlers } from './handlers/kiosk-handlers.ts';
import { GatewayReads, type GatewayServiceParts } from './handlers/parts.ts';
import { recognitionHandlers } from './handlers/recognition-handlers.ts';
import { payLaterHandlers } from './handlers/pay-later-handlers.ts';
import { receiptHandlers } from './handlers/receipt-handlers.ts';
import { lobbyHandlers } from './handlers/lobby-handlers.ts';
import { shopConsoleHandlers } from './handlers/shop-console-handlers.ts';
import { relayHandlers } from './handlers/relay-handlers.ts';
import { OperatorSessions } from './operator-sessions.ts';
import { IN_PROCESS, type SignInCaller } from './sign-in-client.ts';

import { cartHandlers } from './handlers/cart-handlers.ts';

export type { CartPart, GatewayServiceParts, ReceiptPrinter, RecognitionPart, ScannerEvents } from './handlers/parts.ts';

/** More methods beside core's (a flow's, or a test's): their declarations and their handlers. */
export type ApiExtension<X extends MethodTable> = { methods: X; handlers: HandlersOf<X> };

export type GatewayServiceRuntime<M extends MethodTable = MethodTable> = {
  readonly sessions: OperatorSessions;
  /** The method table this gateway serves. */
  readonly methods: M;
  /** A call as a client makes it (the session token first for operator methods): IPC, tests. */
  call(name: unknown, args: unknown): Promise<unknown>;
  /**
   * A call whose token and arguments a transport reads itself (HTTP): the
   * session is checked before `readArgs` runs, so a stranger learns nothing
   * from how a request is malformed. `caller` says who calls, for the
   * sign-in throttle (in process when absent).
   */
  invoke(name: keyof M & string, token: string | undefined, readArgs: () => readonly unknown[], caller?: SignInCaller): Promise<unknown>;
  onEvent(listener: (event: GatewayEvent) => void): () => void;
  /** Starts the event sources; call once. */
  start(): void;
  stop(): void;
};

/** The API in process: every declared method (operator methods take the token first, as on the client) and the runtime above. */
export type GatewayService<M extends MethodTable = GatewayMethodTable> = ClientOf<M> & GatewayServiceRuntime<M>;

const RESERVED = new Set(['sessions', 'methods', 'call', 'invoke', 'onEvent', 'start', 'stop']);

export function createGatewayService<X extends MethodTable = {}>(parts: GatewayServiceParts, extension?: ApiExtension<X>): GatewayService<GatewayMethodTable & X> {
  type M = GatewayMethodTable & X;
  const methods = { ...gatewayMethods, ...extension?.methods } as M;
  const sessions = new OperatorSessions({ pin: parts.operatorPin });
  const events = new GatewayEvents();
  const reads = new GatewayReads(parts);
  const desk = new KioskDesk(parts, reads, events);
  let sources: ReturnType<typeof startEventSources> | undefined;
  // Typed as the whole map: a method declared in core without a handler here does not compile.
  const coreHandlers: GatewayHandlers = {
    ...kioskHandlers(parts, desk, events),
    ...consoleHandlers(parts, reads, sessions, async () => sources?.poll()),
    ...recognitionHandlers(parts, desk, events),
    ...payLaterHandlers(parts, desk),
    ...receiptHandlers(parts, reads),
    ...cartHandlers(parts),
    ...lobbyHandlers(parts),
    ...relayHandlers(parts),
    ...shopConsoleHandlers(parts, reads, async () => sources?.poll()),
  };
  const handlers = { ...coreHandlers, ...extension?.handlers } as Record<string, (...args: unknown[]) => Promise<unknown>>;

  for (const name of Object.keys(methods)) {
    if (RESERVED.has(name)) throw new Error(`gateway API method ${name}: the name is taken by the service itself`);
    if (typeof handlers[name] !== 'function') throw new Error(`gateway API method ${name} has no handler`);
  }

  const invoke: GatewayServiceRuntime<M>['invoke'] = async (name, token, readArgs, caller = IN_PROCESS) => {
    const declaration = methods[name]!;
    if (declaration.access === 'operator') sessions.check(token);
    // Every handler gets the caller after its declared arguments (checkArgs returns exactly those); only signIn reads it.
    return handlers[name]!(...checkArgs(declaration, readArgs()), caller);
  };
  const call: GatewayServiceRuntime<M>['call'] = async (name, args) => {
    if (!isMethodName(methods, name)) throw new EdgePayError('REQUEST_INVALID', { reason: 'unknown method' });
    if (!Array.isArray(args)) throw new EdgePayError('REQUEST_INVALID', { reason: 'arguments must be an array' });
    const operator = methods[name]!.access === 'operator';
    return invoke(name, operator ? args[0] : undefined, () => (operator ? args.slice(1) : args));
  };

  const runtime: GatewayServiceRuntime<M> = {
    sessions,
    methods,
    call,
    invoke,
    onEvent: (listener) => events.onEvent(listener),
    start() {
      sources ??= startEventSources(parts, desk, events, reads);
    },
    stop() {
      sources?.stop();
      sources = undefined;
      events.clear();
    },
  };
  const client = Object.fromEntries(Object.keys(methods).map((name) => [name, (...args: unknown[]) => call(name, args)]));
  return Object.assign(client, runtime) as GatewayService<M>;
}
