/**
 * zeromq.js 6 allows one send in flight per socket (a second concurrent send
 * fails with EBUSY), while the bus sends from many places at once (commands,
 * replies, events). This queues sends on one socket in call order, with one
 * drain loop rather than a promise chain per message (the chain cost more than
 * the send itself in the bus benchmark). A send with nothing ahead of it goes
 * to the socket in the same call, which is the usual case for commands and
 * replies.
 */
import type * as zmq from 'zeromq';

type Sendable = { send(message: zmq.MessageLike | zmq.MessageLike[]): Promise<void> };

const CLOSED = Object.assign(new Error('the socket was closed'), { code: 'EBADF' });
type Queued = { frames: zmq.MessageLike[]; resolve(): void; reject(err: unknown): void };

export class SerialSender {
  // A head index instead of shift(): shift() copies the array, quadratic over a burst of events.
  #queue: Queued[] = [];
  #head = 0;
  #draining = false;
  #socket: Sendable | undefined;
  constructor(socket: Sendable) {
    this.#socket = socket;
  }

  /** Queued and later sends go to `socket` (a replacement after a reopen); undefined: fail them (closing). */
  retarget(socket: Sendable | undefined): void {
    this.#socket = socket;
  }

  send(frames: zmq.MessageLike[]): Promise<void> {
    if (this.#draining || this.#head < this.#queue.length) {
      return new Promise<void>((resolve, reject) => {
        this.#queue.push({ frames, resolve, reject });
        if (!this.#draining) void this.#drain();
      });
    }
    // Nothing in flight: hand the message to the socket in this call (one promise, no queue entry),
    // and queue what comes while it is in flight.
    const socket = this.#socket;
    if (!socket) return Promise.reject(CLOSED);
    let sent: Promise<void>;
    try {
      sent = socket.send(frames);
    } catch (err) {
      // zeromq.js throws at once for a socket that is closed or being bound.
      return Promise.reject(err);
    }
    this.#draining = true;
    sent.then(this.#resume, this.#resume);
    return sent;
  }

  #resume = (): void => {
    this.#draining = false;
    if (this.#head < this.#queue.length) void this.#drain();
  };

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#head < this.#queue.length) {
        const next = this.#queue[this.#head]!;
        this.#queue[this.#head++] = undefined as never;
        try {
          const socket = this.#socket;
          if (!socket) throw CLOSED;
          await socket.send(next.frames);
          next.resolve();
        } catch (err) {
          // One failed send (unreachable peer, closed socket) fails only its caller.
          next.reject(err);
        }
      }
    } finally {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
      this.#draining = false;
    }
  }
}
