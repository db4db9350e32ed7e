/**
 * A central server with requests to pay switched on, listening on loopback,
 * for this context's tests and bench (not exported from index.ts: it imports
 * the app, which imports this context).
 */
import { buildApp } from '../app.ts';
import { openDatabase } from '../start-server.ts';
import type { Db } from '../db/db.ts';
import type { TestWallet } from './testing.ts';

export const TEST_ADMIN_TOKEN = 'payreq-admin-token-0123456789';

export type PayreqServer = { url: string; db: Db; close(): Promise<void> };

export async function startPayreqServer(options: { databaseUrl?: string; pgliteDir?: string; wallet: TestWallet; sweepIntervalMs?: number; keepaliveMs?: number }): Promise<PayreqServer> {
  const db = await openDatabase({
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.pgliteDir ? { pgliteDir: options.pgliteDir } : {}),
  });
  const server = await buildApp({
    db,
    adminToken: TEST_ADMIN_TOKEN,
    forwarder: false,
    paymentRequests: {
      ...options.wallet.deps(),
      ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
      ...(options.keepaliveMs ? { keepaliveMs: options.keepaliveMs } : {}),
    },
  });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    db,
    async close() {
      await server.app.close();
      await db.close();
    },
  };
}

export async function enrolTestGateway(url: string, siteId: string): Promise<{ gatewayId: string; siteId: string; credential: string }> {
  const res = await fetch(url + '/admin/gateways', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + TEST_ADMIN_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ siteId, name: 'lobby ' + siteId }),
  });
  if (res.status !== 201) throw new Error('enrol gateway: ' + res.status + ' ' + (await res.text()));
  return (await res.json()) as { gatewayId: string; siteId: string; credential: string };
}

export async function enrolTestMerchant(url: string, name: string): Promise<{ merchantId: string; name: string; credential: string }> {
  const res = await fetch(url + '/admin/merchants', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + TEST_ADMIN_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error('enrol merchant: ' + res.status + ' ' + (await res.text()));
  return (await res.json()) as { merchantId: string; name: string; credential: string };
}
