/**
 * `npm run demo` starts, gets the gateway in sync with the server, prints the
 * addresses, and starts again on the same data (reusing the enrolment).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
        assert.match(stdout, /documents\s+: payments=0, products=4, sites=1/);
        assert.match(stdout, /sync\s+: online, 0 payments not yet acknowledged/);
        assert.match(stdout, /terminal-1\s+: card-terminal, driver running/);
        assert.match(stdout, /elevator-1\s+: elevator, driver running/);
        assert.match(stdout, /kiosk\s+: http:\/\/127\.0\.0\.1:\d+\/kiosk/);
        assert.match(stdout, /console\s+: http:\/\/127\.0\.0\.1:\d+\/console/);
      }
      const gatewayId = (s: string) => /store gateway\s+: (\S+)/.exec(s)?.[1];
      assert.ok(gatewayId(outputs[0]!));
      assert.equal(gatewayId(outputs[0]!), gatewayId(outputs[1]!), 'the second start reuses the enrolment');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
