/**
 * The relay's command stream from the server (Server-Sent Events over fetch),
 * held open and reopened after any failure with a capped backoff; every
 * (re)connect gets the commands still unanswered, so a device that restarts or
 * loses the network misses none. Events are handed over one by one; the
 * handler decides (by command id) what it already has in hand.
 */
import type { relay } from '../../../core/index.ts';

export type StreamHandlers = {
  onCommand(command: relay.RelayCommand): void;
  onOutcome?(view: relay.RelayView): void;
  onState?(connected: boolean): void;
};

export type CommandStream = { stop(): Promise<void>; readonly connected: boolean };

export function openCommandStream(opts: { serverUrl: string; credential: string; terminalId?: string }, handlers: StreamHandlers): CommandStream {
  let stopped = false;
  let connected = false;
  let controller: AbortController | undefined;
  const url = new URL('/relay/v1/commands/stream', opts.serverUrl);
  if (opts.terminalId) url.searchParams.set('terminalId', opts.terminalId);
  const setConnected = (v: boolean) => {
    if (connected !== v) {
      connected = v;
      handlers.onState?.(v);
    }
  };

  const loop = async () => {
    let backoff = 100;
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch(url, { headers: { authorization: `Bearer ${opts.credential}`, accept: 'text/event-stream' }, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`command stream: HTTP ${res.status}`);
        setConnected(true);
        backoff = 100;
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (!data) continue;
            try {
              if (event === 'command') handlers.onCommand(JSON.parse(data));
              else if (event === 'outcome') handlers.onOutcome?.(JSON.parse(data));
            } catch {
              // A handler's failure is the handler's; the stream goes on.
            }
          }
        }
      } catch {
        // Reconnect below.
      }
      setConnected(false);
      if (stopped) break;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 3_000);
    }
  };
  const running = loop();
  return {
    get connected() {
      return connected;
    },
    async stop() {
      stopped = true;
      controller?.abort();
      await running;
    },
  };
}

/** POSTs a command's result until the server takes it (a result is never lost to a blip; a repeat is harmless). */
export async function postResult(
  serverUrl: string,
  credential: string,
  commandId: string,
  result: relay.RelayCommandResult,
  shouldStop: () => boolean = () => false,
): Promise<relay.RelayView | undefined> {
  let backoff = 100;
  for (;;) {
    try {
      const res = await fetch(new URL(`/relay/v1/commands/${commandId}/result`, serverUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        body: JSON.stringify(result),
      });
      if (res.ok) return ((await res.json()) as { relay: relay.RelayView }).relay;
      // 4xx: this command is not ours (or no longer exists): nothing to retry.
      if (res.status >= 400 && res.status < 500) return undefined;
    } catch {
      // Network: retry.
    }
    if (shouldStop()) return undefined;
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 2_000);
  }
}

/** Submits a code to its destination with the relay's grant; `no-answer` when none comes in `timeoutMs`. */
export async function submitToDestination(
  serverUrl: string,
  command: Pick<relay.RelayCommand, 'relayId' | 'code' | 'operation' | 'points' | 'destinationPath' | 'grant'>,
  amount: relay.DestinationSubmit['amount'],
  timeoutMs: number,
): Promise<relay.RelayCommandResult> {
  const deadline = Date.now() + timeoutMs;
  // A destination's 5xx (overloaded, its database full, restarting) is asked again until the deadline:
  // it answers a repeated reference with its first answer, so asking again never pays twice.
  for (let attempt = 0; ; attempt++) {
    const answer = await submitOnce(serverUrl, command, amount, Math.max(1, deadline - Date.now()));
    if (answer.outcome !== 'refused' || !answer.reason.startsWith('destination-5')) return answer;
    const pause = retryPause(attempt);
    if (Date.now() + pause >= deadline) return answer;
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** The pause before asking a busy server again: 50 ms doubling to 1 s, jittered so that many devices do not ask in step. */
export function retryPause(attempt: number): number {
  const base = Math.min(1_000, 50 * 2 ** Math.min(attempt, 5));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

async function submitOnce(
  serverUrl: string,
  command: Pick<relay.RelayCommand, 'relayId' | 'code' | 'operation' | 'points' | 'destinationPath' | 'grant'>,
  amount: relay.DestinationSubmit['amount'],
  timeoutMs: number,
): Promise<relay.RelayCommandResult> {
  try {
    const res = await fetch(new URL(command.destinationPath, serverUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${command.grant}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        reference: command.relayId,
        code: command.code,
        operation: command.operation,
        ...(amount && command.operation !== 'redeem' ? { amount } : {}),
        ...(command.points !== undefined ? { points: command.points } : {}),
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return { outcome: 'refused', reason: `destination-${res.status}` };
    return { outcome: 'answered', answer: ((await res.json()) as { answer: relay.DestinationAnswer }).answer };
  } catch {
    return { outcome: 'no-answer' };
  }
}
