/**
 * The Electron main process through its handlers and configuration (the
 * Electron binary is never started): each item of Electron's security
 * checklist, the app:// protocol, the IPC bridge from preload to gateway, and
 * recovery of a crashed gateway process and renderer.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgePayError, isEdgePayError } from '../core/index.ts';
import {
  APP_ORIGIN,
  createAppProtocolHandler,
  createPreloadApi,
  denyAllPermissions,
  GatewayHost,
  handleCall,
  hardenWebContents,
  isTrustedSender,
  kioskWindowOptions,
  secureWebPreferences,
  watchRenderer,
  IPC_CALL,
  type ChildLike,
} from './index.ts';

const appFrame = { senderFrame: { url: `${APP_ORIGIN}/kiosk`, parent: null } };

/** Records handlers the way WebContents.on does, so a test can fire them. */
function fakeContents() {
  const handlers = new Map<string, ((...a: any[]) => void)[]>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  let reloads = 0;
  return {
    on(name: string, f: (...a: any[]) => void) {
      handlers.set(name, [...(handlers.get(name) ?? []), f]);
      return this;
    },
    setWindowOpenHandler(f: any) {
      openHandler = f;
    },
    reload() {
      reloads++;
    },
    fire(name: string, ...args: any[]) {
      for (const f of handlers.get(name) ?? []) f(...args);
    },
    open: (url: string) => openHandler!({ url }),
    reloads: () => reloads,
  };
}
const event = () => {
  let prevented = false;
  return {
    preventDefault: () => void (prevented = true),
    get prevented() {
      return prevented;
    },
  };
};

