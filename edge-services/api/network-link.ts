/**
 * The demo's network cable: a TCP relay between the gateway and the central
 * server that can be cut and restored. Cutting it destroys every open
 * connection (the live sync streams end at once) and refuses new ones, so the
 * gateway's sync and checkout meet exactly what a pulled cable gives them: a
 * connection that fails. Nothing in the gateway is told; it finds out, as it
 * would in a shop.
 *
 * Why a relay and not a flag in GatewaySync: it exercises the real offline
 * path (failed fetches, the connection monitor's probes and backoff) and
 * needs no change in sync/.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the console's switch needs; `NetworkLink` is one, a flag in the sync could be another. */
export type NetworkSwitch = {
  readonly enabled: boolean;
  setEnabled(enabled: boolean): Promise<void> | void;
};

export type NetworkLink = NetworkSwitch & {
  /** Give this to the gateway's sync and checkout instead of the server's URL. */
  readonly url: string;
  close(): Promise<void>;
};

export async function startNetworkLink(targetUrl: string, options: { host?: string } = {}): Promise<NetworkLink> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const sockets = new Set<Socket>();
  let enabled = true;

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const server: Server = createServer((client) => {
    if (!enabled) {
      // A reset, not a polite close: like a cable that is not there.
      client.resetAndDestroy();
      return;
    }
    track(client);
    const upstream = connect(targetPort, target.hostname);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `${target.protocol}//${host}:${port}`,
    get enabled() {
      return enabled;
    },
    setEnabled(on: boolean) {
      enabled = on;
      if (!on) for (const s of sockets) s.destroy();
    },
    close() {
      enabled = false;
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
