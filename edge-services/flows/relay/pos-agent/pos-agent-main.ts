/**
 * The POS agent as its own process beside the POS program: `POS_AGENT` (JSON:
 * serverUrl, credential, posUrl) in the environment. Prints `{"ready": true}`
 * once its command stream is open; `{"command": "<id>"}` for each command it
 * takes in hand (tests kill it there).
 */
import { startPosAgent } from './pos-agent.ts';
import { simulatedPosDriver } from './simulated-pos-driver.ts';

const config = JSON.parse(process.env.POS_AGENT ?? '{}');
const agent = startPosAgent({
  serverUrl: config.serverUrl,
  credential: config.credential,
  driver: simulatedPosDriver(config.posUrl),
  ...(config.answerTimeoutMs ? { answerTimeoutMs: config.answerTimeoutMs } : {}),
  onCommand: (c) => process.stdout.write(JSON.stringify({ command: c.id, relayId: c.relayId }) + '\n'),
});
const started = Date.now();
while (!agent.connected && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(JSON.stringify({ ready: agent.connected }) + '\n');
const stop = async () => {
  await agent.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
