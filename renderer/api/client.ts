/**
 * Picks the transport: inside Electron the preload bridge puts one typed API
 * on `window.edgepay`; in a browser (demo, tests, a second screen) the
 * gateway's HTTP + WebSocket API on the page's own origin.
 */
import { createContext, useContext } from 'react';
import type { GatewayClient } from '../../core/index.ts';
import { createHttpClient } from './http-client.ts';

declare global {
  interface Window {
    edgepay?: GatewayClient;
  }
}

export function createClient(): GatewayClient {
  return window.edgepay ?? createHttpClient();
}

export const ClientContext = createContext<GatewayClient | null>(null);

export function useClient(): GatewayClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('useClient outside ClientContext');
  return c;
}
