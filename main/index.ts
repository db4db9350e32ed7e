/**
 * main: the Electron main process (window, preload bridge, IPC; starts
 * edge-services in a utility process). Thin: no business logic. Every part
 * takes Electron's objects as parameters, so `npm test` checks the handlers
 * and configuration without the Electron binary (which it never starts).
 */
export { secureWebPreferences, kioskWindowOptions, DEFAULT_WINDOW, type WindowConfig } from './security/web-preferences.ts';
export { APP_ORIGIN, APP_SCHEME, APP_HOST, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './security/app-protocol.ts';
export { hardenWebContents, denyAllPermissions, isAppUrl } from './security/harden.ts';
export { isTrustedSender, type IpcSenderFacts } from './ipc/sender-check.ts';
export { handleCall, registerGatewayIpc, type GatewayCall } from './ipc/register-ipc.ts';
export { IPC_CALL, IPC_EVENT, IPC_EVENTS_AUTH, API_METHODS, type ApiMethod, type IpcResult } from './ipc/channels.ts';
export { createPreloadApi, type IpcRendererLike } from './preload-api.ts';
export { GatewayHost, type ChildLike, type GatewayHostOptions } from './gateway/gateway-host.ts';
export { serveGatewayOverPort, type PortLike } from './gateway/serve-over-port.ts';
export type { HostMessage, GatewayMessage } from './gateway/messages.ts';
export { watchRenderer } from './renderer-watchdog.ts';
export { startMain, type MainConfig } from './start-main.ts';
