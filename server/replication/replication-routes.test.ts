/**
 * The replication routes over real HTTP, on PGlite and on PostgreSQL:
 * enrolment and authentication, pull/push/conflicts, field ownership,
 * hostile and malformed requests (always 4xx, nothing stored), the live
 * stream, revocation, health, metrics and the OpenAPI description.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { edgePayCollections, uuidV7, type PaymentDoc } from '../../core/index.ts';
import { testPayment } from '../testing/payments.ts';
import { startServer, type RunningServer } from '../index.ts';
import { freshPostgres, pglite, type TestDatabase } from '../testing/databases.ts';

const ADMIN = 'test-admin-token-0123456789';

type Client = { gatewayId: string; siteId: string; credential: string };

for (const which of ['pglite', 'postgres'] as const) {
  describe(`replication routes on ${which}`, () => {
    let server: RunningServer;
    let database: TestDatabase;
    let a1: Client;
    let a2: Client;
    let b1: Client;

    const call = async (path: string, init: RequestInit & { token?: string } = {}) => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', 'Bearer ' + init.token);
      if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
      const res = await fetch(server.url + path, { ...init, headers });
      const text = await res.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    };
    const enrol = async (siteId: string): Promise<Client> => {
      const r = await call('/admin/gateways', { method: 'POST', token: ADMIN, body: JSON.stringify({ siteId, name: 'kiosk ' + siteId }) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    // Each collection at its current schema version unless a case names another.
    const versionOf = (collection: string) => (edgePayCollections.has(collection) ? edgePayCollections.get(collection).schema.version : 0);
    const pushRows = (c: Client, rows: unknown, collection = 'payments', version = versionOf(collection)) =>
      call(`/sync/${collection}/${version}/push`, { method: 'POST', token: c.credential, body: JSON.stringify(rows) });
    const pullAll = async (c: Client, collection = 'payments', version = versionOf(collection)) => {
      const docs: any[] = [];
      let cp: any = null;
      for (;;) {
        const q = cp ? `?id=${encodeURIComponent(cp.id)}&lwt=${cp.lwt}&limit=7` : '?limit=7';
        const r = await call(`/sync/${collection}/${version}/pull${q}`, { token: c.credential });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        if (r.body.documents.length === 0) return docs;
        docs.push(...r.body.documents);
        cp = r.body.checkpoint;
      }
    };

    before(async () => {
      database = which === 'pglite' ? pglite() : await freshPostgres();
      // No forwarder: these tests change payments themselves and need them to stay as pushed.
      server = await startServer({ ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}), adminToken: ADMIN, forwarder: false });
      a1 = await enrol('site-a');
      a2 = await enrol('site-a');
      b1 = await enrol('site-b');
    });
    after(async () => {
      await server?.close();
      await database?.drop();
    });

    it('answers health, metrics and an OpenAPI description of every route', async () => {
      const health = await call('/healthz');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      const openapi = await call('/openapi.json');
      assert.equal(openapi.status, 200);
      for (const path of ['/sync/{collection}/{version}/pull', '/sync/{collection}/{version}/push', '/sync/{collection}/{version}/pullStream', '/admin/gateways', '/healthz', '/metrics']) {
        assert.ok(openapi.body.paths[path], 'OpenAPI has ' + path);
      }
      const metrics = await call('/metrics');
      assert.match(String(metrics.body), /edgepay_http_requests_total/);
    });

    it('stores a pushed payment once, stamps its receipt, and serves it to the site only', async () => {
      const p = testPayment('site-a', a1.gatewayId);
      const first = await pushRows(a1, [{ newDocumentState: p }]);
      assert.equal(first.status, 200);
      assert.deepEqual(first.body, []);
      // The same push again (a retry after a lost answer) is a conflict, not a second payment.
      const again = await pushRows(a1, [{ newDocumentState: p }]);
      assert.equal(again.body.length, 1);
      assert.equal(again.body[0].id, p.id);
      assert.ok(again.body[0].serverUpdatedAt, 'server stamped its receipt');

      const seenByA2 = await pullAll(a2);
      assert.deepEqual(seenByA2.filter((d) => d.id === p.id).length, 1);
      const seenByB = await pullAll(b1);
      assert.equal(seenByB.length, 0, 'another site sees none of it');
    });

    it('refuses without a valid credential', async () => {
      for (const token of [undefined, 'nonsense', a1.credential.slice(0, -2) + 'xx']) {
        const r = await call('/sync/payments/1/pull', token ? { token } : {});
        assert.equal(r.status, 401);
        assert.equal(r.body.code, 'AUTH_REQUIRED');
      }
      const admin = await call('/admin/gateways', { method: 'POST', token: 'wrong', body: JSON.stringify({ siteId: 'x', name: 'y' }) });
      assert.equal(admin.status, 401);
    });

    it('refuses hostile pushes with a stable code and stores nothing of them', async () => {
      const before = (await pullAll(a1)).length;
      const good = testPayment('site-a', a1.gatewayId);
      const cases: [string, unknown, number, string][] = [
        ['another site', [{ newDocumentState: testPayment('site-b', a1.gatewayId) }], 403, 'PAYMENT_FOREIGN_WRITER'],
        ['as another gateway', [{ newDocumentState: testPayment('site-a', a2.gatewayId) }], 403, 'PAYMENT_FOREIGN_WRITER'],
        ['server-owned field', [{ newDocumentState: testPayment('site-a', a1.gatewayId, { approvalCode: 'X1' }) }], 403, 'PAYMENT_FIELD_NOT_WRITABLE'],
        ['status decided by gateway', [{ newDocumentState: testPayment('site-a', a1.gatewayId, { status: 'captured' }) }], 403, 'PAYMENT_INITIAL_STATE_INVALID'],
        ['schema break', [{ newDocumentState: { ...testPayment('site-a', a1.gatewayId), amount: 'lots' } }], 400, 'SCHEMA_VALIDATION'],
        ['card number field', [{ newDocumentState: { ...testPayment('site-a', a1.gatewayId), pan: '4111111111111111' } }], 400, 'CARD_DATA_REFUSED'],
        [
          'card number in a line',
          [{ newDocumentState: testPayment('site-a', a1.gatewayId, { lineItems: [{ name: 'card 4111 1111 1111 1111', quantity: 1, unitAmount: 3000, lineAmount: 3000 }] }) }],
          400,
          'CARD_DATA_REFUSED',
        ],
        ['card number as token', [{ newDocumentState: testPayment('site-a', a1.gatewayId, { token: '5555555555554444' }) }], 400, 'CARD_DATA_REFUSED'],
        ['one bad row spoils the batch', [{ newDocumentState: good }, { newDocumentState: testPayment('site-b', a1.gatewayId) }], 403, 'PAYMENT_FOREIGN_WRITER'],
        // Core's text rules (issue 25): a NUL or a lone surrogate once reached PostgreSQL's jsonb and came back as a 500.
        [
          'NUL in an item name',
          [{ newDocumentState: testPayment('site-a', a1.gatewayId, { lineItems: [{ name: 'tea\u0000', quantity: 1, unitAmount: 3000, lineAmount: 3000 }] }) }],
          400,
          'DOCUMENT_TEXT_INVALID',
        ],
        [
          'lone surrogate in an item name',
          [{ newDocumentState: testPayment('site-a', a1.gatewayId, { lineItems: [{ name: 'cake \ud83c', quantity: 1, unitAmount: 3000, lineAmount: 3000 }] }) }],
          400,
          'DOCUMENT_TEXT_INVALID',
        ],
        ['NUL in a free-form key', [{ newDocumentState: testPayment('site-a', a1.gatewayId, { details: { x: { ['k\u0000']: 'v' } } } as never) }], 400, 'DOCUMENT_TEXT_INVALID'],
        [
          'catalogue write',
          [
            {
              newDocumentState: {
                id: 'p1',
                siteId: 'site-a',
                sku: 'X',
                barcode: '',
                name: 'x',
                price: { amount: 1, currency: 'KRW' },
                active: true,
                updatedAt: new Date().toISOString(),
                _deleted: false,
              },
            },
          ],
          403,
          'COLLECTION_READ_ONLY',
        ],
      ];
      for (const [name, rows, status, code] of cases) {
        const collection = name === 'catalogue write' ? 'products' : 'payments';
        const r = await pushRows(a1, rows, collection);
        assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, code, name);
      }
      assert.equal((await pullAll(a1)).length, before, 'nothing of the refused pushes was stored');
      assert.equal((await pullAll(a1, 'products')).length, 0);
    });

    it('lists every refused row of a push by index and reason, quoting none of its text, and writes none of the push', async () => {
      const before = (await pullAll(a1)).length;
      const line = (name: string) => ({ lineItems: [{ name, quantity: 1, unitAmount: 3000, lineAmount: 3000 }] });
      const rows = [
        { newDocumentState: testPayment('site-a', a1.gatewayId) },
        { newDocumentState: testPayment('site-a', a1.gatewayId, line('tea\u0000')) },
        { newDocumentState: testPayment('site-a', a1.gatewayId) },
        { newDocumentState: testPayment('site-a', a1.gatewayId, line('card 4111 1111 1111 1111')) },
        { newDocumentState: testPayment('site-a', a1.gatewayId, { approvalCode: 'X1' }) },
      ];
      const r = await pushRows(a1, rows);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.code, 'DOCUMENT_TEXT_INVALID', "the first refused row's code");
      assert.deepEqual(
        r.body.details.refused.map((x: any) => [x.row, x.code, x.path ?? x.field, x.reason]),
        [
          [1, 'DOCUMENT_TEXT_INVALID', '/lineItems/0/name', 'NUL character'],
          [3, 'CARD_DATA_REFUSED', '/lineItems/0/name', 'card number'],
          [4, 'PAYMENT_FIELD_NOT_WRITABLE', 'approvalCode', undefined],
        ],
      );
      const answer = JSON.stringify(r.body);
      assert.ok(!answer.includes('4111') && !answer.includes('\\u0000'), 'no text of the refused rows comes back');
      assert.ok(!rows.some((row) => answer.includes(row.newDocumentState.id as string)), 'no id is echoed: rows are named by index');
      assert.equal((await pullAll(a1)).length, before, 'nothing of the push was written');
      // The rest, sent again without the refused rows, is taken.
      assert.equal((await pushRows(a1, [rows[0], rows[2]])).status, 200);
      assert.equal((await pullAll(a1)).length, before + 2);
    });

    it('takes enrolments at schema version 1 with one keypoint set per view, and refuses the rest', async () => {
      const enrolment = (overrides: Record<string, unknown> = {}) => ({
        id: uuidV7(),
        siteId: 'site-a',
        productId: 'p-1',
        modelId: 'm',
        dims: 2,
        embeddings: [
          [1, 0],
          [0, 1],
          [0.6, 0.8],
        ],
        keypoints: ['orb1.AAA=', 'orb1.AAA=', 'orb1.AAA='],
        createdAt: '2026-12-01T10:00:00.000Z',
        createdBy: a1.gatewayId,
        _deleted: false,
        ...overrides,
      });
      const cases: [string, unknown, number, string, number][] = [
        ['an old client (version 0)', [{ newDocumentState: enrolment() }], 426, 'SCHEMA_VERSION_OUTDATED', 0],
        ['keypoints for fewer views', [{ newDocumentState: enrolment({ keypoints: ['orb1.AAA='] }) }], 400, 'SCHEMA_VALIDATION', 1],
        [
          'keypoints for other views',
          [
            {
              newDocumentState: enrolment({
                embeddings: [
                  [1, 0],
                  [0, 1],
                  [0.6, 0.8],
                  [0.8, 0.6],
                ],
              }),
            },
          ],
          400,
          'ENROLMENT_INVALID',
          1,
        ],
        ['keypoints that are not the encoding', [{ newDocumentState: enrolment({ keypoints: ['orb1.AAA=', 'orb1.AAA=', 'not base64!'] }) }], 400, 'SCHEMA_VALIDATION', 1],
      ];
      for (const [name, rows, status, code, version] of cases) {
        const r = await pushRows(a1, rows, 'enrolments', version);
        assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, code, name);
      }
      assert.equal((await pullAll(a1, 'enrolments', 1)).length, 0, 'nothing of the refused pushes was stored');
      const good = enrolment();
      assert.deepEqual((await pushRows(a1, [{ newDocumentState: good }], 'enrolments', 1)).body, []);
      const [stored] = await pullAll(a2, 'enrolments', 1);
      assert.deepEqual(stored.keypoints, good.keypoints);
    });

    it('refuses to change an accepted payment: immutable and server-owned fields', async () => {
      const p = testPayment('site-a', a1.gatewayId);
      assert.equal((await pushRows(a1, [{ newDocumentState: p }])).status, 200);
      const [master] = (await pullAll(a1)).filter((d) => d.id === p.id);
      const cases: [Partial<PaymentDoc>, string][] = [
        [{ amount: 1 }, 'PAYMENT_IMMUTABLE_FIELD'],
        [{ status: 'captured' }, 'PAYMENT_FIELD_NOT_WRITABLE'],
      ];
      for (const [change, code] of cases) {
        const r = await pushRows(a1, [{ assumedMasterState: master, newDocumentState: { ...master, ...change } }]);
        assert.equal(r.status, 403, JSON.stringify(r.body));
        assert.equal(r.body.code, code);
      }
      const del = await pushRows(a1, [{ assumedMasterState: master, newDocumentState: { ...master, _deleted: true } }]);
      assert.equal(del.body.code, 'PAYMENT_DELETE_FORBIDDEN');
      const [after] = (await pullAll(a1)).filter((d) => d.id === p.id);
      assert.deepEqual(after, master);
    });

    it('answers malformed requests with 4xx and a code, never 5xx', async () => {
      const cases: [string, RequestInit & { token?: string }, number, string][] = [
        ['/sync/payments/1/push', { method: 'POST', token: a1.credential, body: '{not json' }, 400, 'REQUEST_BAD_JSON'],
        ['/sync/payments/1/push', { method: 'POST', token: a1.credential, body: JSON.stringify({ rows: [] }) }, 400, 'REQUEST_INVALID'],
        ['/sync/payments/1/push', { method: 'POST', token: a1.credential, body: JSON.stringify([{ nope: 1 }]) }, 400, 'REQUEST_INVALID'],
        ['/sync/payments/1/push', { method: 'POST', token: a1.credential, body: JSON.stringify([{ newDocumentState: 'str' }]) }, 400, 'REQUEST_INVALID'],
        ['/sync/payments/1/push', { method: 'POST', token: a1.credential, body: 'x'.repeat(5 * 1024 * 1024) }, 413, 'REQUEST_TOO_LARGE'],
        ['/sync/payments/1/push', { method: 'POST', token: a1.credential, body: '[]', headers: { 'content-type': 'text/plain' } }, 415, 'REQUEST_UNSUPPORTED_MEDIA_TYPE'],
        ['/sync/payments/1/pull?limit=abc', { token: a1.credential }, 400, 'REQUEST_INVALID'],
        ['/sync/payments/1/pull?limit=100000', { token: a1.credential }, 400, 'REQUEST_INVALID'],
        ['/sync/payments/1/pull?lwt=-1', { token: a1.credential }, 400, 'REQUEST_INVALID'],
        ['/sync/nothing/0/pull', { token: a1.credential }, 404, 'UNKNOWN_COLLECTION'],
        ['/sync/payments/x/pull', { token: a1.credential }, 400, 'REQUEST_INVALID'],
        ['/sync/payments/7/pull', { token: a1.credential }, 404, 'SCHEMA_VERSION_UNKNOWN'],
        ['/no/such/route', {}, 404, 'NOT_FOUND'],
      ];
      for (const [path, init, status, code] of cases) {
        const r = await call(path, init);
        assert.equal(r.status, status, `${path} ${String(init.body).slice(0, 30)}: ${JSON.stringify(r.body).slice(0, 200)}`);
        assert.equal(r.body.code, code, path);
      }
    });

    it('streams changes live and ends the stream at once when the credential is revoked', async () => {
      const gw = await enrol('site-a');
      const controller = new AbortController();
      const res = await fetch(server.url + '/sync/payments/1/pullStream', {
        headers: { authorization: 'Bearer ' + gw.credential },
        signal: controller.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const nextEvent = async (): Promise<any> => {
        for (;;) {
          const end = buffer.indexOf('\n\n');
          if (end >= 0) {
            const chunk = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = chunk.split('\n').find((l) => l.startsWith('data: '));
            if (data) return JSON.parse(data.slice(6));
            continue;
          }
          const { value, done } = await reader.read();
          if (done) return 'END';
          buffer += decoder.decode(value, { stream: true });
        }
      };
      assert.equal(await nextEvent(), 'RESYNC');
      const p = testPayment('site-a', a1.gatewayId);
      await pushRows(a1, [{ newDocumentState: p }]);
      const event = await nextEvent();
      assert.deepEqual(
        event.documents.map((d: any) => d.id),
        [p.id],
      );
      assert.ok(event.checkpoint.lwt > 0);

      const revoke = await call(`/admin/gateways/${gw.gatewayId}/revoke`, { method: 'POST', token: ADMIN });
      assert.equal(revoke.status, 200);
      assert.equal(await nextEvent(), 'END', 'the stream ends on revocation');
      const after = await call('/sync/payments/1/pull', { token: gw.credential });
      assert.equal(after.status, 401);
      controller.abort();
    });
  });
}
