/**
 * `npm run demo` starts, gets the gateway in sync with the server, prints the
 * addresses, and starts again on the same data (reusing the enrolment and the
 * products it taught recognition); a third start is driven at its kiosk prompt:
 * a camera frame and a barcode go into the basket.
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
  it('starts the server and a synced gateway, twice on the same data', { timeout: 300_000 }, async () => {
    const data = mkdtempSync(join(tmpdir(), 'edgepay-demo-'));
    try {
      const outputs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', 'demo.ts'], {
          cwd: root,
          env: { ...process.env, EDGEPAY_DATA: data, DEMO_EXIT: '1', PORT: '0', GATEWAY_PORT: '0' },
          timeout: 240_000,
        });
        outputs.push(stdout);
        assert.match(stdout, /central server\s+: http:\/\/127\.0\.0\.1:\d+/);
        assert.match(stdout, /documents\s+: enrolments=2, payments=0, products=6, sites=1/);
        assert.match(stdout, /recognition\s+: wasm.*, enrolled p-cola, p-chips|recognition\s+: wasm.*, enrolled p-chips, p-cola/);
        assert.match(stdout, /sync\s+: online, 0 payments not yet acknowledged/);
        assert.match(stdout, /terminal-1\s+: card-terminal, driver running/);
        assert.match(stdout, /elevator-1\s+: elevator, driver running/);
        assert.match(stdout, /kiosk\s+: http:\/\/127\.0\.0\.1:\d+\/kiosk/);
        assert.match(stdout, /console\s+: http:\/\/127\.0\.0\.1:\d+\/console/);
      }
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

      // At the kiosk prompt: the camera sees a can of cola, then the chips' barcode is typed in.
      const child = spawn(process.execPath, ['--import', 'tsx', 'demo.ts'], {
        cwd: root,
        env: { ...process.env, EDGEPAY_DATA: data, PORT: '0', GATEWAY_PORT: '0' },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('kiosk> ') && !child.stdin.writableEnded) child.stdin.end('look p-cola-test-1\n8801000000739\nquit\n');
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, out);
      assert.match(out, /camera: p-cola \(visual, confidence [0-9.]+\)/);
      assert.match(out, /basket: FIZZ-COLA×1, CRUNCHY-SALTED×1/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
