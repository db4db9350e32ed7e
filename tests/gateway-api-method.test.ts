/**
 * A gateway API method is one declaration and one handler: a throwaway
 * method declared here (and nowhere else) answers over HTTP (the gateway's
 * Fastify app on a real port, called by the browser client derived from the
 * declaration) and over Electron's bridge (the preload API and the main
 * process's IPC check, in process as main/main.test.ts does), and who may
 * call it is enforced on both: an operator method without a session is refused.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, gatewayMethods, isEdgePayError, method } from '../core/index.ts';
import { openLedger, type Ledger } from '../sync/index.ts';
import { KioskCheckout, startGatewayApi, type RunningGatewayApi } from '../edge-services/index.ts';
import { APP_ORIGIN, createPreloadApi, handleCall } from '../main/index.ts';
import { createHttpClient } from '../renderer/index.ts';

const PIN = '135790';

// The one declaration.
const throwaway = {
  shout: method<(words: string, times: number) => { said: string }>()({
    access: 'operator',
    http: { method: 'POST', path: '/api/console/shout' },
    args: [arg.inBody('words', arg.text(1, 40)), arg.inBody('times', arg.integer)],
  }),
};
// Its handler.
const handlers = { shout: async (words: string, times: number) => ({ said: Array(times).fill(words.toUpperCase()).join(' ') }) };

const methods = { ...gatewayMethods, ...throwaway };

describe('a new gateway API method is one declaration', () => {
  let root: string;
  let ledger: Ledger;
  let api: RunningGatewayApi;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-api-method-'));
    ledger = await openLedger({ directory: join(root, 'ledger') });
    const terminal = { charge: () => Promise.reject(new Error('no payment in this test')) };
    const kiosk = new KioskCheckout({ db: ledger.db, siteId: 'site-1', gatewayId: 'gw-1', terminal });
    api = await startGatewayApi({ kiosk, db: ledger.db, siteId: 'site-1', operatorPin: PIN, uiDir: join(root, 'no-ui'), extension: { methods: throwaway, handlers } });
  });
  after(async () => {
    await api?.close();
    await ledger?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers over HTTP, through the browser client derived from the declaration; operator only', async () => {
    const client = createHttpClient(api.url, methods);
    const { token } = await client.signIn(PIN);
    assert.deepEqual(await client.shout(token, 'hello', 2), { said: 'HELLO HELLO' });
    await assert.rejects(client.shout('', 'hello', 2), (e) => isEdgePayError(e, 'GATEWAY_API_SESSION_REQUIRED'));
    await assert.rejects(client.shout(token, 'hello', 1.5), (e) => isEdgePayError(e, 'REQUEST_INVALID'));

    // The route itself, by hand: the path and the body fields are the declaration's.
    const raw = (headers: Record<string, string>) =>
      fetch(api.url + '/api/console/shout', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ words: 'hi', times: 3 }) });
    const refused = await raw({});
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'GATEWAY_API_SESSION_REQUIRED');
    const answered = await raw({ authorization: 'Bearer ' + token });
    assert.equal(answered.status, 200);
    assert.deepEqual(await answered.json(), { said: 'HI HI HI' });
    // Same origin only, like every console route.
    assert.equal((await raw({ authorization: 'Bearer ' + token, origin: 'https://evil.example' })).status, 403);
    // Core's methods are unchanged beside it.
    assert.equal((await client.kioskState()).itemCount, 0);
  });

  it('answers over the preload bridge and the IPC check; operator only', async () => {
    const seen: unknown[][] = [];
    const preload = createPreloadApi(
      {
        invoke: (_channel, name, args) =>
          handleCall(
            { senderFrame: { url: `${APP_ORIGIN}/console`, parent: null } } as never,
            name,
            args,
            async (m, a) => {
              seen.push([m, ...a]);
              return api.service.call(m, a);
            },
            methods,
          ),
        on: () => undefined,
        removeListener: () => undefined,
        send: () => undefined,
      },
      methods,
    );
    const { token } = await preload.signIn(PIN);
    assert.deepEqual(await preload.shout(token, 'hey', 1), { said: 'HEY' });
    await assert.rejects(preload.shout('not-a-session', 'hey', 1), (e) => isEdgePayError(e, 'GATEWAY_API_SESSION_REQUIRED'));
    // Arguments are checked by the declaration before the call leaves the main process.
    const before = seen.length;
    await assert.rejects(preload.shout(token, 'hey', 'twice' as never), (e) => isEdgePayError(e, 'REQUEST_INVALID'));
    assert.equal(seen.length, before, 'a badly typed call never reached the gateway');
    // Without the declaration the bridge has no such method, and the IPC check refuses the name.
    const plain = createPreloadApi({
      invoke: (_c, name, args) => handleCall({ senderFrame: { url: `${APP_ORIGIN}/console`, parent: null } } as never, name, args, async () => 'reached'),
      on: () => undefined,
      removeListener: () => undefined,
      send: () => undefined,
    });
    assert.equal((plain as unknown as Record<string, unknown>).shout, undefined);
    const refused = await handleCall({ senderFrame: { url: `${APP_ORIGIN}/console`, parent: null } } as never, 'shout', [token, 'hey', 1], async () => 'reached');
    assert.ok(!refused.ok && refused.error.code === 'REQUEST_INVALID');
  });
});
