/**
 * The POS agent: beside the shop's POS program, it reaches the server on its
 * own (HTTPS with its `pa_…` credential; not a device on a gateway's bus: a
 * POS computer is often not on the gateway's LAN segment, and a paired terminal
 * must keep working while its gateway restarts). It holds the server's command
 * stream; for each `enter-code` command it asks the POS program first whether
 * the command's reference was submitted already (a restart mid-command), and
 * only if not, opens the app's input, types the code, fills the memo and
 * submits; then it reports the POS program's answer until the server takes it.
 * So a command that was not acknowledged is carried out again after a restart
 * but never typed twice: the POS program's own record of the reference decides.
 */
import type { relay } from '../../../../core/index.ts';
import { openCommandStream, postResult, type CommandStream } from '../command-stream.ts';
import { PosRefusal, type PosProgramDriver } from './pos-driver.ts';

export type PosAgentOptions = {
  serverUrl: string;
  credential: string;
  driver: PosProgramDriver;
  /** How often the POS program is asked for a submission's answer (ms). */
  pollMs?: number;
  /** The longest wait for the POS program's answer before reporting `no-answer` (ms). */
  answerTimeoutMs?: number;
  onCommand?: (command: relay.RelayCommand) => void;
};

export type PosAgent = { readonly connected: boolean; stop(): Promise<void>; executed: number };

export function startPosAgent(o: PosAgentOptions): PosAgent {
  const inHand = new Set<string>();
  let stopped = false;
  // One command at a time: a POS program has one cashier's window.
  let queue: Promise<void> = Promise.resolve();
  const agent = {
    executed: 0,
    get connected() {
      return stream.connected;
    },
    async stop() {
      stopped = true;
      await stream.stop();
    },
  };

  const waitForAnswer = async (reference: string): Promise<relay.RelayCommandResult> => {
    const until = Date.now() + (o.answerTimeoutMs ?? 8_000);
    while (!stopped) {
      const s = await o.driver.lookup(reference);
      if (s?.state === 'done') return s.result;
      if (Date.now() > until) return { outcome: 'no-answer' };
      await new Promise((r) => setTimeout(r, o.pollMs ?? 5));
    }
    return { outcome: 'no-answer' };
  };

  const carryOut = async (c: relay.RelayCommand) => {
    o.onCommand?.(c);
    let result: relay.RelayCommandResult;
    const before = await o.driver.lookup(c.relayId);
    if (before) {
      // Submitted before this agent restarted: never type it again, only wait for the answer.
      result = await waitForAnswer(c.relayId);
    } else {
      try {
        await o.driver.openInput(c.appId);
        await o.driver.type(c.code);
        await o.driver.setMemo([c.relayId, c.grant, c.operation, ...(c.points ? [String(c.points)] : [])].join(' '));
        await o.driver.submit();
        agent.executed++;
        result = await waitForAnswer(c.relayId);
      } catch (err) {
        if (!(err instanceof PosRefusal)) throw err;
        if (err.reason === 'duplicate-reference') result = await waitForAnswer(c.relayId);
        else result = { outcome: 'refused', reason: err.reason };
      }
    }
    if (!stopped) await postResult(o.serverUrl, o.credential, c.id, result, () => stopped);
  };

  const stream: CommandStream = openCommandStream(
    { serverUrl: o.serverUrl, credential: o.credential },
    {
      onCommand(c) {
        if (c.kind !== 'enter-code' || inHand.has(c.id) || stopped) return;
        inHand.add(c.id);
        queue = queue
          .then(async () => {
            for (let attempt = 0; !stopped; attempt++) {
              try {
                await carryOut(c);
                return;
              } catch {
                // The POS program did not answer (restarting?): try again shortly; lookup first keeps it once.
                await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2_000)));
              }
            }
          })
          .finally(() => inHand.delete(c.id));
      },
    },
  );
  return agent;
}
