/**
 * A POS program as a shop's computer runs it, simulated: a sale the cashier
 * rings up, one input field per app (a payment app, a membership app), a memo
 * field, and a submit button. It talks to its apps' destinations itself; what
 * drives it from outside is only what a person (or a POS agent's UI
 * automation) could do: open an app's input, type, submit, read what it shows.
 * Its surface over HTTP (loopback), one call per user action:
 *
 *   GET  /state                    sale, fields, focused field, busy, last result
 *   POST /sale {amount, currency}  the cashier rings up a sale (null: none)
 *   POST /ui/open {appId}          focus the app's input, emptied (404 unknown-app, 409 pos-busy)
 *   POST /ui/type {text}           type into the focused input
 *   POST /ui/memo {text}           the sale's memo (the relay's reference and grant: `<reference> <grant>`)
 *   POST /ui/submit                submit the focused input (202; the answer comes later)
 *   GET  /submissions/:reference   what became of a submission (in-progress / done with its result), kept in a file
 *   GET  /                         the program's window (a page, for the demo)
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Money, relay } from '../../../core/index.ts';

export type PosProgramApp = { appId: string; label: string; destinationPath: string };
export type PosProgramOptions = {
  serverUrl: string;
  apps: readonly PosProgramApp[];
  /** The open sale at start (a load test keeps one open). */
  sale?: Money | null;
  /** Submissions are kept here (JSON lines), so a restarted program still answers for them. */
  dataFile?: string;
  /** Extra time the program takes to answer a submission (ms). */
  submitDelayMs?: number;
  destinationTimeoutMs?: number;
  port?: number;
};

type Submission = { reference: string; appId: string; state: 'in-progress' | 'done'; result?: relay.RelayCommandResult; posReference?: string };

export type PosProgram = { url: string; submissions(): Submission[]; typedCount(): number; close(): Promise<void> };

