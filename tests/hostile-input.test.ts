/**
 * The issue-25 examples, one by one, against a real server (the fuzzer in
 * tests/fuzz.test.ts covers the class): each is a 4xx with a stable code,
 * nothing of it is stored, and no card number reaches an answer or the log.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCardNumbers, uuidV7 } from '../core/index.ts';
import { startServer, serverTesting, type RunningServer } from '../server/index.ts';
import { adminClient } from './support/admin.ts';
import { until } from './support/wait.ts';

const ADMIN = 'hostile-admin-token-0123456789';
const SITE = 'hostile-site';
const PAN = '4111111111111111';

describe('hostile input to the server (issue 25)', () => {
  let root: string;
  let server: RunningServer;
  let logFile: string;
  let credential: string;
  let gatewayId: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-hostile-'));
    logFile = join(root, 'server.log');
    server = await startServer({ adminToken: ADMIN, port: 0, logger: { level: 'debug', file: logFile }, sandbox: { latencyMs: [0, 1] }, forwarder: false });
    const gw = await adminClient(server.url, ADMIN)('/admin/gateways', { siteId: SITE, name: 'hostile' });
    credential = gw.credential;
    gatewayId = gw.gatewayId;
  });
  after(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: 'Bearer ' + credential, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: body as BodyInit } : {}),
    });
    const text = await res.text();
    assert.deepEqual(findCardNumbers(text), [], `the answer echoes no card number: ${text}`);
    return { status: res.status, body: JSON.parse(text || 'null') as { code?: string; payment?: { status: string } } };
  };
  const payment = (overrides: Record<string, unknown> = {}) => {
    const { _deleted, ...p } = serverTesting.testPayment(SITE, gatewayId);
    // The history entry's time is the payment's own createdAt (a second clock reading could fall in the next millisecond, which the server refuses).
    return { ...p, token: 'tok_hostile_approve_01', status: 'created', statusHistory: [{ status: 'created', at: p.createdAt, by: 'gateway' }], offline: false, ...overrides };
  };
  const push = (doc: object) => call('POST', '/sync/payments/1/push', JSON.stringify([{ newDocumentState: { ...doc, _deleted: false } }]));
  const authorise = (p: unknown, key = uuidV7()) => call('POST', '/payments/authorise', JSON.stringify({ payment: p }), { 'idempotency-key': key });
  const count = async (table: string) => Number((await server.db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n);

  it('answers 4xx, not 500, to deep JSON, lwt 1e400, NUL, a lone surrogate and invalid UTF-8', async () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    assert.equal((await call('POST', '/sync/payments/1/push', deep)).body.code, 'REQUEST_TOO_DEEP');
    assert.equal((await call('POST', '/payments/authorise', `{"payment":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`, { 'idempotency-key': uuidV7() })).body.code, 'REQUEST_TOO_DEEP');
    const lwt = await call('GET', '/sync/payments/1/pull?lwt=1e400&id=x');
    assert.ok(lwt.status >= 400 && lwt.status < 500, JSON.stringify(lwt));
    assert.equal((await call('GET', '/admin/audit?limit=1e400', undefined, { authorization: 'Bearer ' + ADMIN })).body.code, 'REQUEST_INVALID_TEXT');
    assert.equal((await call('POST', '/sync/payments/1/push', '[{"newDocumentState":{"id":"x","lwt":1e400}}]')).body.code, 'REQUEST_INVALID_TEXT');
    const p = payment();
    // A push is checked document by document (one bad row is refused alone and set aside by
    // the gateway, tests/poisoned-document.test.ts): the collection's text rule answers.
    const nul = JSON.stringify([{ newDocumentState: { ...p, _deleted: false, lineItems: [{ ...p.lineItems![0], name: 'Sn\u0000ack' }] } }]);
    assert.equal((await call('POST', '/sync/payments/1/push', nul)).body.code, 'DOCUMENT_TEXT_INVALID');
    const lone = JSON.stringify([{ newDocumentState: { ...p, _deleted: false, lineItems: [{ ...p.lineItems![0], name: 'Sn\ud800ack' }] } }]);
    assert.equal((await call('POST', '/sync/payments/1/push', lone)).body.code, 'DOCUMENT_TEXT_INVALID');
    const bytes = Buffer.from(JSON.stringify([{ newDocumentState: { ...p, lineItems: [{ ...p.lineItems![0], name: 'SnXack' }] } }]));
    bytes[bytes.indexOf('SnXack') + 2] = 0xff;
    assert.equal((await call('POST', '/sync/payments/1/push', new Uint8Array(bytes))).body.code, 'REQUEST_INVALID_TEXT');
    assert.equal(await count("documents WHERE collection = 'payments'"), 0, 'none of it stored');
  });

  it('refuses loose types: an amount as a string, an unknown field, 2^53-1 KRW', async () => {
    const paid = await authorise(payment());
    assert.equal(paid.status, 200, JSON.stringify(paid));
    const id = (paid.body.payment as unknown as { id: string }).id;
    const refund = (body: unknown) => call('POST', `/payments/${id}/refund`, JSON.stringify(body), { 'idempotency-key': uuidV7() });
    assert.equal((await refund({ amount: '100' })).body.code, 'REQUEST_INVALID');
    assert.equal((await refund({ amount: 100, note: 'x' })).body.code, 'REQUEST_INVALID');
    assert.equal((await call('POST', '/payments/authorise', JSON.stringify({ payment: payment(), extra: 1 }), { 'idempotency-key': uuidV7() })).body.code, 'REQUEST_INVALID');
    assert.equal((await authorise(payment({ amount: 2 ** 53 - 1, lineItems: [] }))).body.code, 'MONEY_TOO_LARGE');
    assert.equal(await count("audit_log WHERE action LIKE '%refund%'"), 0, 'no refund carried out');
  });

  it('refuses card numbers wherever they hide, stores none of them, and logs none', async () => {
    const before = { keys: await count('idempotency_keys'), audit: await count('audit_log'), docs: await count('documents') };
    for (const hidden of [`tok_${PAN}`, `Visa${PAN}`, `${PAN}A`, '4111.1111.1111.1111', '4111-1111-1111-1111', '4111 1111 1111 1111']) {
      assert.equal((await authorise(payment({ token: hidden }))).body.code, 'CARD_DATA_REFUSED', hidden);
      assert.equal((await push({ ...payment(), lineItems: [{ productId: 'p', name: hidden, quantity: 1, unitAmount: 2500, lineAmount: 2500 }] })).body.code, 'CARD_DATA_REFUSED', hidden);
      assert.equal((await authorise(payment(), hidden)).body.code, 'CARD_DATA_REFUSED', `Idempotency-Key ${hidden}`);
    }
    assert.equal((await call('POST', `/payments/${PAN}/void`, undefined, { 'idempotency-key': uuidV7() })).body.code, 'CARD_DATA_REFUSED');
    assert.equal((await call('GET', `/sync/payments/1/pull?id=${PAN}&lwt=1`)).body.code, 'CARD_DATA_REFUSED');
    assert.equal((await call('GET', `/nowhere/Visa${PAN}?q=tok_${PAN}`)).body.code, 'CARD_DATA_REFUSED');
    assert.equal((await call('POST', '/sync/payments/1/push', JSON.stringify([{ newDocumentState: { ...payment(), [`n${PAN}`]: 1 } }]))).body.code, 'CARD_DATA_REFUSED', 'a key');
    assert.deepEqual({ keys: await count('idempotency_keys'), audit: await count('audit_log'), docs: await count('documents') }, before, 'nothing stored');
    // The log is written asynchronously: wait for the last refused URL's line.
    await until('the URLs logged, redacted', async () => readFileSync(logFile, 'utf8').includes('/nowhere/Visa[card number]?q=tok_[card number]'));
    const log = readFileSync(logFile, 'utf8');
    if (process.env.DEBUG_LOG) for (const line of log.split('\n')) if (findCardNumbers(line).length) console.error('LOG>', line.slice(0, 600));
    assert.deepEqual(findCardNumbers(log), [], 'no card number in the log');
  });
});
