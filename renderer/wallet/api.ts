/**
 * The wallet page's calls: same-origin fetch with the session cookie, the
 * session's CSRF token on every state-changing call, errors as EdgePayErrors
 * (the page branches on codes). A call that cannot reach the server at all
 * throws `Offline`, so the page can show its last known state.
 */
import { CSRF_HEADER, EdgePayError, edgePayErrorFromJSON } from '../../core/index.ts';

export class Offline extends Error {
  override readonly name = 'Offline';
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' && csrfToken ? { [CSRF_HEADER]: csrfToken } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new Offline('the server cannot be reached');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw json ? edgePayErrorFromJSON(json) : new EdgePayError('INTERNAL', { status: res.status });
  return json as T;
}
