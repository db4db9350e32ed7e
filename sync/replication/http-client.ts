/**
 * The gateway's HTTP calls to the server's replication routes, with a
 * timeout on each and errors sorted into "the network/server is down"
 * (retry later, we are offline) and "the server refused" (a stable code).
 */
import {
  EdgePayError,
  edgePayErrorFromJSON,
  PUSH_COMMIT_HEADER,
  syncBasePath,
  type PullResponse,
  type PushRow,
  type PushResponse,
  type SyncCheckpoint,
} from '../../core/index.ts';

export type SyncEndpoint = {
  /** e.g. http://127.0.0.1:8080 */
  serverUrl: string;
  /** The gateway credential from enrolment. */
  credential: string;
  /** Milliseconds before a request is abandoned (default 10 s). */
  timeoutMs?: number;
};

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

async function exchange<T>(endpoint: SyncEndpoint, path: string, init: RequestInit): Promise<{ body: T; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(endpoint.serverUrl + path, { ...init, signal: AbortSignal.timeout(endpoint.timeoutMs ?? 10_000) });
  } catch (err) {
    throw new ServerUnreachable(`cannot reach ${endpoint.serverUrl}: ${(err as Error).message}`, { cause: err });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    throw new ServerUnreachable(`bad answer from ${endpoint.serverUrl} (${res.status})`, { cause: err });
  }
  if (res.status >= 500) throw new ServerUnreachable(`server error ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
  if (res.status >= 400) throw edgePayErrorFromJSON(body);
  return { body: body as T, headers: res.headers };
}

export function pullChanges(
  endpoint: SyncEndpoint,
  collection: string,
  schemaVersion: number,
  checkpoint: SyncCheckpoint | undefined | null,
  limit: number,
): Promise<PullResponse> {
  const q = new URLSearchParams({ limit: String(limit) });
  if (checkpoint) {
    q.set('id', checkpoint.id);
    q.set('lwt', String(checkpoint.lwt));
  }
  return request(endpoint, `${syncBasePath(collection, schemaVersion)}/pull?${q}`, { headers: headers(endpoint, false) });
}

/** The conflicts, and the commit counter of the push's first write (undefined: it wrote nothing). */
export type PushResult = { conflicts: PushResponse; commitLwt: number | undefined };

export async function pushChanges(endpoint: SyncEndpoint, collection: string, schemaVersion: number, rows: PushRow[]): Promise<PushResult> {
  const { body, headers: answer } = await exchange<PushResponse>(endpoint, `${syncBasePath(collection, schemaVersion)}/push`, {
    method: 'POST',
    headers: headers(endpoint, true),
    body: JSON.stringify(rows),
  });
  const commit = answer.get(PUSH_COMMIT_HEADER);
  const commitLwt = commit === null ? undefined : Number(commit);
  return { conflicts: body, commitLwt: commitLwt !== undefined && Number.isSafeInteger(commitLwt) ? commitLwt : undefined };
}

export async function probeServer(endpoint: SyncEndpoint): Promise<void> {
  await request(endpoint, '/healthz', {});
}

export function isRefusal(err: unknown): err is EdgePayError {
  return err instanceof EdgePayError;
}
