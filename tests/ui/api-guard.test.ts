/**
 * The gateway's local API guard, attacked (issue 25): a page of another
 * origin in a real Chromium (fetch, no-cors fetch, form POSTs, an image, a
 * WebSocket), and raw HTTP over node:net sockets so that nothing normalises
 * the request line (encoded, doubled-slash, dot-segment, mixed-case and
 * absolute-form targets, a rebinding Host, a foreign Origin). Nothing may
 * reach a kiosk or console handler: the service's one way in
 * (`service.invoke`) counts every call. The legitimate kiosk page still
 * works. Then sign-in under a flood of wrong PINs from one client: the
 * operator (a known browser, and the app in process) gets in every time.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { Page } from 'playwright-core';
import { buildUi, launchBrowser } from './browser.ts';
import { ITEMS, PIN, startStore, until, type Store } from './harness.ts';
import type { SignInLogEntry } from '../../edge-services/index.ts';

/** One raw HTTP exchange: the request line and headers exactly as written; the status and body of the answer. */
function raw(port: number, head: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(head + body));
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('end', () => resolve({ status: Number(data.split(' ')[1]), text: data }));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error('no answer to ' + head.split('\r\n')[0])));
  });
}

describe('gateway API guard under attack', () => {
  let ui: Awaited<ReturnType<typeof buildUi>>;
  let store: Store;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let evil: Server;
  let evilUrl = '';
  let port = 0;
  /** Calls that reached the service (and so a handler), by method name. */
  const reached = new Map<string, number>();
  const total = () => [...reached.values()].reduce((a, b) => a + b, 0);

  before(async () => {
    ui = await buildUi();
    store = await startStore({ uiDir: ui.dir });
    port = Number(new URL(store.api.url).port);
    const service = store.api.service;
    const invoke = service.invoke.bind(service);
    service.invoke = (name, ...rest) => {
      reached.set(name, (reached.get(name) ?? 0) + 1);
      return invoke(name, ...rest);
    };
    browser = await launchBrowser();
    // The attacker's site: another origin (another port) on the kiosk machine.
    evil = createServer((req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(attackPage(store.api.url));
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilUrl = `http://localhost:${(evil.address() as { port: number }).port}/`;
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => evil?.close(r));
    await store?.stop();
    ui?.remove();
  });

  it('a page of another origin in Chromium reaches no handler (fetch, no-cors, forms, image, WebSocket)', { timeout: 90_000 }, async () => {
    reached.clear();
    const page: Page = await browser.context.newPage();
    await page.goto(evilUrl);
    await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true, undefined, { timeout: 60_000 });
    const sent = await page.evaluate(() => (window as unknown as { sent: number }).sent);
    assert.ok(sent >= 40, 'the page sent its requests: ' + sent);
    assert.equal(await page.evaluate(() => (window as unknown as { opened?: boolean }).opened), undefined, 'no live channel opened');
    // Let the forms' navigations land.
    await new Promise((r) => setTimeout(r, 1000));
    await page.close();
    assert.equal(total(), 0, 'reached: ' + JSON.stringify([...reached]));
    assert.equal(store.kiosk.basket.lines.length, 0, 'nothing was scanned');
  });

  it('raw HTTP: no spelling of a path, no foreign Host or Origin reaches a handler', { timeout: 60_000 }, async () => {
    reached.clear();
    const me = `127.0.0.1:${port}`;
    const scanBody = JSON.stringify({ barcode: ITEMS.water.barcode });
    const pinBody = JSON.stringify({ pin: PIN });
    const targets = (p: string) => [
      p.replace('/api/', '/%61pi/'),
      p.replace(/\/([a-z]+)$/, (_m, last: string) => '/' + last.slice(0, -1) + '%' + last.charCodeAt(last.length - 1).toString(16)),
      '/' + p,
      '/x/..' + p,
      '/./' + p.slice(1),
      p.toUpperCase(),
      p.replace('/api/kiosk/', '/api/Kiosk/').replace('/api/console/', '/api/Console/'),
      p.replace('/api/', '/api%2F'),
      p + '/',
      `http://${me}${p}`,
      `http://evil.example${p}`,
      p,
    ];
    const routes = [
      { method: 'POST', path: '/api/kiosk/scan', body: scanBody },
      { method: 'POST', path: '/api/kiosk/pay', body: '{}' },
      { method: 'GET', path: '/api/kiosk/state', body: '' },
      { method: 'HEAD', path: '/api/kiosk/state', body: '' },
      { method: 'POST', path: '/api/console/session', body: pinBody },
    ];
    // Hostile by Host (DNS rebinding), by Origin (another site; a sandboxed frame's "null"), or by target form alone.
    const hostile = [
      { host: 'evil.example', origin: undefined },
      { host: `evil.example:${port}`, origin: undefined },
      { host: me, origin: 'http://evil.example' },
      { host: me, origin: `http://localhost:${port + 1}` },
      { host: me, origin: 'null' },
      { host: undefined, origin: undefined },
    ];
    let tried = 0;
    for (const r of routes) {
      for (const target of targets(r.path)) {
        for (const h of hostile) {
          const head =
            `${r.method} ${target} HTTP/1.1\r\n` +
            (h.host !== undefined ? `Host: ${h.host}\r\n` : '') +
            (h.origin !== undefined ? `Origin: ${h.origin}\r\n` : '') +
            (r.body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(r.body)}\r\n` : '') +
            'Connection: close\r\n\r\n';
          const res = await raw(port, head, r.body);
          tried++;
          assert.ok(res.status >= 400 && res.status < 500, `${head.split('\r\n').slice(0, 3).join(' | ')} -> ${res.status}`);
          assert.ok(!res.text.includes(PIN), 'no answer echoes the PIN');
          assert.ok(!/evil|localhost/.test(res.text.split('\r\n\r\n')[1] ?? ''), 'no answer echoes the Host or Origin: ' + res.text);
        }
      }
      // With the gateway's own Host and no Origin, spellings the router does not route (and absolute-form) still reach nothing.
      for (const target of targets(r.path).slice(2, -1)) {
        const head =
          `${r.method} ${target} HTTP/1.1\r\nHost: ${me}\r\n` + (r.body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(r.body)}\r\n` : '') + 'Connection: close\r\n\r\n';
        const res = await raw(port, head, r.body);
        tried++;
        assert.ok(res.status >= 400 && res.status < 500, `${head.split('\r\n')[0]} -> ${res.status}`);
      }
    }
    assert.equal(total(), 0, `reached after ${tried} requests: ` + JSON.stringify([...reached]));
    // The WebSocket: only the exact path, only our Host and Origin.
    for (const [target, host, origin] of [
      ['/%61pi/events', me, undefined],
      [`http://${me}/api/events`, me, undefined],
      ['/api/events', 'evil.example', undefined],
      ['/api/events', me, 'http://evil.example'],
    ] as const) {
      const res = await raw(
        port,
        `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${origin ? `Origin: ${origin}\r\n` : ''}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      assert.ok(res.status >= 400 && res.status < 500, `${target} ${host} ${origin} -> ${res.status}`);
    }
    // Positive control: the same harness with the plain path, our Host and no Origin does reach the kiosk.
    const ok = await raw(port, `GET /api/kiosk/state HTTP/1.1\r\nHost: ${me}\r\nConnection: close\r\n\r\n`);
    assert.equal(ok.status, 200);
    assert.equal(reached.get('kioskState'), 1);
  });

  it('a large body without a session is refused before it is read', { timeout: 30_000 }, async () => {
    reached.clear();
    const started = Date.now();
    // 20 MB announced (under the enrolment limit), none of it sent: the answer must not wait for it.
    const res = await new Promise<{ status: number }>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () =>
        s.write(`POST /api/console/enrolments HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${20 * 1024 * 1024}\r\n\r\n{"productId":"p-x","frames":["`),
      );
      s.once('data', (c) => {
        resolve({ status: Number(String(c).split(' ')[1]) });
        s.destroy();
      });
      s.on('error', reject);
    });
    assert.equal(res.status, 401);
    assert.ok(Date.now() - started < 5000);
    assert.equal(total(), 0);
    // Sign-in takes a PIN, not megabytes.
    const big = await raw(
      port,
      `POST /api/console/session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\nConnection: close\r\n\r\n`,
      `{"pin":"${'1'.repeat(9990)}"}`,
    );
    assert.equal(big.status, 413);
  });

  it('the legitimate kiosk page still works', { timeout: 60_000 }, async () => {
    const kiosk = await browser.context.newPage();
    await kiosk.goto(store.api.kioskUrl + '?lang=en');
    await kiosk.getByRole('heading', { name: 'Scan your items' }).waitFor();
    const res = await kiosk.evaluate(async (barcode) => {
      const r = await fetch('/api/kiosk/scan', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ barcode }) });
      return { status: r.status, body: await r.json() };
    }, ITEMS.coffee.barcode);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await until('the basket on screen', async () => (await kiosk.getByTestId('basket-line').count()) >= 1);
    await kiosk.evaluate(() => fetch('/api/kiosk/clear', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    await kiosk.close();
  });

  it('wrong PINs every 100 ms from one client: the operator gets in every time', { timeout: 60_000 }, async () => {
    const log: SignInLogEntry[] = [];
    store.api.service.sessions.setLog((e) => log.push(e));
    const base = store.api.url;
    const signIn = (pin: string, headers: Record<string, string> = {}) =>
      fetch(base + '/api/console/session', { method: 'POST', headers: { 'content-type': 'application/json', origin: base, ...headers }, body: JSON.stringify({ pin }) });
    // The operator's browser signed in before: it holds the known-device cookie.
    const first = await signIn(PIN);
    assert.equal(first.status, 200);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(first.headers.get('set-cookie') ?? '', /HttpOnly/i);
    assert.match(first.headers.get('set-cookie') ?? '', /SameSite=Strict/i);

    // And the real console in Chromium, signed in once through its form: the browser keeps the cookie itself.
    const consolePage = await browser.context.newPage();
    await consolePage.goto(store.api.consoleUrl + '?lang=en');
    await consolePage.getByLabel('Operator PIN').fill(PIN);
    await consolePage.getByRole('button', { name: 'Sign in' }).click();
    await consolePage.getByTestId('sync-state').waitFor();
    const jar = (await browser.context.cookies(store.api.url + '/api/console/session')).find((c) => c.name === 'edgepay_console_device');
    assert.ok(jar?.httpOnly && jar.sameSite === 'Strict', JSON.stringify(jar));
    const fromBrowser = () =>
      consolePage.evaluate(async (pin) => (await fetch('/api/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin }) })).status, PIN);

    // The attacker: same machine, same Origin as the console (forged), a wrong PIN every 100 ms for 8 s.
    const attacker: number[] = [];
    let flooding = true;
    const flood = (async () => {
      for (let i = 0; flooding; i++) {
        const r = await signIn(String(100000 + i));
        attacker.push(r.status);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const operator: number[] = [];
    const app: boolean[] = [];
    const end = Date.now() + 8000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      operator.push((await signIn(PIN, { cookie })).status);
      operator.push(await fromBrowser());
      app.push(
        await store.api.service.signIn(PIN).then(
          () => true,
          () => false,
        ),
      );
    }
    flooding = false;
    await flood;
    await consolePage.close();
    assert.ok(attacker.length >= 40, `the flood ran: ${attacker.length}`);
    assert.ok(operator.length >= 30, String(operator.length));
    assert.deepEqual(
      operator.filter((s) => s !== 200),
      [],
      `the operator got in ${operator.filter((s) => s === 200).length} of ${operator.length}`,
    );
    assert.ok(app.every(Boolean), 'the app (in process) got in every time');
    // The attacker's PINs were compared only a few times (4 before the first wait, then one after 1 s, 2 s, 4 s, 8 s): the rest waited.
    const compared = attacker.filter((s) => s === 401).length;
    console.log(
      JSON.stringify({
        figure: 'sign-in under a flood',
        operatorIn: operator.filter((s) => s === 200).length,
        operatorTried: operator.length,
        appIn: app.filter(Boolean).length,
        attackerSent: attacker.length,
        attackerCompared: compared,
      }),
    );
    assert.ok(compared <= 8, `compared ${compared} of ${attacker.length}: ${attacker.join(',')}`);
    assert.equal(attacker.filter((s) => s === 429).length, attacker.length - compared, 'every other attempt waited');
    // Logged: the wrong PINs and the waits, the operator's sign-ins; no PIN, no cookie.
    assert.ok(log.some((e) => e.outcome === 'wrong-pin') && log.some((e) => e.outcome === 'throttled') && log.some((e) => e.outcome === 'signed-in' && e.client.knownDevice === true));
    const text = JSON.stringify(log);
    assert.ok(!text.includes(PIN) && !text.includes('100000') && !text.includes(cookie.split('=')[1]!), 'no PIN or device id in the log');
  });
});

/** The attacker's page: every way a page can send to the gateway without its consent. */
function attackPage(gateway: string): string {
  const script = `
const G = ${JSON.stringify(gateway)};
window.sent = 0;
const paths = ['/api/kiosk/scan', '/%61pi/kiosk/scan', '/api/kiosk/sc%61n', '/api/kiosk/pay', '/%61pi/kiosk/pay', '/api/kiosk/p%61y', '/%61pi/console/session', '/api/console/sessio%6e', '/api/kiosk/state', '/%61pi/kiosk/state'];
const body = JSON.stringify({ barcode: ${JSON.stringify(ITEMS.water.barcode)}, pin: ${JSON.stringify(PIN)} });
async function go() {
  for (const p of paths) {
    const method = p.includes('state') ? 'GET' : 'POST';
    const b = method === 'POST' ? { body } : {};
    sent++; await fetch(G + p, { method, ...b, headers: { 'content-type': 'application/json' } }).catch(() => {});
    sent++; await fetch(G + p, { method, mode: 'no-cors', ...b, headers: { 'content-type': 'text/plain' } }).catch(() => {});
    sent++; await fetch(G + p, { method, mode: 'no-cors', credentials: 'include', ...b }).catch(() => {});
  }
  for (const p of paths.filter((p) => !p.includes('state'))) {
    const frame = document.createElement('iframe'); frame.name = 'f' + sent; document.body.appendChild(frame);
    const form = document.createElement('form'); form.method = 'POST'; form.action = G + p; form.target = frame.name; form.enctype = 'text/plain';
    const input = document.createElement('input'); input.name = '{"barcode":"${ITEMS.water.barcode}","pin":"${PIN}","x":"'; input.value = '"}'; form.appendChild(input);
    document.body.appendChild(form); form.submit(); sent++;
    await new Promise((r) => frame.onload = r);
  }
  for (const p of ['/%61pi/kiosk/state', '/api/kiosk/state']) { const img = new Image(); img.src = G + p; sent++; await new Promise((r) => { img.onload = img.onerror = r; }); }
  for (const p of ['/api/events', '/%61pi/events']) {
    sent++;
    await new Promise((r) => { const ws = new WebSocket(G.replace('http', 'ws') + p); ws.onopen = () => { window.opened = true; ws.close(); r(); }; ws.onerror = r; ws.onclose = r; });
  }
  window.done = true;
}
go();`;
  return `<!doctype html><html><body><h1>Cheap flights</h1><script>${script}</script></body></html>`;
}
