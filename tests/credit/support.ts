/**
 * The credit tests' parties: a merchant (its credential and its own ES256
 * key, signing each order and action as the PG requires), a phone (a wallet
 * session by the demo sign-in, cookie and CSRF token), and the admin.
 */
import { randomBytes } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { CREDIT_MESSAGE_TYPES, CREDIT_PATHS, PAYMENT_REQUEST_PATHS, type CreditActionName, type CreditOrderMessage } from '../../core/index.ts';

export type Answer = { status: number; body: any; headers: Headers };

export async function http(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

export const ADMIN_TOKEN = 'credit-admin-token-0123456789';

export async function admin(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const a = await http(base + path, method, body, { authorization: `Bearer ${ADMIN_TOKEN}` });
  if (a.status >= 300) throw new Error(`${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body;
}

let keyCounter = 0;
/** An Idempotency-Key of letters (digit runs, of a timestamp or of hex, can look like a card number to the server's guard). */
export const newKey = () => 'idem-' + Array.from(randomBytes(20), (b) => String.fromCharCode(97 + (b % 26))).join('');

export class Merchant {
  private constructor(
    readonly merchantId: string,
    readonly credential: string,
    readonly privateKey: CryptoKey,
    public base: string,
  ) {}

  /** Enrols a merchant (admin) and registers its signing key. */
  static async create(base: string, name: string): Promise<Merchant> {
    const { merchantId, credential } = await admin(base, 'POST', '/admin/merchants', { name });
    const pair = await generateKeyPair('ES256', { extractable: true });
    const m = new Merchant(merchantId, credential, pair.privateKey, base);
    const reg = await http(base + CREDIT_PATHS.merchantKey, 'PUT', { jwk: await exportJWK(pair.publicKey) }, m.auth());
    if (reg.status !== 200) throw new Error('merchant key: ' + JSON.stringify(reg.body));
    return m;
  }

  auth(): Record<string, string> {
    return { authorization: `Bearer ${this.credential}` };
  }

  async sign(typ: string, payload: object, key: CryptoKey = this.privateKey, kid = this.merchantId): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ, kid }).sign(key);
  }

  orderMessage(buyerUserId: string, amount: number, extra: Partial<CreditOrderMessage> = {}): CreditOrderMessage {
    return {
      merchantId: this.merchantId,
      orderRef: 'order-' + ++keyCounter,
      buyer: { userId: buyerUserId },
      items: [{ name: 'Desk lamp', quantity: 1, amount }],
      amount,
      currency: 'KRW',
      delivery: { name: '박서연', address: '서울 강남구 테헤란로 1' },
      instalments: 3,
      iat: Math.floor(Date.now() / 1000),
      ...extra,
    };
  }

  async order(message: CreditOrderMessage | string, key = newKey()): Promise<Answer> {
    const jws = typeof message === 'string' ? message : await this.sign(CREDIT_MESSAGE_TYPES.order, message);
    return http(this.base + CREDIT_PATHS.orders, 'POST', { message: jws }, { ...this.auth(), 'idempotency-key': key });
  }

  async act(loanId: string, action: CreditActionName, amount?: number, key = newKey()): Promise<Answer> {
    const jws = await this.sign(CREDIT_MESSAGE_TYPES.action, { merchantId: this.merchantId, loanId, action, ...(amount !== undefined ? { amount } : {}), iat: Math.floor(Date.now() / 1000) });
    return http(this.base + CREDIT_PATHS.action(loanId, action), 'POST', { message: jws }, { ...this.auth(), 'idempotency-key': key });
  }

  async loan(loanId: string): Promise<any> {
    const a = await http(this.base + CREDIT_PATHS.order(loanId), 'GET', undefined, this.auth());
    if (a.status !== 200) throw new Error('loan: ' + JSON.stringify(a.body));
    return a.body.loan;
  }
}

export class Phone {
  cookie = '';
  csrf = '';
  constructor(
    readonly base: string,
    readonly userId: string,
  ) {}

  async signIn(): Promise<void> {
    const a = await this.req('POST', '/wallet/api/demo/sign-in', { userId: this.userId });
    if (a.status !== 200) throw new Error('sign-in: ' + JSON.stringify(a.body));
  }

  async req(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' && this.csrf ? { 'x-csrf-token': this.csrf } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (json?.csrfToken) this.csrf = json.csrfToken;
    return { status: res.status, body: json, headers: res.headers };
  }

  approve(requestId: string, password = '123456'): Promise<Answer> {
    return this.req('POST', PAYMENT_REQUEST_PATHS.phoneApprove(requestId), { proof: { method: 'password', password } });
  }
  decline(requestId: string): Promise<Answer> {
    return this.req('POST', PAYMENT_REQUEST_PATHS.phoneDecline(requestId));
  }
  async credit(): Promise<any> {
    const a = await this.req('GET', CREDIT_PATHS.walletLoans);
    if (a.status !== 200) throw new Error('credit: ' + JSON.stringify(a.body));
    return a.body;
  }
  delivered(loanId: string): Promise<Answer> {
    return this.req('POST', CREDIT_PATHS.walletDelivered(loanId));
  }
  pay(loanId: string, seq: number): Promise<Answer> {
    return this.req('POST', CREDIT_PATHS.walletPay(loanId, seq));
  }
}