export async function startPosProgram(o: PosProgramOptions): Promise<PosProgram> {
  let sale: Money | null = o.sale ?? null;
  const fields = new Map(o.apps.map((a) => [a.appId, { ...a, value: '' }]));
  let focused: string | null = null;
  let memo = '';
  let busy = false;
  let typed = 0;
  let last: Submission | null = null;
  let seq = 0;
  const submissions = new Map<string, Submission>();
  if (o.dataFile && existsSync(o.dataFile)) {
    for (const line of readFileSync(o.dataFile, 'utf8').split('\n'))
      if (line) {
        const s = JSON.parse(line) as Submission;
        submissions.set(s.reference, s);
      }
  }
  const keep = (s: Submission) => {
    submissions.set(s.reference, s);
    if (o.dataFile) appendFileSync(o.dataFile, JSON.stringify(s) + '\n', { mode: 0o600 });
  };

  const submit = async (appId: string, code: string, reference: string, grant: string, operation: relay.RelayOperation, points: number | undefined) => {
    const app = fields.get(appId)!;
    const s: Submission = { reference, appId, state: 'in-progress', posReference: `POS-${++seq}` };
    keep(s);
    busy = true;
    try {
      if (o.submitDelayMs) await new Promise((r) => setTimeout(r, o.submitDelayMs));
      let result: relay.RelayCommandResult;
      if (operation !== 'redeem' && !sale) result = { outcome: 'refused', reason: 'no-sale' };
      else {
        // Like a card terminal, a 5xx (the destination busy) is sent again within the timeout; the
        // destination answers a repeated reference with its first answer.
        const deadline = Date.now() + (o.destinationTimeoutMs ?? 3_000);
        for (let attempt = 0; ; attempt++) {
          try {
            const res = await fetch(new URL(app.destinationPath, o.serverUrl), {
              method: 'POST',
              headers: { authorization: `Bearer ${grant}`, 'content-type': 'application/json' },
              body: JSON.stringify({ reference, code, operation, ...(operation !== 'redeem' && sale ? { amount: sale } : {}), ...(points ? { points } : {}) }),
              signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
            });
            result = res.ok ? { outcome: 'answered', answer: ((await res.json()) as { answer: relay.DestinationAnswer }).answer } : { outcome: 'refused', reason: `destination-${res.status}` };
            if (res.status < 500) break;
          } catch {
            result = { outcome: 'no-answer' };
            break;
          }
          const pause = Math.min(1_000, 50 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
          if (Date.now() + pause >= deadline) break;
          await new Promise((r) => setTimeout(r, pause));
        }
      }
      const done: Submission = { ...s, state: 'done', result };
      keep(done);
      last = done;
    } finally {
      busy = false;
      app.value = '';
    }
  };

  const body = async (req: IncomingMessage): Promise<any> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  };
  const send = (res: ServerResponse, status: number, json: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  };
  const state = () => ({ sale, fields: [...fields.values()].map(({ appId, label, value }) => ({ appId, label, value })), focused, memo: memo ? '(set)' : '', busy, last });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://pos');
      try {
        if (req.method === 'GET' && url.pathname === '/state') return send(res, 200, state());
        if (req.method === 'GET' && url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(posPage);
        }
        if (req.method === 'GET' && url.pathname.startsWith('/submissions/')) {
          const s = submissions.get(decodeURIComponent(url.pathname.slice('/submissions/'.length)));
          return s ? send(res, 200, s) : send(res, 404, { reason: 'unknown' });
        }
        if (req.method !== 'POST') return send(res, 405, {});
        const b = await body(req);
        switch (url.pathname) {
          case '/sale':
            sale = b && typeof b.amount === 'number' ? { amount: b.amount, currency: b.currency ?? 'KRW' } : null;
            return send(res, 200, state());
          case '/ui/open':
            if (busy) return send(res, 409, { reason: 'pos-busy' });
            if (!fields.has(b.appId)) return send(res, 404, { reason: 'unknown-app' });
            focused = b.appId;
            fields.get(b.appId)!.value = '';
            memo = '';
            return send(res, 200, state());
          case '/ui/type':
            if (!focused) return send(res, 409, { reason: 'no-input' });
            fields.get(focused)!.value += String(b.text ?? '');
            typed++;
            return send(res, 200, { ok: true });
          case '/ui/memo':
            memo = String(b.text ?? '');
            return send(res, 200, { ok: true });
          case '/ui/submit': {
            if (busy) return send(res, 409, { reason: 'pos-busy' });
            if (!focused) return send(res, 409, { reason: 'no-input' });
            // The memo: `<reference> <grant> <operation> [points]`.
            const [reference, grant, operation, points] = memo.split(' ');
            const code = fields.get(focused)!.value;
            if (!reference || !grant || !code) return send(res, 422, { reason: 'invalid-code' });
            if (submissions.has(reference)) return send(res, 409, { reason: 'duplicate-reference' });
            const appId = focused;
            focused = null;
            void submit(appId, code, reference, grant, (operation ?? 'pay') as relay.RelayOperation, points ? Number(points) : undefined);
            return send(res, 202, { reference });
          }
          default:
            return send(res, 404, {});
        }
      } catch {
        send(res, 400, { reason: 'bad-request' });
      }
    })();
  });
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    submissions: () => [...submissions.values()],
    typedCount: () => typed,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const posPage = `<!doctype html><meta charset="utf-8"><title>POS program (simulated)</title>
<style>body{font:16px system-ui;margin:2em;max-width:40em}input,button{font:inherit;padding:.3em}.f{margin:.5em 0}</style>
<h1>POS program (simulated)</h1>
<p>Sale: <input id="amount" type="number" value="12000"> KRW <button id="ring">Ring up</button> <span id="sale"></span></p>
<div id="fields"></div><h2>Last submission</h2><pre id="last"></pre>
<script>
async function refresh(){const s=await (await fetch('/state')).json();
document.getElementById('sale').textContent=s.sale?('open: '+s.sale.amount+' '+s.sale.currency):'no sale';
document.getElementById('fields').innerHTML=s.fields.map(f=>'<div class=f>'+f.label+' ('+f.appId+'): <b>'+(f.value?'•'.repeat(Math.min(f.value.length,20)):'')+'</b>'+(s.focused===f.appId?' ◀':'')+'</div>').join('');
document.getElementById('last').textContent=s.last?JSON.stringify(s.last.result,null,1):'-';}
document.getElementById('ring').onclick=async()=>{await fetch('/sale',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({amount:Number(document.getElementById('amount').value),currency:'KRW'})});refresh();};
setInterval(refresh,700);refresh();
</script>`;
