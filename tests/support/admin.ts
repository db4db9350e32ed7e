/**
 * The operator's admin calls (enrol gateways, write site settings and the
 * catalogue) as tests make them: JSON in, JSON out, anything but 2xx fails
 * the test with the server's answer.
 */
import assert from 'node:assert/strict';

export type AdminCall = (path: string, body: unknown, method?: string) => Promise<any>;

export function adminClient(baseUrl: string | (() => string), token: string): AdminCall {
  return async (path, body, method = 'POST') => {
    const base = typeof baseUrl === 'function' ? baseUrl() : baseUrl;
    const res = await fetch(base + path, {
      method,
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.status >= 200 && res.status < 300, `${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}
