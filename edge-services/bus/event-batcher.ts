/**
 * A device's outgoing events, coalesced: the events that are waiting while
 * the previous message is being handed to ZeroMQ go out together as one
 * message, `[env1 "\n" env2 "\n" ..., MAC]` (edge-services/bus/PROTOCOL.md).
 * zeromq.js costs the same per message whatever its size (a native call, a
 * promise, a wake-up of ZeroMQ's I/O thread), so a burst of events (a reader's
 * advertisements, a cart's weights, the benchmark's 20,000 scans) pays it
 * once per batch instead of once per event, as Kafka's producers do.
 *
 * No event waits for company: when nothing is in flight an event is sent at
 * once, in the same call; only events that arrive while a send is in flight
 * are coalesced, and they go as soon as it completes. Each envelope was
 * validated on its own by the caller and is checked on its own by the
 * gateway; one MAC covers the whole body (all its envelopes are this
 * device's). A batch stays within maxBytes (UTF-8), so it is never bigger
 * than the gateway takes; an envelope larger than that goes alone.
 */
import { macOf, type MacKey } from './curve-keys.ts';
import type { SerialSender } from './serial-sender.ts';
import { BATCH_SEPARATOR } from './wire.ts';

/** Default bytes of envelopes per batch: a few dozen typical events, well under any gateway's message limit. */
export const DEFAULT_EVENT_BATCH_BYTES = 16 * 1024;

/** Envelopes that go out as one message, and the one promise their publishers share. */
type Batch = { body: string; bytes: number; count: number; done: Promise<void>; resolve(): void; reject(err: unknown): void };

function newBatch(body: string, bytes: number): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { body, bytes, count: 1, done, resolve, reject };
}

/** Stands in for a batch already taken for sending: full, so nothing joins it. */
const SENT: Batch = { body: '', bytes: Infinity, count: 0, done: Promise.resolve(), resolve() {}, reject() {} };

export class EventBatcher {
  readonly #out: SerialSender;
  readonly #macKey: MacKey;
  readonly #maxBytes: number;
  // Batches waiting for the socket, oldest first; only the last one still takes envelopes.
  // One object and one promise per batch, not per event: a burst of thousands of
  // waiting events would otherwise keep thousands of promises alive through scavenges.
  #waiting: Batch[] = [];
  #head = 0;
  #sending = false;
  /** ZeroMQ messages sent, and envelopes in them (for tests and the benchmark). */
  messages = 0;
  envelopes = 0;

  constructor(out: SerialSender, macKey: MacKey, maxBytes = DEFAULT_EVENT_BATCH_BYTES) {
    this.#out = out;
    this.#macKey = macKey;
    this.#maxBytes = maxBytes;
  }

  /** Queues one envelope's JSON; resolves once the message carrying it was handed to ZeroMQ. */
  send(body: string): Promise<void> {
    const bytes = Buffer.byteLength(body);
    const last = this.#waiting[this.#waiting.length - 1];
    let batch: Batch;
    if (last && last.bytes + 1 + bytes <= this.#maxBytes) {
      last.body += BATCH_SEPARATOR + body;
      last.bytes += 1 + bytes;
      last.count++;
      batch = last;
    } else {
      batch = newBatch(body, bytes);
      this.#waiting.push(batch);
    }
    // Nothing in flight: this event goes now, in this call.
    if (!this.#sending) void this.#drain();
    return batch.done;
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#head < this.#waiting.length) {
        const batch = this.#waiting[this.#head]!;
        // Closed before the send: later events start a new batch.
        this.#waiting[this.#head++] = SENT;
        // A device that never lets the queue run dry must not grow the array for ever.
        if (this.#head >= 1024) {
          this.#waiting = this.#waiting.slice(this.#head);
          this.#head = 0;
        }
        this.messages++;
        this.envelopes += batch.count;
        try {
          await this.#out.send([batch.body, macOf(this.#macKey, batch.body)]);
          batch.resolve();
        } catch (err) {
          batch.reject(err);
        }
      }
    } finally {
      this.#waiting = [];
      this.#head = 0;
      this.#sending = false;
    }
  }
}
