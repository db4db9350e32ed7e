/**
 * `npm run demo` starts, gets the gateway in sync with the server, prints the
 * addresses, and starts again on the same data (reusing the enrolment and the
 * products it taught recognition); a third start is driven at its kiosk prompt:
 * a camera frame and a barcode go into the basket, then `request unit 12000`
 * asks the unit's residents to pay; a resident signs in with the printed
 * one-click address and approves with the demo payment password over the
 * wallet's API, and the demo prints the outcome its requester stream brought.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

describe('npm run demo', () => {
  it('starts the server and a synced gateway, twice on the same data', { timeout: 600_000 }, async () => {
    const data = mkdtempSync(join(tmpdir(), 'edgepay-demo-'));
    try {
      const outputs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', 'demo.ts'], {
          cwd: root,
          env: { ...process.env, EDGEPAY_DATA: data, DEMO_EXIT: '1', PORT: '0', EDGEPAY_GATEWAY_PORT: '0' },
          timeout: 280_000,
        });
        outputs.push(stdout);
        assert.match(stdout, /central server\s+: http:\/\/127\.0\.0\.1:\d+/);
        assert.match(stdout, /documents\s+: enrolments=2, payment-requests=0, payments=0, products=9, sites=1, sync_refusals=0/);
        assert.match(stdout, /recognition\s+: wasm.*, enrolled p-cola, p-chips|recognition\s+: wasm.*, enrolled p-chips, p-cola/);
        assert.match(stdout, /sync\s+: online, 0 payments not yet acknowledged/);
        assert.match(stdout, /terminal-1\s+: card-terminal, driver running/);
        assert.match(stdout, /elevator-1\s+: elevator, driver running/);
        assert.match(stdout, /kiosk\s+: http:\/\/127\.0\.0\.1:\d+\/kiosk/);
        assert.match(stdout, /console\s+: http:\/\/127\.0\.0\.1:\d+\/console/);
        assert.match(stdout, /wallet\s+: http:\/\/localhost:\d+\/wallet\//);
        assert.equal([...stdout.matchAll(/resident 1203\s+: http:\/\/localhost:\d+\/wallet\/demo\/\S+/g)].length, 2, 'two residents of one unit');
        assert.match(stdout, /shopper\s+: http:\/\/localhost:\d+\/wallet\/demo\/\S+/);
      }
      const links = (s: string) => [...s.matchAll(/\/wallet\/demo\/(\S+)/g)].map((m) => m[1]);
      assert.deepEqual(links(outputs[0]!), links(outputs[1]!), 'the seeded wallets are the same on the second start');
      assert.doesNotMatch(outputs[0]!, /246810/, 'the operator PIN is never printed');
      // The credential, the admin token, the ledger and the server's database: the owner's only.
      const loose: string[] = [];
      const visit = (path: string) => {
        const stat = lstatSync(path);
        if ((stat.mode & 0o777) !== (stat.isDirectory() ? 0o700 : 0o600)) loose.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
        if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
      };
      visit(data);
      assert.deepEqual(loose, []);
      const gatewayId = (s: string) => /store gateway\s+: (\S+)/.exec(s)?.[1];
      assert.ok(gatewayId(outputs[0]!));
      assert.equal(gatewayId(outputs[0]!), gatewayId(outputs[1]!), 'the second start reuses the enrolment');

      // At the kiosk prompt: the camera sees a can of cola, then the chips' barcode is typed in; then a request to pay.
      const child = spawn(process.execPath, ['--import', 'tsx', 'demo.ts'], {
        cwd: root,
        env: { ...process.env, EDGEPAY_DATA: data, PORT: '0', EDGEPAY_GATEWAY_PORT: '0' },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      const seen = (re: RegExp) =>
        new Promise<RegExpExecArray>((resolve, reject) => {
          const check = () => {
            const m = re.exec(out);
            if (m) {
              child.stdout.off('data', check);
              resolve(m);
            }
          };
          child.stdout.on('data', check);
          child.once('exit', () => reject(new Error(`demo exited before ${re}:\n${out}`)));
          check();
        });
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await seen(/kiosk> /);
      child.stdin.write('look p-cola-test-1\n8801000000739\nrequest unit 12000\n');
      const [, id] = await seen(/request (\S+): pending, ₩12,000/);
      // A resident opens the printed one-click address and approves with the payment password (no passkey on this "desktop").
      const [, origin = '', userId = ''] = (await seen(/resident 1203\s+: (http:\/\/localhost:\d+)\/wallet\/demo\/(\S+)/))!;
      const signIn = await fetch(`${origin}/wallet/demo/${userId}`, { redirect: 'manual' });
      assert.equal(signIn.status, 302);
      const cookie = signIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const session = (await (await fetch(origin + '/wallet/api/session', { headers: { cookie } })).json()) as { csrfToken: string };
      const pending = (await (await fetch(origin + '/wallet/api/requests', { headers: { cookie } })).json()) as { requests: { id: string; place: string }[] };
      assert.deepEqual(
        pending.requests.map((r) => r.id),
        [id],
      );
      const approve = await fetch(`${origin}/wallet/api/requests/${id}/approve`, {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ proof: { method: 'password', password: '123456' } }),
      });
      assert.equal(approve.status, 200, await approve.clone().text());
      await seen(new RegExp(`request ${id}: approved \\(password\\), ₩12,000 to EdgePay demo store`));
      child.stdin.end('quit\n');
      const code = await exited;
      assert.equal(code, 0, out);
      assert.match(out, /camera: p-cola \(visual, confidence [0-9.]+\)/);
      assert.match(out, /basket: 피즈 콜라 355ml×1, 크런치 감자칩 소금맛×1/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
