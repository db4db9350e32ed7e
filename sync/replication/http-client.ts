/**
 * The gateway's HTTP calls to the server's replication routes, with a
 * timeout on each and errors sorted into "the network/server is down"
 * (retry later, we are offline), "the server is slow" (it was reached but
 * did not answer in time: not an outage, send less at once) and "the server
 * refused" (a stable code).
 */
import { EdgePayError, edgePayErrorFromJSON, PUSH_COMMIT_HEADER, syncBasePath, type PullResponse, type PushRow, type PushResponse, type SyncCheckpoint } from '../../core/index.ts';

export type SyncEndpoint = {
  /** e.g. http://127.0.0.1:8080 */
  serverUrl: string;
  /** The gateway credential from enrolment. */
  credential: string;
  /** Milliseconds before a request is abandoned (default 10 s). */
  timeoutMs?: number;
  /**
   * Milliseconds a push may take to be answered (default 30 s): a push carries
   * up to a batch of documents each way, over links that may be lossy and slow.
   */
  pushTimeoutMs?: number;
};

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_PUSH_TIMEOUT_MS = 30_000;

/**
 * The request was sent but no answer came in time. Not an outage by itself:
 * a large push over a slow link looks the same. The caller sends less at once
 * and asks the server's health (a small request) whether it is reachable.
 */
export class ServerSlow extends Error {
  override readonly name = 'ServerSlow';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/** Our own deadline fired (AbortSignal.timeout), as opposed to the connection failing. */
function timedOut(err: unknown): boolean {
  return (err as { name?: unknown } | undefined)?.name === 'TimeoutError';
}

/** The server could not be reached or failed (5xx): the gateway is offline. */
export class ServerUnreachable extends Error {
  override readonly name = 'ServerUnreachable';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

export function headers(endpoint: SyncEndpoint, json: boolean): Record<string, string> {
  return {
    authorization: 'Bearer ' + endpoint.credential,
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

async function request<T>(endpoint: SyncEndpoint, path: string, init: RequestInit): Promise<T> {
  return (await exchange<T>(endpoint, path, init)).body;
}

async function exchange<T>(endpoint: SyncEndpoint, path: string, init: RequestInit, timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS): Promise<{ body: T; headers: Headers }> {
  let res: Response;
  try {
    // A failed connect (refused, unreachable, reset, undici's own connect
    // timeout) rejects here with its cause; only our deadline is "slow".
    res = await fetch(endpoint.serverUrl + path, { ...init, signal: init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    if (timedOut(err)) throw new ServerSlow(`no answer from ${endpoint.serverUrl} in ${timeoutMs} ms`, { cause: err });
    throw new ServerUnreachable(`cannot reach ${endpoint.serverUrl}: ${(err as Error).message}`, { cause: err });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    if (timedOut(err)) throw new ServerSlow(`the answer from ${endpoint.serverUrl} did not arrive in ${timeoutMs} ms`, { cause: err });
    throw new ServerUnreachable(`bad answer from ${endpoint.serverUrl} (${res.status})`, { cause: err });
  }
  if (res.status >= 500) throw new ServerUnreachable(`server error ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
  if (res.status >= 400) throw edgePayErrorFromJSON(body);
  return { body: body as T, headers: res.headers };
}

export function pullChanges(endpoint: SyncEndpoint, collection: string, schemaVersion: number, checkpoint: SyncCheckpoint | undefined | null, limit: number): Promise<PullResponse> {
  const q = new URLSearchParams({ limit: String(limit) });
  if (checkpoint) {
    q.set('id', checkpoint.id);
    q.set('lwt', String(checkpoint.lwt));
  }
  return request(endpoint, `${syncBasePath(collection, schemaVersion)}/pull?${q}`, { headers: headers(endpoint, false) });
}

/** The conflicts, and the commit counter of the push's first write (undefined: it wrote nothing). */
export type PushResult = { conflicts: PushResponse; commitLwt: number | undefined };

/** How long the health check that a stalled push asks may take. */
export const PUSH_WATCHDOG_PROBE_MS = 5_000;

export async function pushChanges(endpoint: SyncEndpoint, collection: string, schemaVersion: number, rows: PushRow[]): Promise<PushResult> {
  // A push may take up to pushTimeoutMs to be answered (a big batch over a slow link), but a
  // partition looks the same as a slow answer for all that time. So once the ordinary request
  // timeout has passed with no answer, the server's health is asked (a small request, apart
  // from the push): if it does not answer either, the server is unreachable now, not in 30 s,
  // and the push is abandoned (its rows go again later, exactly once by their ids). If it
  // answers, the server is only slow and the push goes on waiting.
  const abandon = new AbortController();
  let unreachable: ServerUnreachable | undefined;
  const watchdog = setTimeout(() => {
    probeServer({ ...endpoint, timeoutMs: PUSH_WATCHDOG_PROBE_MS }).catch((err: Error) => {
      unreachable = new ServerUnreachable(`no answer to a push from ${endpoint.serverUrl}, nor to its health check: ${err.message}`, { cause: err });
      abandon.abort(unreachable);
    });
  }, endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    const { body, headers: answer } = await exchange<PushResponse>(
      endpoint,
      `${syncBasePath(collection, schemaVersion)}/push`,
      {
        method: 'POST',
        headers: headers(endpoint, true),
        body: JSON.stringify(rows),
        signal: abandon.signal,
      },
      endpoint.pushTimeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS,
    );
    const commit = answer.get(PUSH_COMMIT_HEADER);
    const commitLwt = commit === null ? undefined : Number(commit);
    return { conflicts: body, commitLwt: commitLwt !== undefined && Number.isSafeInteger(commitLwt) ? commitLwt : undefined };
  } catch (err) {
    throw unreachable ?? err;
  } finally {
    clearTimeout(watchdog);
  }
}

export async function probeServer(endpoint: SyncEndpoint): Promise<void> {
  await request(endpoint, '/healthz', {});
}

export function isRefusal(err: unknown): err is EdgePayError {
  return err instanceof EdgePayError;
}
