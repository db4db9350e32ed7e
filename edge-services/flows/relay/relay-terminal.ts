/**
 * A relay terminal on the gateway: its code scanner feeds `scan()`, its NFC
 * tag holds `terminalId` (read by the phone), and its screen shows
 * `screen()`. It checks a code before sending it (format, check digit, and
 * "seen here before"), asks the server to relay it, and carries out the
 * server's `forward` commands: submit the code to the destination with the
 * terminal's open sale, and report the answer (or `no-answer` after
 * `destinationTimeoutMs`, which the server settles by asking the destination).
 * Forwarding twice is harmless: destinations answer a repeated reference with
 * their first answer.
 */
import { EdgePayError, errorRegistry, relay, uuidV7, type ErrorCode, type Money } from '../../../core/index.ts';
import { openCommandStream, postResult, retryPause, submitToDestination, type CommandStream } from './command-stream.ts';
import { SeenCodes } from './seen-codes.ts';

export type RelayTerminalOptions = {
  serverUrl: string;
  /** The gateway's credential (gw_…). */
  credential: string;
  terminalId: string;
  /** Where the seen codes are kept. */
  seenFile: string;
  destinationTimeoutMs?: number;
  /** How long a scan the server answers with a 5xx (or not at all) is sent again (default 30 s). */
  serverRetryMs?: number;
  /** The sale the terminal starts with (a stand-alone terminal's amount; none: the shop sets one). */
  sale?: Money | null;
};

export type TerminalMode = { operation: relay.RelayOperation; points?: number };

export type TerminalScreen = {
  terminalId: string;
  connected: boolean;
  sale: Money | null;
  mode: TerminalMode;
  busy: boolean;
  last: { relay: relay.RelayView } | { refused: { code: ErrorCode; message: string } } | null;
  history: relay.RelayView[];
};

export type ScanAnswer = { relay: relay.RelayView } | { refused: { code: ErrorCode; message: string } };

export class RelayTerminal {
  private readonly seen: SeenCodes;
  private readonly stream: CommandStream;
  private readonly inHand = new Set<string>();
  private readonly listeners = new Set<(s: TerminalScreen) => void>();
  private sale: Money | null;
  private mode: TerminalMode = { operation: 'pay' };
  private busy = 0;
  private last: TerminalScreen['last'] = null;
  private history: relay.RelayView[] = [];
  private stopped = false;
  /** How many forward commands this terminal carried out (tests count executions). */
  forwarded = 0;

  constructor(private readonly o: RelayTerminalOptions) {
    this.seen = new SeenCodes(o.seenFile);
    this.sale = o.sale ?? null;
    this.stream = openCommandStream(
      { serverUrl: o.serverUrl, credential: o.credential, terminalId: o.terminalId },
      { onCommand: (c) => void this.forward(c), onOutcome: (v) => this.show({ relay: v }), onState: () => this.changed() },
    );
  }

  get terminalId(): string {
    return this.o.terminalId;
  }

  screen(): TerminalScreen {
    return { terminalId: this.o.terminalId, connected: this.stream.connected, sale: this.sale, mode: this.mode, busy: this.busy > 0, last: this.last, history: this.history };
  }

  onScreen(fn: (s: TerminalScreen) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setSale(sale: Money | null): void {
    this.sale = sale;
    this.changed();
  }

  setMode(mode: TerminalMode): void {
    this.mode = mode;
    this.changed();
  }

  /** A code from the scanner (or typed by the shop). */
  async scan(code: string, options: { appId?: string } = {}): Promise<ScanAnswer> {
    const checked = relay.checkRelayCode(code);
    if (!checked.ok) return this.refuse('RELAY_CODE_INVALID', { reason: checked.reason });
    if (checked.code.oneTime && !this.seen.firstTime(code)) return this.refuse('RELAY_CODE_REUSED');
    const operation: relay.RelayOperation = checked.code.format === 'membership-id' ? (this.mode.operation === 'redeem' ? 'redeem' : 'accrue') : 'pay';
    const body: relay.RelayScanBody = {
      id: uuidV7(),
      terminalId: this.o.terminalId,
      code,
      ...(options.appId ? { appId: options.appId } : {}),
      operation,
      ...(operation === 'redeem' && this.mode.points ? { points: this.mode.points } : {}),
    };
    this.busy++;
    this.changed();
    try {
      // The same id again is the same relay (idempotent), so a lost answer, a 5xx or a 503 (the server's
      // database refused a connection: nothing was done) is asked again, with a growing pause, for up to
      // `serverRetryMs`: a busy server delays a sale, it never drops one.
      const until = Date.now() + (this.o.serverRetryMs ?? 30_000);
      for (let attempt = 0; ; attempt++) {
        let failure: { code: ErrorCode; message?: string };
        try {
          const res = await fetch(new URL('/relay/v1/relays', this.o.serverUrl), {
            method: 'POST',
            headers: { authorization: `Bearer ${this.o.credential}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          const json = (await res.json().catch(() => ({}))) as { relay?: relay.RelayView; code?: ErrorCode; message?: string };
          if (res.status === 200 || res.status === 202) return this.show({ relay: json.relay! });
          failure = { code: (json.code ?? 'INTERNAL') as ErrorCode, ...(json.message ? { message: json.message } : {}) };
          if (res.status < 500) return this.refuse(failure.code, undefined, failure.message);
        } catch (err) {
          failure = { code: 'RELAY_NOT_FOUND', message: err instanceof Error ? err.message : String(err) };
        }
        if (Date.now() >= until) return this.refuse(failure.code, undefined, failure.message);
        await new Promise((r) => setTimeout(r, retryPause(attempt)));
      }
    } finally {
      this.busy--;
      this.changed();
    }
  }

  private async forward(command: relay.RelayCommand): Promise<void> {
    if (command.kind !== 'forward' || this.inHand.has(command.id) || this.stopped) return;
    this.inHand.add(command.id);
    try {
      this.forwarded++;
      const amount = this.sale ?? undefined;
      const result: relay.RelayCommandResult =
        command.operation !== 'redeem' && !amount ? { outcome: 'refused', reason: 'no-sale' } : await submitToDestination(this.o.serverUrl, command, amount, this.o.destinationTimeoutMs ?? 3_000);
      await postResult(this.o.serverUrl, this.o.credential, command.id, result, () => this.stopped);
    } finally {
      this.inHand.delete(command.id);
    }
  }

  private refuse(code: ErrorCode, details?: Record<string, string>, message?: string): ScanAnswer {
    const refused = { code, message: message ?? new EdgePayError(code, details).message };
    void errorRegistry;
    this.last = { refused };
    this.changed();
    return { refused };
  }

  private show(answer: { relay: relay.RelayView }): ScanAnswer {
    const r = answer.relay;
    this.history = [r, ...this.history.filter((h) => h.id !== r.id)].slice(0, 10);
    if (r.status !== 'relaying') this.last = answer;
    this.changed();
    return answer;
  }

  private changed() {
    const s = this.screen();
    for (const fn of this.listeners) fn(s);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stream.stop();
    this.seen.close();
  }
}
