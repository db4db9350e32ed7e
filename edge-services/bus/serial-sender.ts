/**
 * zeromq.js 6 allows one send in flight per socket (a second concurrent send
 * fails with EBUSY), while the bus sends from many places at once (commands,
 * replies, events). This queues sends on one socket in call order.
 */
import type * as zmq from 'zeromq';

type Sendable = { send(message: zmq.MessageLike | zmq.MessageLike[]): Promise<void> };

export class SerialSender {
  #tail: Promise<unknown> = Promise.resolve();
  constructor(private readonly socket: Sendable) {}

  send(frames: zmq.MessageLike[]): Promise<void> {
    const next = this.#tail.then(() => this.socket.send(frames));
    // The chain continues after a failed send; the caller still sees its own failure.
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
