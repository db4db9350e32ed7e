/**
 * The one typed API between the UIs and the gateway, as types derived from
 * the method table (methods.ts). The gateway implements the handlers in
 * process; the HTTP client and the Electron preload bridge implement the
 * client for the renderer. A method rejects with an EdgePayError (rebuilt
 * from `{code, message}` by the transports).
 */
import type { ClientOf, HandlersOf, NamesFor } from './declare.ts';
import type { GatewayMethodTable } from './methods.ts';
import type { GatewayEvent } from './types.ts';

/** The gateway's side: one handler per method, the session already checked. */
export type GatewayHandlers = HandlersOf<GatewayMethodTable>;
/** The caller's side: operator methods take the session token first. */
export type GatewayMethods = ClientOf<GatewayMethodTable>;

export type KioskApi = Pick<GatewayMethods, NamesFor<GatewayMethodTable, 'kiosk'>>;
/** Console methods take the operator's session token (from signIn). */
export type ConsoleApi = Pick<GatewayMethods, NamesFor<GatewayMethodTable, 'console' | 'operator'>>;

export type Unsubscribe = () => void;

/** The live channel, beside the methods. */
export type GatewayEventsClient = {
  /** Events as they happen; console events only after `authenticateEvents`. */
  onEvent(listener: (event: GatewayEvent) => void): Unsubscribe;
  authenticateEvents(token: string | null): void;
  /** Is the live channel connected? (The UI shows a hint when it is not.) */
  onConnection(listener: (connected: boolean) => void): Unsubscribe;
};

/** What the renderer holds: every method and live events. */
export type GatewayClient = GatewayMethods & GatewayEventsClient;
