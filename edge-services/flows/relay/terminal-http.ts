/**
 * The relay terminal's screen over HTTP (loopback): the page
 * (renderer/relay/), its state, the scanner's input as the shop would type it,
 * the sale, the mode (pay / accrue / redeem N points), and the NFC tag's
 * content (the terminal id a phone reads; simulated here).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RelayTerminal } from './relay-terminal.ts';

const PAGE_DIR = join(import.meta.dirname, '../../../renderer/relay');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export type TerminalHttp = { url: string; close(): Promise<void> };

export async function serveTerminal(terminal: RelayTerminal, port = 0): Promise<TerminalHttp> {
  const files: Record<string, [string, string]> = {
    '/': ['terminal.html', 'text/html; charset=utf-8'],
    '/terminal.js': ['terminal.js', 'text/javascript; charset=utf-8'],
    '/terminal.css': ['terminal.css', 'text/css; charset=utf-8'],
  };
  const send = (res: ServerResponse, status: number, json: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(json));
  };
  const body = async (req: IncomingMessage): Promise<any> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 8192) throw new Error('too large');
      chunks.push(c as Buffer);
    }
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://terminal');
      try {
        const file = req.method === 'GET' ? files[url.pathname] : undefined;
        if (file) {
          res.writeHead(200, { 'content-type': file[1], 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
          return res.end(readFileSync(join(PAGE_DIR, file[0])));
        }
        if (req.method === 'GET' && url.pathname === '/api/relay/state') return send(res, 200, terminal.screen());
        if (req.method === 'GET' && url.pathname === '/api/relay/tag') return send(res, 200, { terminalId: terminal.terminalId });
        if (req.method !== 'POST') return send(res, 404, {});
        // Only the terminal's own page (no other origin's script) may act.
        const origin = req.headers.origin;
        if (origin && origin !== `http://${req.headers.host}`) return send(res, 403, { code: 'FORBIDDEN' });
        const b = await body(req);
        if (url.pathname === '/api/relay/scan' && typeof b.code === 'string' && b.code.length <= 512)
          return send(res, 200, await terminal.scan(b.code, typeof b.appId === 'string' ? { appId: b.appId } : {}));
        if (url.pathname === '/api/relay/sale') {
          terminal.setSale(Number.isSafeInteger(b.amount) && b.amount > 0 ? { amount: b.amount, currency: 'KRW' } : null);
          return send(res, 200, terminal.screen());
        }
        if (url.pathname === '/api/relay/mode' && ['pay', 'accrue', 'redeem'].includes(b.operation)) {
          terminal.setMode({ operation: b.operation, ...(Number.isSafeInteger(b.points) && b.points > 0 ? { points: b.points } : {}) });
          return send(res, 200, terminal.screen());
        }
        return send(res, 400, { code: 'BAD_REQUEST' });
      } catch {
        send(res, 400, { code: 'BAD_REQUEST' });
      }
    })();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