describe('Electron main process', () => {
  it('windows: contextIsolation, sandbox, no nodeIntegration, no webviews, no devtools; kiosk mode configurable', () => {
    const p = secureWebPreferences('/app/preload.cjs');
    assert.equal(p.contextIsolation, true);
    assert.equal(p.sandbox, true);
    assert.equal(p.nodeIntegration, false);
    assert.equal(p.nodeIntegrationInWorker, false);
    assert.equal(p.nodeIntegrationInSubFrames, false);
    assert.equal(p.webSecurity, true);
    assert.equal(p.allowRunningInsecureContent, false);
    assert.equal(p.webviewTag, false);
    assert.equal(p.preload, '/app/preload.cjs');
    const kiosk = kioskWindowOptions({ kiosk: true, width: 1080, height: 1920, devTools: false }, '/p.cjs');
    assert.equal(kiosk.kiosk, true);
    assert.equal(kiosk.fullscreen, true);
    assert.equal(kiosk.webPreferences?.sandbox, true);
    const windowed = kioskWindowOptions({ kiosk: false, width: 1280, height: 800, devTools: true }, '/p.cjs');
    assert.equal(windowed.kiosk, false);
    assert.equal(windowed.webPreferences?.devTools, true);
    assert.equal(windowed.webPreferences?.contextIsolation, true);
  });

  describe('app:// protocol', () => {
    const ui = mkdtempSync(join(tmpdir(), 'edgepay-app-protocol-'));
    mkdirSync(join(ui, 'assets'));
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>EdgePay</title>');
    writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(tmpdir(), 'edgepay-secret.txt'), 'secret');
    after(() => rmSync(ui, { recursive: true, force: true }));
    const handle = createAppProtocolHandler(ui);

    it('serves the built UI with a strict CSP, app routes get index.html', async () => {
      const page = await handle(new Request(`${APP_ORIGIN}/kiosk`));
      assert.equal(page.status, 200);
      assert.match(await page.text(), /EdgePay/);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /object-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-eval/);
      const js = await handle(new Request(`${APP_ORIGIN}/assets/app.js`));
      assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    });

    it('never leaves the UI folder, answers only its own host', async () => {
      assert.equal((await handle(new Request(`${APP_ORIGIN}/..%2f..%2fedgepay-secret.txt`))).status, 404);
      assert.equal((await handle(new Request(`${APP_ORIGIN}/assets/missing.js`))).status, 404);
      assert.equal((await handle(new Request('app://other/kiosk'))).status, 404);
      assert.equal((await handle(new Request(`${APP_ORIGIN}/kiosk`, { method: 'POST', body: 'x' }))).status, 404);
    });
  });

  it('navigation, redirects, new windows and webviews are denied', () => {
    const c = fakeContents();
    hardenWebContents(c as never);
    const away = event();
    c.fire('will-navigate', away, 'https://evil.example/');
    assert.ok(away.prevented);
    const file = event();
    c.fire('will-redirect', file, 'file:///etc/passwd');
    assert.ok(file.prevented);
    const inApp = event();
    c.fire('will-navigate', inApp, `${APP_ORIGIN}/console`);
    assert.ok(!inApp.prevented);
    const frame = Object.assign(event(), { url: 'https://evil.example/' });
    c.fire('will-frame-navigate', frame);
    assert.ok(frame.prevented);
    const webview = event();
    c.fire('will-attach-webview', webview);
    assert.ok(webview.prevented);
    assert.deepEqual(c.open('https://evil.example/'), { action: 'deny' });
    assert.deepEqual(c.open(`${APP_ORIGIN}/console`), { action: 'deny' });
  });

  it('permissions are denied by default', () => {
    const handlers: Record<string, any> = {};
    denyAllPermissions({
      setPermissionRequestHandler: (f: any) => (handlers.request = f),
      setPermissionCheckHandler: (f: any) => (handlers.check = f),
      setDevicePermissionHandler: (f: any) => (handlers.device = f),
    } as never);
    for (const perm of ['media', 'geolocation', 'notifications', 'hid', 'serial', 'clipboard-read']) {
      let granted: boolean | undefined;
      handlers.request({}, perm, (g: boolean) => (granted = g), {});
      assert.equal(granted, false, perm);
      assert.equal(handlers.check({}, perm, APP_ORIGIN, {}), false);
    }
    assert.equal(handlers.device({ deviceType: 'hid', origin: APP_ORIGIN }), false);
  });

  it('IPC senders are checked: main frame of our origin only', async () => {
    assert.equal(isTrustedSender(appFrame), true);
    assert.equal(isTrustedSender({ senderFrame: { url: `${APP_ORIGIN}/kiosk`, parent: {} } }), false, 'an iframe');
    assert.equal(isTrustedSender({ senderFrame: { url: 'https://evil.example/', parent: null } }), false);
    assert.equal(isTrustedSender({ senderFrame: { url: 'file:///app/index.html', parent: null } }), false);
    assert.equal(isTrustedSender({ senderFrame: null }), false);
    const backend = async () => 'called';
    const forbidden = await handleCall({ senderFrame: { url: 'https://evil.example/', parent: null } } as never, 'kioskState', [], backend);
    assert.deepEqual(forbidden, { ok: false, error: { code: 'AUTH_FORBIDDEN', message: new EdgePayError('AUTH_FORBIDDEN').message } });
    const unknown = await handleCall(appFrame as never, 'constructor', [], backend);
    assert.ok(!unknown.ok && unknown.error.code === 'REQUEST_INVALID');
    const notArray = await handleCall(appFrame as never, 'scan', 'x', backend);
    assert.ok(!notArray.ok && notArray.error.code === 'REQUEST_INVALID');
    assert.deepEqual(await handleCall(appFrame as never, 'kioskState', [], backend), { ok: true, value: 'called' });
  });

  it('the preload API reaches the gateway over IPC and keeps error codes', async () => {
    const calls: unknown[][] = [];
    const backend = async (method: string, args: unknown[]) => {
      calls.push([method, ...args]);
      if (method === 'pay') throw new EdgePayError('CHECKOUT_EMPTY');
      return { itemCount: 1 };
    };
    const api = createPreloadApi({
      invoke: (channel, method, args) => {
        assert.equal(channel, IPC_CALL);
        return handleCall(appFrame as never, method, args, backend as never);
      },
      on: () => undefined,
      removeListener: () => undefined,
      send: () => undefined,
    });
    assert.deepEqual(await api.scan('8801234000011'), { itemCount: 1 });
    await assert.rejects(api.pay(), (e) => isEdgePayError(e, 'CHECKOUT_EMPTY'));
    assert.deepEqual(calls, [['scan', '8801234000011'], ['pay']]);
  });

  it('a crashed gateway process is restarted and answers again', { timeout: 60_000 }, async () => {
    const entry = join(import.meta.dirname, 'gateway', 'fixtures', 'echo-gateway-child.ts');
    const children: ReturnType<typeof fork>[] = [];
    // The same shape as Electron's utilityProcess.fork, over a Node child process.
    const nodeFork = (): ChildLike => {
      const child = fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      return {
        // Node reports a send to a process that just died (EPIPE) as an 'error' event, not
        // a throw; with a callback it comes here instead. The exit that follows answers
        // the call (GATEWAY_API_UNAVAILABLE), as Electron's utilityProcess does.
        postMessage: (m) => void child.send(m, () => undefined),
        on: (ev: 'message' | 'exit', f: (x: any) => void) => child.on(ev, f),
        kill: () => child.kill('SIGKILL'),
      } as ChildLike;
    };
    const host = new GatewayHost({ fork: nodeFork, backoff: { initialMs: 50, maxMs: 200, factor: 2, maxConsecutiveCrashes: 6, stableAfterMs: 30_000 } });
    host.start();
    try {
      const first = await host.call('scan', ['1']);
      assert.ok(first.ok);
      const pid1 = (first.value as { pid: number }).pid;
      host.killForTest();
      const second = await host.call('kioskState', []);
      // A call made while the process was dying may fail with a code; the next answers from the new process.
      const again = second.ok ? second : await host.call('kioskState', []);
      assert.ok(again.ok, JSON.stringify(again));
      assert.notEqual((again.value as { pid: number }).pid, pid1);
      assert.equal(host.restarts, 1);
    } finally {
      host.stop();
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  });

  it('a call to a process that died before its exit was reported answers GATEWAY_API_UNAVAILABLE, never throws', async () => {
    let onMessage: ((m: any) => void) | undefined;
    const dying: ChildLike = {
      postMessage: () => {
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      },
      on: ((ev: string, f: (x: any) => void) => {
        if (ev === 'message') onMessage = f;
      }) as ChildLike['on'],
      kill: () => true,
    };
    const host = new GatewayHost({ fork: () => dying });
    host.start();
    onMessage!({ type: 'ready' });
    try {
      const answer = await host.call('kioskState', []);
      assert.equal(answer.ok, false);
      assert.equal(!answer.ok && answer.error.code, 'GATEWAY_API_UNAVAILABLE');
    } finally {
      host.stop();
    }
  });

  it('a crashed renderer is reloaded; a clean exit is not', () => {
    const c = fakeContents();
    watchRenderer(c as never, { setTimeout: ((f: () => void) => f()) as never });
    c.fire('render-process-gone', {}, { reason: 'crashed' });
    assert.equal(c.reloads(), 1);
    c.fire('render-process-gone', {}, { reason: 'clean-exit' });
    assert.equal(c.reloads(), 1);
    c.fire('unresponsive');
    assert.equal(c.reloads(), 2);
  });
});
