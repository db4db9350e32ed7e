/**
 * What `npm run demo` hands each flow's demo part (demo/<flow>.ts): the running
 * server and store gateway, the admin API, and where to keep files. A flow's
 * part starts what it needs (a building gateway, its simulators, seeded users)
 * and returns the lines to print and the terminal commands it adds.
 */
import type { GatewayRuntime } from '../edge-services/index.ts';
import type { RunningServer, wallet } from '../server/index.ts';

export type DemoContext = {
  readonly server: RunningServer;
  /** The demo store's gateway (kiosk, console, device simulators). */
  readonly runtime: GatewayRuntime;
  /** An admin call to the server with the demo's admin token; throws on a non-2xx answer. */
  admin(path: string, body: unknown, method?: string): Promise<any>;
  /** The demo's data folder (owner only); a flow keeps its files in `<dataDir>/<flow>`. */
  readonly dataDir: string;
  readonly siteId: string;
  /** The server's address as the wallet uses it (localhost: WebAuthn wants a domain). */
  readonly walletOrigin: string;
  readonly demoWallet: wallet.DemoWallet;
  /** The demo store gateway's id and credential (a requester of requests to pay). */
  readonly gateway: { gatewayId: string; credential: string };
  /** Prints a line above the prompt (outcomes that arrive later). */
  log(line: string): void;
};

/** A terminal command a flow adds: `name args...`; its answer is printed. */
export type DemoCommand = { readonly usage: string; run(args: string[]): Promise<string> };

export type DemoPart = {
  /** Printed in the start-up summary, under the flow's name. */
  readonly lines: readonly string[];
  readonly commands?: Readonly<Record<string, DemoCommand>>;
  stop?(): Promise<void>;
};

export type DemoFlow = { readonly name: string; start(ctx: DemoContext): Promise<DemoPart> };
