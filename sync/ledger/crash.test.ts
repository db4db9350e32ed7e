/**
 * Crash test of the ledger: a child process records payments in a loop and
 * reports each id only after its commit; we SIGKILL it at random moments
 * (also while it is still opening the ledger), restart it, and repeat.
 * Afterwards every reported id must be present exactly once and the file must
 * pass SQLite's integrity check.
 *
 * Default: 200 kills over two lanes (two ledgers, one per core).
 * CRASH_KILLS=2000 npm test -- crash   runs a longer campaign.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openLedger } from '../index.ts';

const KILLS = Number(process.env.CRASH_KILLS ?? 200);
const LANES = 2;
const writer = join(import.meta.dirname, 'crash-writer.ts');

type Lane = { directory: string; reported: Set<string>; kills: number; killedWhileOpening: number };

/** Runs the writer once and kills it; resolves with what it reported. */
function runOnce(lane: Lane, when: { duringOpen: boolean; ms: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, lane.directory], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    let ready = false;
    let killedByUs = false;
    child.stdout.setEncoding('utf8');
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      killedByUs = true;
      if (!ready) lane.killedWhileOpening++;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      // Only complete lines count: a line cut by the kill was never "reported".
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') {
          ready = true;
          if (!when.duringOpen) timer = setTimeout(kill, when.ms);
        } else if (line) lane.reported.add(line);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    if (when.duringOpen) timer = setTimeout(kill, when.ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (killedByUs && signal === 'SIGKILL') {
        lane.kills++;
        resolve();
      } else {
        reject(new Error(`writer exited by itself (code ${code}, signal ${signal}): ${stderr.slice(-2000)}`));
      }
    });
  });
}

async function runLane(lane: Lane, kills: number): Promise<void> {
  for (let i = 0; i < kills; i++) {
    // Mostly while writing (timed from "ready"), sometimes while the process
    // starts and opens the ledger (timed from the spawn).
    const duringOpen = Math.random() < 0.15;
    await runOnce(lane, { duringOpen, ms: duringOpen ? 100 + Math.random() * 800 : 10 + Math.random() * 400 });
  }
}

describe('ledger crash safety', () => {
  it(`every payment reported after commit survives ${KILLS} SIGKILLs, once each, in a file that opens cleanly`, { timeout: 30 * 60_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'edgepay-crash-'));
    try {
      const lanes: Lane[] = Array.from({ length: LANES }, (_, i) => ({
        directory: join(root, 'lane' + i),
        reported: new Set<string>(),
        kills: 0,
        killedWhileOpening: 0,
      }));
      const perLane = Math.ceil(KILLS / LANES);
      await Promise.all(lanes.map((lane) => runLane(lane, perLane)));

      for (const lane of lanes) {
        assert.equal(lane.kills, perLane);
        assert.ok(lane.reported.size > perLane * 10, `lane wrote enough to matter: ${lane.reported.size} payments`);
        const ledger = await openLedger({ directory: lane.directory });
        try {
          const ids = new Set((await ledger.db.payments.find().exec()).map((d) => d.id));
          const missing = [...lane.reported].filter((id) => !ids.has(id));
          assert.deepEqual(missing, [], `${missing.length} acknowledged payments were lost`);
          const raw = new Database(ledger.filePath, { readonly: true });
          try {
            assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
            const table = (raw.prepare("SELECT table_name FROM rxdb_collections WHERE collection_name = 'payments'").get() as { table_name: string }).table_name;
            const counts = raw.prepare(`SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM "${table}"`).get() as { n: number; d: number };
            assert.equal(counts.n, counts.d, 'no payment is stored twice');
            assert.equal(counts.n, ids.size);
          } finally {
            raw.close();
          }
        } finally {
          await ledger.close();
        }
        console.error(`crash lane ${lane.directory}: ${lane.kills} kills (${lane.killedWhileOpening} while opening), ${lane.reported.size} acknowledged payments, none lost`);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
