/**
 * Binding a listening socket, with the one retry libzmq makes necessary: it
 * frees an endpoint (a TCP port, an inproc name) only once the closed socket
 * that held it has been reaped, on its own thread, a moment after close(). So
 * a socket bound again right after its predecessor closed (the bus reopened
 * after a revocation, a gateway or ZAP handler restarted in the same process)
 * can find the endpoint still taken: measured here, 21 to 25 binds in 300
 * straight after a close. EADDRINUSE is retried for up to about a second; any
 * other error, or one that lasts (another process holds the port), is thrown.
 */
import type * as zmq from 'zeromq';

const ATTEMPTS = 50;
const PAUSE_MS = 20;

export async function bindWhenFree(socket: zmq.Socket, endpoint: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await socket.bind(endpoint);
      return;
    } catch (err) {
      if (attempt >= ATTEMPTS || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  }
}
