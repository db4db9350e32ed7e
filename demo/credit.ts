/**
 * The demo's pay-later part: a buyer with a credit line (the shopper, limit
 * ₩500,000) and a tiny online shop that calls the PG's merchant API.
 *
 * The shop is a merchant of its own (POST /admin/merchants) with an ES256
 * key it registered; its small server (this file) serves one page and, for
 * each button, signs the message and calls the PG with its credential and a
 * fresh Idempotency-Key. The page never sees the credential or the key.
 * Prices come from the shop's catalogue here, never from the page.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { CREDIT_MESSAGE_TYPES, CREDIT_PATHS, formatMoney, type CreditActionName, type CreditOrderMessage } from '../core/index.ts';
import type { DemoContext, DemoFlow } from './context.ts';

const CATALOGUE = [
  { id: 'lamp', name: 'Desk lamp', price: 89_000 },
  { id: 'chair', name: 'Reading chair', price: 249_000 },
  { id: 'kettle', name: 'Electric kettle', price: 39_000 },
] as const;

type ShopState = { merchantId: string; credential: string; privateJwk: JWK; loans: string[] };

type MerchantEnv = Pick<DemoContext, 'dataDir' | 'admin'> & { serverUrl: string };

/** A merchant of the PG with its credential and registered key, made once and kept in `<dataDir>/credit/<file>`. */
async function merchantState(env: MerchantEnv, fileName: string, name: string): Promise<ShopState> {
  const dir = join(env.dataDir, 'credit');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, fileName);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ShopState;
  const { merchantId, credential } = await env.admin('/admin/merchants', { name });
  const pair = await generateKeyPair('ES256', { extractable: true });
  const res = await fetch(env.serverUrl + CREDIT_PATHS.merchantKey, {
    method: 'PUT',
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jwk: await exportJWK(pair.publicKey) }),
  });
  if (!res.ok) throw new Error('registering the shop key: ' + (await res.text()));
  const state: ShopState = { merchantId, credential, privateJwk: await exportJWK(pair.privateKey), loans: [] };
  writeFileSync(file, JSON.stringify(state), { mode: 0o600 });
  return state;
}

/**
 * The demo store's kiosk as a pay-later merchant of its own: demo.ts passes
 * this to startGatewayRuntime (`payLater`), so the kiosk's "Pay later" button
 * orders the basket from the PG for the wallet whose phone number is typed in
 * (the seeded shopper: 010-3456-7890, limit set by creditDemo below).
 */
export async function demoKioskPayLater(env: MerchantEnv) {
  const m = await merchantState(env, 'kiosk.json', 'EdgePay demo store (kiosk)');
  return { merchantId: m.merchantId, merchantCredential: m.credential, privateJwk: m.privateJwk, storeName: 'EdgePay demo store' };
}

