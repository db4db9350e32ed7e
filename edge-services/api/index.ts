/** The gateway's local API for the kiosk and console: HTTP + WebSocket, and the in-process service Electron's bridge calls. */
export { startGatewayApi, serveGatewayApi, DEFAULT_UI_DIR, type GatewayApiOptions, type GatewayHttpServeOptions, type RunningGatewayApi } from './start-gateway-api.ts';
export { createGatewayService, type GatewayService, type GatewayServiceParts, type ScannerEvents, type RecognitionPart, type ReceiptPrinter, type ApiExtension } from './gateway-service.ts';
export { startNetworkLink, type NetworkLink, type NetworkSwitch } from './network-link.ts';
export { OperatorSessions, type OperatorSessionsOptions, type SignInLogEntry } from './operator-sessions.ts';
export type { SignInCaller } from './sign-in-client.ts';
export { RequestGuard, type RequestGuardOptions, type RequestFacts } from './request-guard.ts';
export { UI_CSP, readUiFile, type StaticFile } from './static-ui.ts';
