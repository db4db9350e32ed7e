/**
 * Reads the server's live pull stream (Server-Sent Events over fetch, so the
 * credential can travel in a header, which EventSource cannot do).
 */
import { edgePayErrorFromJSON, syncBasePath, type PullStreamEvent } from '../../core/index.ts';
import { headers, ServerUnreachable, type SyncEndpoint } from './http-client.ts';

/**
 * Opens the stream and calls `onEvent` for each event until the stream ends
 * or `signal` aborts. Resolves when the stream ended; rejects when it could
 * not be opened (ServerUnreachable, or the server's refusal).
 */
export async function readPullStream(endpoint: SyncEndpoint, collection: string, schemaVersion: number, signal: AbortSignal, onEvent: (event: PullStreamEvent) => void): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${endpoint.serverUrl}${syncBasePath(collection, schemaVersion)}/pullStream`, {
      headers: { ...headers(endpoint, false), accept: 'text/event-stream' },
      signal,
    });
  } catch (err) {
    if (signal.aborted) return;
    throw new ServerUnreachable(`cannot open the live stream: ${(err as Error).message}`, { cause: err });
  }
  if (res.status >= 500) throw new ServerUnreachable(`live stream answered ${res.status}`);
  if (res.status >= 400) throw edgePayErrorFromJSON(await res.json().catch(() => ({})));
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (data) onEvent(JSON.parse(data) as PullStreamEvent);
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    throw new ServerUnreachable(`live stream broke: ${(err as Error).message}`, { cause: err });
  } finally {
    reader.releaseLock();
  }
}