export const creditDemo: DemoFlow = {
  name: 'pay later',
  async start(ctx) {
    const shopper = ctx.demoWallet.users.find((u) => u.role === 'shopper')!;
    await ctx.admin(CREDIT_PATHS.adminBuyer(shopper.userId), { currency: 'KRW', limit: 500_000, score: 750 }, 'PUT');
    const state = await merchantState({ ...ctx, serverUrl: ctx.server.url }, 'shop.json', 'EdgePay demo mall');
    const stateFile = join(ctx.dataDir, 'credit', 'shop.json');
    const key = await importJWK(state.privateJwk, 'ES256');
    const sign = (typ: string, payload: object) => new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ, kid: state.merchantId }).sign(key);
    const pg = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(ctx.server.url + path, {
        method,
        headers: {
          authorization: `Bearer ${state.credential}`,
          ...(body ? { 'content-type': 'application/json', 'idempotency-key': 'shop-' + Array.from(randomBytes(20), (b) => String.fromCharCode(97 + (b % 26))).join('') } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const iat = () => Math.floor(Date.now() / 1000);

    async function order(buyerUserId: string, picks: Record<string, number>, instalments: number, delivery: { name: string; address: string }) {
      const items = CATALOGUE.filter((p) => (picks[p.id] ?? 0) > 0).map((p) => ({ name: p.name, quantity: picks[p.id]!, amount: p.price * picks[p.id]! }));
      const amount = items.reduce((a, i) => a + i.amount, 0);
      const message: CreditOrderMessage = {
        merchantId: state.merchantId,
        orderRef: 'mall-' + randomBytes(4).toString('hex'),
        buyer: { userId: buyerUserId },
        items,
        amount,
        currency: 'KRW',
        delivery,
        instalments: instalments as CreditOrderMessage['instalments'],
        iat: iat(),
      };
      const answer = await pg('POST', CREDIT_PATHS.orders, { message: await sign(CREDIT_MESSAGE_TYPES.order, message) });
      if (answer.status === 201) {
        state.loans.unshift(answer.body.loan.id);
        writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
      }
      return answer;
    }
    async function act(loanId: string, action: CreditActionName, amount?: number) {
      const message = await sign(CREDIT_MESSAGE_TYPES.action, { merchantId: state.merchantId, loanId, action, ...(amount ? { amount } : {}), iat: iat() });
      return pg('POST', CREDIT_PATHS.action(loanId, action), { message });
    }
    async function orders() {
      return Promise.all(state.loans.slice(0, 20).map(async (id) => (await pg('GET', CREDIT_PATHS.order(id))).body.loan));
    }

    const buyers = ctx.demoWallet.users.map((u) => ({ userId: u.userId, name: u.name, wallet: `${ctx.walletOrigin}/wallet/demo/${u.userId}` }));
    const page = shopPage(buyers, shopper.userId);
    const readBody = async (req: IncomingMessage) => {
      let s = '';
      for await (const c of req) {
        s += c;
        if (s.length > 10_000) throw new Error('too large');
      }
      return JSON.parse(s || '{}');
    };
    const send = (res: ServerResponse, status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const shop = createServer((req, res) => {
      void (async () => {
        try {
          if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" });
            return res.end(page);
          }
          if (req.method === 'GET' && req.url === '/api/orders') return send(res, 200, { orders: await orders() });
          if (req.method === 'POST' && req.url === '/api/orders') {
            const b = await readBody(req);
            const a = await order(String(b.buyer), b.picks ?? {}, Number(b.instalments), { name: String(b.name ?? ''), address: String(b.address ?? '') });
            return send(res, a.status, a.body);
          }
          const m = /^\/api\/orders\/([\w-]+)\/(capture|cancel|return|refund)$/.exec(req.url ?? '');
          if (req.method === 'POST' && m) {
            const b = await readBody(req);
            const a = await act(m[1]!, m[2] as CreditActionName, b.amount ? Number(b.amount) : undefined);
            return send(res, a.status, a.body);
          }
          send(res, 404, { code: 'NOT_FOUND', message: 'Not found.' });
        } catch (err) {
          send(res, 500, { code: 'INTERNAL', message: String((err as Error).message) });
        }
      })();
    });
    const port = Number(process.env.SHOP_PORT ?? (process.env.PORT === '0' ? 0 : 8083));
    await new Promise<void>((r) => shop.listen(port, '127.0.0.1', r));
    const shopUrl = `http://127.0.0.1:${(shop.address() as { port: number }).port}/`;

    return {
      lines: [
        `shop (merchant API client): ${shopUrl}`,
        `buyer with a credit line: ${shopper.name}, ${formatMoney({ amount: 500_000, currency: 'KRW' }, 'ko-KR')} (wallet: ${ctx.walletOrigin}/wallet/demo/${shopper.userId}, tab "Pay later")`,
        `merchant ${state.merchantId}; API: POST ${CREDIT_PATHS.orders} (see /openapi.json, tag credit)`,
        `kiosk: "Pay later" (${ctx.runtime.api?.kioskUrl ?? 'the kiosk'}), phone 010-3456-7890, then confirm in the shopper's wallet (Requests)`,
        'terminal: paylater <amount> [instalments]  |  paylater-ship <loanId>  |  paylater-refund <loanId> <amount>',
      ],
      commands: {
        paylater: {
          usage: 'paylater <amount> [instalments]: the shop orders for the shopper; confirm on the phone',
          async run(args) {
            const amount = Number(args[0] ?? 89_000);
            const message: CreditOrderMessage = {
              merchantId: state.merchantId,
              orderRef: 'cli-' + randomBytes(4).toString('hex'),
              buyer: { userId: shopper.userId },
              items: [{ name: 'Gift card', quantity: 1, amount }],
              amount,
              currency: 'KRW',
              delivery: { name: shopper.name, address: 'Seoul' },
              instalments: Number(args[1] ?? 3) as CreditOrderMessage['instalments'],
              iat: iat(),
            };
            const a = await pg('POST', CREDIT_PATHS.orders, { message: await sign(CREDIT_MESSAGE_TYPES.order, message) });
            if (a.status !== 201) return `refused: ${a.body.code}`;
            state.loans.unshift(a.body.loan.id);
            writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
            const l = a.body.loan;
            return l.state === 'declined' ? `loan ${l.id}: declined (${l.declineReason})` : `loan ${l.id}: approved ${l.approvalNumber}; confirm it on the phone (Requests)`;
          },
        },
        'paylater-ship': {
          usage: 'paylater-ship <loanId>: the shop ships (capture; the shop is paid less the fee)',
          async run(args) {
            const a = await act(String(args[0]), 'capture');
            return a.status === 200 ? `loan ${a.body.loan.id}: ${a.body.loan.state}, payout ${a.body.loan.payout}, fee ${a.body.loan.fee}` : `refused: ${a.body.code}`;
          },
        },
        'paylater-refund': {
          usage: 'paylater-refund <loanId> <amount>',
          async run(args) {
            const a = await act(String(args[0]), 'refund', Number(args[1]));
            return a.status === 200 ? `loan ${a.body.loan.id}: ${a.body.loan.state}, refunded ${a.body.loan.refunded}` : `refused: ${a.body.code}`;
          },
        },
      },
      async stop() {
        await new Promise<void>((r) => shop.close(() => r()));
      },
    };
  },
};

function shopPage(buyers: { userId: string; name: string; wallet: string }[], defaultBuyer: string): string {
  const data = JSON.stringify({ buyers, defaultBuyer, catalogue: CATALOGUE }).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>EdgePay demo mall</title>
<style>
body{font-family:system-ui,"Noto Sans KR",sans-serif;max-width:760px;margin:0 auto;padding:16px;color:#15202b;background:#f4f6f9}
section{background:#fff;border-radius:14px;padding:14px 16px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.06)}
label{display:block;margin:6px 0}input,select,button{font:inherit;padding:6px 10px}button{border-radius:10px;border:0;background:#2f6fed;color:#fff;font-weight:700;margin:2px;min-height:40px}
button.alt{background:#eef2ff;color:#2340a8}table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:6px;border-top:1px solid #e3e7ee;font-size:.92em}
#msg{font-weight:700}.mono{font-family:ui-monospace,monospace}
</style></head><body>
<h1>EdgePay demo mall</h1>
<p>Pay later: the shop asks EdgePay (the payment gateway) for approval within your limit; you confirm on your phone; you pay in interest-free instalments after delivery.</p>
<section><h2>Basket</h2><div id="products"></div>
<label>Buyer <select id="buyer"></select> <a id="wallet" target="_blank">open this buyer's wallet</a></label>
<label>Instalments <select id="inst"><option>1</option><option selected>3</option><option>4</option><option>6</option></select></label>
<label>Deliver to <input id="name" value="박서연"> <input id="address" size="30" value="서울 강남구 테헤란로 1"></label>
<button id="pay">Pay later</button> <span id="msg" role="status"></span></section>
<section><h2>Orders (the shop's side)</h2><table><thead><tr><th>Order</th><th>Amount</th><th>State</th><th>Approval</th><th>Payout / fee</th><th>Refunded</th><th></th></tr></thead><tbody id="orders"></tbody></table></section>
<script>
const D=${data};const won=n=>'₩'+n.toLocaleString('ko-KR');const $=id=>document.getElementById(id);
const qty={};for(const p of D.catalogue){qty[p.id]=p.id==='lamp'?1:0;const l=document.createElement('label');const i=document.createElement('input');i.type='number';i.min=0;i.max=5;i.value=qty[p.id];i.style.width='4em';i.dataset.product=p.id;i.oninput=()=>qty[p.id]=Number(i.value);l.append(i,' '+p.name+' '+won(p.price));$('products').append(l);}
for(const b of D.buyers){const o=document.createElement('option');o.value=b.userId;o.textContent=b.name;if(b.userId===D.defaultBuyer)o.selected=true;$('buyer').append(o);}
const setWallet=()=>{$('wallet').href=D.buyers.find(b=>b.userId===$('buyer').value).wallet};$('buyer').onchange=setWallet;setWallet();
async function post(path,body){const r=await fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body||{})});return {status:r.status,body:await r.json()}}
$('pay').onclick=async()=>{$('msg').textContent='asking for approval…';const a=await post('/api/orders',{buyer:$('buyer').value,picks:qty,instalments:Number($('inst').value),name:$('name').value,address:$('address').value});
 if(a.status!==201){$('msg').textContent='Refused: '+a.body.code;return}const l=a.body.loan;$('msg').textContent=l.state==='declined'?'Declined ('+l.declineReason+')':'Approved '+l.approvalNumber+': confirm it on your phone (Requests).';load()};
async function act(id,action){let body={};if(action==='refund'){const v=prompt('Refund how much (₩)?');if(!v)return;body={amount:Number(v)}}const a=await post('/api/orders/'+id+'/'+action,body);$('msg').textContent=a.status===200?action+': '+a.body.loan.state:action+' refused: '+a.body.code;load()}
async function load(){const r=await fetch('/api/orders');const {orders}=await r.json();const tb=$('orders');tb.textContent='';
 for(const o of orders){const tr=document.createElement('tr');tr.dataset.loanId=o.id;tr.dataset.state=o.state;for(const v of [o.orderRef,won(o.amount)+' · '+o.instalments+'x',o.state+(o.returnPending?' (return pending)':''),o.approvalNumber||o.declineReason||'',o.payout?won(o.payout)+' / '+won(o.fee):'',o.refunded?won(o.refunded):'']){const td=document.createElement('td');td.textContent=v;tr.append(td)}
 const td=document.createElement('td');for(const [a,label] of [['capture','Ship'],['cancel','Cancel'],['return','Return reported'],['refund','Refund…']]){const b=document.createElement('button');b.className='alt';b.textContent=label;b.onclick=()=>act(o.id,a);td.append(b)}tr.append(td);tb.append(tr)}}
load();setInterval(load,2000);
</script></body></html>`;
}
