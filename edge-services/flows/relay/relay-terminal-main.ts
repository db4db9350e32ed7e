/**
 * A relay terminal gateway as its own process: `RELAY_TERMINAL` (JSON:
 * serverUrl, credential, terminalId, dataDir, sale?, destinationTimeoutMs?) in
 * the environment (never argv: other users can read a command line). Prints
 * `{"url": ...}` (its screen) as one line on stdout once connected.
 */
import { join } from 'node:path';
import { RelayTerminal } from './relay-terminal.ts';
import { serveTerminal } from './terminal-http.ts';

const config = JSON.parse(process.env.RELAY_TERMINAL ?? '{}');
const terminal = new RelayTerminal({ ...config, seenFile: join(config.dataDir, `seen-${config.terminalId}.txt`) });
const http = await serveTerminal(terminal);
const started = Date.now();
while (!terminal.screen().connected && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(JSON.stringify({ url: http.url, terminalId: config.terminalId }) + '\n');
const stop = async () => {
  await terminal.stop();
  await http.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
