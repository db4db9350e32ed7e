/**
 * Who is waiting for what, in this process and across processes sharing the
 * database: a device stream for its target's commands (`command` notices), and
 * callers, terminal screens and phones for a relay's outcome (`relay` notices).
 * A notice is sent in process at once and by NOTIFY after commit, so a stream
 * held by another server process hears it too; receivers re-read the
 * database, so a notice heard twice does no harm.
 */
import { EventEmitter } from 'node:events';
import type { Db, Queryable } from '../../db/index.ts';

export const RELAY_CHANNEL = 'edgepay_relay';

export class RelayHub {
  private readonly events = new EventEmitter();
  private unlisten: (() => Promise<void>) | undefined;
  constructor(private readonly db: Db) {
    this.events.setMaxListeners(0);
  }
  async start(): Promise<void> {
    this.unlisten = await this.db.listen(
      RELAY_CHANNEL,
      (payload) => this.emit(payload),
      () => this.events.emit('reconnect'),
    );
  }
  async stop(): Promise<void> {
    await this.unlisten?.();
    this.events.removeAllListeners();
  }
  /** `c:<target>` (a command for target) or `r:<relayId>|<terminalId>` (a relay's outcome). */
  private emit(payload: string) {
    if (payload.startsWith('c:')) this.events.emit('command', payload.slice(2));
    else if (payload.startsWith('r:')) {
      const [relayId, terminalId] = payload.slice(2).split('|');
      this.events.emit('relay', relayId, terminalId);
    }
  }
  /** In the writer's transaction: delivered to other processes at commit. */
  async notifyInTx(tx: Queryable, payload: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [RELAY_CHANNEL, payload]);
  }
  /** After commit, in this process (no wait for the NOTIFY round trip). */
  local(payload: string): void {
    this.emit(payload);
  }
  onCommand(target: string, fn: () => void): () => void {
    const h = (t: string) => t === target && fn();
    this.events.on('command', h);
    this.events.on('reconnect', fn);
    return () => {
      this.events.off('command', h);
      this.events.off('reconnect', fn);
    };
  }
  onRelay(fn: (relayId: string, terminalId: string) => void): () => void {
    this.events.on('relay', fn);
    return () => this.events.off('relay', fn);
  }
}
