/**
 * Requests to pay over real HTTP with real SSE clients, on PGlite and
 * PostgreSQL: a request reaches the phones of a unit live; approve (with a
 * signature over the binding, so an altered or replayed approval fails);
 * decline; cancel; expiry; a dropped stream resumed with Last-Event-ID;
 * a non-recipient refused; two phones answering at once give one decision;
 * idempotent creation; merchants.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshPostgres, pglite, type TestDatabase } from '../testing/databases.ts';
import { canonicalPaymentRequestBinding } from '../../core/index.ts';
import { createPaymentRequest } from './index.ts';
import { openSse, TestWallet } from './testing.ts';
import { enrolTestGateway, enrolTestMerchant, startPayreqServer, TEST_ADMIN_TOKEN, type PayreqServer } from './test-server.ts';

const UNIT = { buildingId: 'bldg-a', unit: '1203' };

for (const which of ['pglite', 'postgres'] as const) {
  describe(`requests to pay on ${which}`, () => {
    let database: TestDatabase;
    let server: PayreqServer;
    let wallet: TestWallet;
    let gw: { gatewayId: string; siteId: string; credential: string };
    let merchant: { merchantId: string; name: string; credential: string };
    let keyCounter = 0;

    before(async () => {
      database = which === 'pglite' ? pglite() : await freshPostgres();
      wallet = new TestWallet();
      wallet.addUser('alice', UNIT);
      wallet.addUser('bob', UNIT);
      wallet.addUser('carol');
      // A short keepalive: a phone's session is checked again at each one.
      server = await startPayreqServer({ ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}), wallet, keepaliveMs: 300 });
      gw = await enrolTestGateway(server.url, 'site-lobby');
      merchant = await enrolTestMerchant(server.url, 'Corner Mall');
    });
    after(async () => {
      await server?.close();
      await database?.drop();
    });

    const body = (over: Record<string, unknown> = {}) => ({
      to: UNIT,
      amount: 32_000,
      currency: 'KRW',
      payee: { id: 'payee-chicken', name: 'Chicken House' },
      items: [{ name: 'Fried chicken', quantity: 1, amount: 32_000 }],
      place: 'Lobby, Building A',
      // Longer than the suite takes even on a slow machine, so no request of one test expires during another.
      ttlSeconds: 900,
      ...over,
    });
    const create = async (over: Record<string, unknown> = {}, credential = gw.credential, key = `key-${which}-${++keyCounter}`) => {
      const res = await fetch(server.url + '/v1/payment-requests', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + credential, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body(over)),
      });
      return { status: res.status, json: (await res.json()) as any, replayed: res.headers.get('idempotent-replayed') };
    };
    const phone = async (user: string, path: string, payload?: unknown) => {
      const res = await fetch(server.url + path, {
        method: payload === undefined ? 'GET' : 'POST',
        headers: { ...wallet.headers(user), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const approve = (user: string, id: string, binding: { requestId: string; amount: number; currency: string; payeeId: string }) =>
      phone(user, `/wallet/api/requests/${id}/approve`, { proof: wallet.proof(user, binding) });
    const bindingOf = (r: any) => ({ requestId: r.id, amount: r.amount, currency: r.currency, payeeId: r.payee.id });
    const requesterGet = async (id: string, credential = gw.credential) => {
      const res = await fetch(server.url + '/v1/payment-requests/' + id, { headers: { authorization: 'Bearer ' + credential } });
      return { status: res.status, json: (await res.json()) as any };
    };
    const phoneStream = (user: string, lastEventId?: string) =>
      openSse(server.url + '/wallet/api/requests/stream', { ...wallet.headers(user), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
    const requesterStream = (credential = gw.credential) => openSse(server.url + '/v1/payment-requests/stream', { authorization: 'Bearer ' + credential });

    it('a new request reaches every phone of the unit live; approving tells the requester live, the other phone learns it, a second answer changes nothing', async () => {
      const alice = await phoneStream('alice');
      const bob = await phoneStream('bob');
      const requester = await requesterStream();
      for (const s of [alice, bob, requester]) assert.equal((await s.next()).event, 'ready');

      const created = await create({ ttlSeconds: undefined });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const r = created.json.request;
      assert.equal(r.state, 'pending');
      assert.equal(Date.parse(r.expiresAt) - Date.parse(r.createdAt), 120_000, 'default lifetime 2 minutes');

      const seen = await alice.next((e) => e.event === 'request');
      assert.equal(seen.data.request.id, r.id);
      assert.equal(seen.data.request.payee.name, 'Chicken House');
      assert.deepEqual(seen.data.request.items, [{ name: 'Fried chicken', quantity: 1, amount: 32_000 }]);
      assert.equal(seen.data.request.place, 'Lobby, Building A');
      assert.equal(seen.id, String(seen.data.seq), 'id: on the event is its seq');
      assert.equal((await bob.next((e) => e.event === 'request')).data.request.id, r.id);
      assert.equal((await requester.next((e) => e.event === 'request')).data.request.id, r.id);

      const listed = await phone('bob', '/wallet/api/requests');
      assert.ok(listed.json.requests.some((x: any) => x.id === r.id));

      const verifiedBefore = wallet.verified.length;
      const ok = await approve('alice', r.id, bindingOf(r));
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      assert.equal(ok.json.request.state, 'approved');
      assert.equal(ok.json.request.approvalMethod, 'passkey');
      assert.equal(ok.json.request.answeredByYou, true);
      assert.deepEqual(wallet.verified[verifiedBefore], bindingOf(r), 'the verifier got the binding from the database');

      const outcome = await requester.next((e) => e.event === 'outcome');
      assert.equal(outcome.data.request.id, r.id);
      assert.equal(outcome.data.request.state, 'approved');
      assert.equal(outcome.data.request.approvalMethod, 'passkey');
      assert.equal(outcome.data.request.answeredBy, undefined, 'the requester never learns who answered');
      const bobSees = await bob.next((e) => e.event === 'resolved');
      assert.equal(bobSees.data.request.state, 'approved');
      assert.equal(bobSees.data.request.answeredByYou, false);

      const late = await phone('bob', `/wallet/api/requests/${r.id}/decline`, {});
      assert.equal(late.status, 409);
      assert.equal(late.json.code, 'PAYMENT_REQUEST_ALREADY_ANSWERED');
      const again = await approve('bob', r.id, bindingOf(r));
      assert.equal(again.json.code, 'PAYMENT_REQUEST_ALREADY_ANSWERED');
      assert.equal((await requesterGet(r.id)).json.request.state, 'approved');
      for (const s of [alice, bob, requester]) s.close();
    });

    it('an approval signed for another amount, payee or request is refused and changes nothing', async () => {
      const a = (await create()).json.request;
      const b = (await create({ amount: 1_000 })).json.request;
      const altered = [
        { ...bindingOf(a), amount: 1 },
        { ...bindingOf(a), payeeId: 'payee-thief' },
        { ...bindingOf(a), currency: 'USD' },
        bindingOf(b), // a valid approval of request b, replayed on request a
      ];
      for (const binding of altered) {
        const res = await phone('alice', `/wallet/api/requests/${a.id}/approve`, { proof: wallet.proof('alice', binding) });
        assert.equal(res.status, 403, JSON.stringify(binding));
        assert.equal(res.json.code, 'AUTH_FORBIDDEN');
      }
      // Another user's signature over the right binding is not alice's.
      const bobSigned = await phone('alice', `/wallet/api/requests/${a.id}/approve`, { proof: wallet.proof('bob', bindingOf(a)) });
      assert.equal(bobSigned.status, 403);
      assert.equal((await requesterGet(a.id)).json.request.state, 'pending');
      assert.equal((await approve('alice', a.id, bindingOf(a))).json.request.state, 'approved');
      assert.equal((await requesterGet(b.id)).json.request.state, 'pending');
    });

    it('decline: the requester learns it live', async () => {
      const requester = await requesterStream();
      await requester.next();
      const r = (await create()).json.request;
      const res = await phone('bob', `/wallet/api/requests/${r.id}/decline`, {});
      assert.equal(res.status, 200);
      assert.equal(res.json.request.state, 'declined');
      assert.equal(res.json.request.approvalMethod, null);
      const outcome = await requester.next((e) => e.event === 'outcome' && e.data.request.id === r.id);
      assert.equal(outcome.data.request.state, 'declined');
      requester.close();
    });

    it('a user who is not a recipient can neither see nor answer the request', async () => {
      const r = (await create()).json.request;
      for (const res of [
        await approve('carol', r.id, bindingOf(r)),
        await phone('carol', `/wallet/api/requests/${r.id}/decline`, {}),
        await phone('carol', `/wallet/api/requests/${r.id}/approval-options`, {}),
      ]) {
        assert.equal(res.status, 404);
        assert.equal(res.json.code, 'PAYMENT_REQUEST_NOT_FOUND');
      }
      assert.ok(!(await phone('carol', '/wallet/api/requests')).json.requests.some((x: any) => x.id === r.id));
      const noSession = await fetch(server.url + `/wallet/api/requests/${r.id}/decline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(noSession.status, 401);
      assert.equal((await requesterGet(r.id)).json.request.state, 'pending');
      // A request to one user reaches that user only.
      const toCarol = (await create({ to: { userId: 'carol' } })).json.request;
      assert.equal((await phone('alice', `/wallet/api/requests/${toCarol.id}/decline`, {})).status, 404);
      assert.equal((await phone('carol', `/wallet/api/requests/${toCarol.id}/decline`, {})).json.request.state, 'declined');
    });

    it('cancel while pending: the phones learn it, a later answer is refused; a cancelled or answered request stays so', async () => {
      const alice = await phoneStream('alice');
      await alice.next();
      const r = (await create()).json.request;
      await alice.next((e) => e.event === 'request' && e.data.request.id === r.id);
      const cancel = (credential = gw.credential) =>
        fetch(server.url + `/v1/payment-requests/${r.id}/cancel`, { method: 'POST', headers: { authorization: 'Bearer ' + credential } }).then(async (res) => ({
          status: res.status,
          json: (await res.json()) as any,
        }));
      assert.equal((await cancel(merchant.credential)).status, 404, 'another requester cannot cancel it');
      const c = await cancel();
      assert.equal(c.status, 200);
      assert.equal(c.json.request.state, 'cancelled');
      const seen = await alice.next((e) => e.event === 'resolved');
      assert.equal(seen.data.request.state, 'cancelled');
      const late = await approve('alice', r.id, bindingOf(r));
      assert.equal(late.status, 409);
      assert.equal(late.json.code, 'PAYMENT_REQUEST_CANCELLED');
      assert.equal((await cancel()).json.request.state, 'cancelled', 'a retried cancel gets the same answer');
      const answered = (await create()).json.request;
      await phone('alice', `/wallet/api/requests/${answered.id}/decline`, {});
      const tooLate = await fetch(server.url + `/v1/payment-requests/${answered.id}/cancel`, { method: 'POST', headers: { authorization: 'Bearer ' + gw.credential } });
      assert.equal(tooLate.status, 409);
      assert.equal(((await tooLate.json()) as any).code, 'PAYMENT_REQUEST_ALREADY_ANSWERED');
      alice.close();
    });

    it('a request nobody answers expires on time: the phones and the requester learn it, an answer after is refused', async () => {
      const alice = await phoneStream('alice');
      const requester = await requesterStream();
      await alice.next();
      await requester.next();
      const r = (await create({ ttlSeconds: 1 })).json.request;
      const expired = await requester.next((e) => e.event === 'outcome' && e.data.request.id === r.id, 4000);
      const late = Date.now() - Date.parse(r.expiresAt);
      assert.equal(expired.data.request.state, 'expired');
      assert.ok(late >= -5 && late < 1500, `expired ${late} ms after its deadline`);
      assert.equal((await alice.next((e) => e.event === 'resolved' && e.data.request.id === r.id)).data.request.state, 'expired');
      const answer = await approve('alice', r.id, bindingOf(r));
      assert.equal(answer.status, 409);
      assert.equal(answer.json.code, 'PAYMENT_REQUEST_EXPIRED');
      assert.equal((await requesterGet(r.id)).json.request.state, 'expired');
      alice.close();
      requester.close();
    });

    it('a dropped stream resumes from Last-Event-ID and misses nothing; polling returns the same events', async () => {
      const first = await phoneStream('bob');
      const ready = await first.next();
      first.close();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await create({ amount: 100 + i })).json.request.id);
      await phone('alice', `/wallet/api/requests/${ids[0]}/decline`, {});
      const resumed = await phoneStream('bob', ready.id);
      assert.equal((await resumed.next()).event, 'ready');
      const got: any[] = [];
      for (let i = 0; i < 6; i++) got.push(await resumed.next());
      assert.deepEqual(
        got.slice(0, 5).map((e) => e.data.request.id),
        ids,
      );
      assert.deepEqual(
        got.map((e) => Number(e.id)),
        got.map((_, i) => Number(ready.id) + 1 + i),
        'seqs follow on, none skipped',
      );
      assert.equal(got[5].event, 'resolved');
      assert.equal(got[5].data.request.state, 'declined');
      // Live after the replay, and a resume from the middle.
      const live = (await create()).json.request;
      assert.equal((await resumed.next()).data.request.id, live.id);
      resumed.close();
      const middle = await phoneStream('bob', got[2].id);
      await middle.next();
      assert.equal((await middle.next()).data.request.id, ids[3]);
      middle.close();
      const polled = await phone('bob', `/wallet/api/requests?after=${ready.id}`);
      assert.deepEqual(
        polled.json.events.slice(0, 5).map((e: any) => e.request.id),
        ids,
      );
      assert.equal(polled.json.seq, Number(got[5].id) + 1);
    });

    it('two phones of the unit answering at once give one decision', async () => {
      for (let i = 0; i < 10; i++) {
        const r = (await create({ amount: 500 + i })).json.request;
        const [a, b] = await Promise.all([approve('alice', r.id, bindingOf(r)), phone('bob', `/wallet/api/requests/${r.id}/decline`, {})]);
        const winners = [a, b].filter((x) => x.status === 200);
        const losers = [a, b].filter((x) => x.status !== 200);
        assert.equal(winners.length, 1, JSON.stringify([a.json, b.json]));
        assert.equal(losers[0]!.status, 409);
        assert.equal(losers[0]!.json.code, 'PAYMENT_REQUEST_ALREADY_ANSWERED');
        assert.equal((await requesterGet(r.id)).json.request.state, winners[0]!.json.request.state);
      }
      // One outcome event per request on the requester's feed, never two.
      const events = (await fetch(server.url + '/v1/payment-requests/events?after=0', { headers: { authorization: 'Bearer ' + gw.credential } }).then((r) => r.json())) as any;
      const outcomes = new Map<string, number>();
      for (const e of events.events) if (e.type === 'outcome') outcomes.set(e.request.id, (outcomes.get(e.request.id) ?? 0) + 1);
      assert.ok([...outcomes.values()].every((n) => n === 1));
    });

    it('creation is idempotent: same key and body give the first answer, another body is refused, no key is refused', async () => {
      const key = `idem-${which}-0001`;
      const first = await create({ amount: 4_200 }, gw.credential, key);
      const again = await create({ amount: 4_200 }, gw.credential, key);
      assert.equal(first.status, 201);
      assert.equal(again.status, 201);
      assert.equal(again.replayed, 'true');
      assert.equal(again.json.request.id, first.json.request.id);
      const other = await create({ amount: 4_300 }, gw.credential, key);
      assert.equal(other.status, 409);
      assert.equal(other.json.code, 'IDEMPOTENCY_KEY_REUSED');
      const noKey = await fetch(server.url + '/v1/payment-requests', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + gw.credential, 'content-type': 'application/json' },
        body: JSON.stringify(body()),
      });
      assert.equal(noKey.status, 400);
      const pending = (await phone('alice', '/wallet/api/requests')).json.requests.filter((x: any) => x.amount === 4_200);
      assert.equal(pending.length, 1, 'one request, not two');
    });

    it('refuses bad input and strangers with stable codes', async () => {
      assert.equal((await create({ amount: 0 })).status, 400);
      assert.equal((await create({ amount: 1.5 })).status, 400);
      assert.equal((await create({ currency: 'XXX' })).json.code, 'MONEY_UNKNOWN_CURRENCY');
      assert.equal((await create({ ttlSeconds: 901 })).status, 400);
      assert.equal((await create({ to: { userId: 'alice', unit: '1' } })).status, 400);
      assert.equal((await create({ to: { buildingId: 'bldg-a', unit: 'nobody' } })).json.code, 'PAYMENT_REQUEST_NO_RECIPIENT');
      assert.equal((await create({}, 'gw_nonsense')).status, 401);
      const r = (await create()).json.request;
      assert.equal((await requesterGet(r.id, merchant.credential)).status, 404, "a merchant does not see a site's request");
    });

    it('a merchant asks with its own credential, only to be paid itself, and learns the outcome live', async () => {
      const stream = await requesterStream(merchant.credential);
      await stream.next();
      const forbidden = await create({}, merchant.credential);
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.json.code, 'PAYMENT_REQUEST_PAYEE_FORBIDDEN');
      const r = (await create({ payee: { id: merchant.merchantId, name: merchant.name }, to: { userId: 'carol' } }, merchant.credential)).json.request;
      assert.equal((await requesterGet(r.id, merchant.credential)).json.request.state, 'pending');
      assert.equal((await requesterGet(r.id)).status, 404, "a gateway does not see a merchant's request");
      await approve('carol', r.id, bindingOf(r));
      const outcome = await stream.next((e) => e.event === 'outcome');
      assert.equal(outcome.data.request.state, 'approved');
      stream.close();
    });

    it("keeps each site's rows in commit order for replication: every change moves the row to the end of its site's order", async () => {
      const siteSeq = async (id: string) => Number((await server.db.query<{ site_seq: string }>('SELECT site_seq FROM payment_requests WHERE id = $1', [id])).rows[0]!.site_seq);
      const first = (await create()).json.request;
      const second = (await create()).json.request;
      assert.ok((await siteSeq(second.id)) > (await siteSeq(first.id)));
      await phone('alice', `/wallet/api/requests/${first.id}/decline`, {});
      assert.ok((await siteSeq(first.id)) > (await siteSeq(second.id)), 'the answered row comes after');
      // The row's site_seq is its last event in the site's feed, and no two rows share one.
      const { rows } = await server.db.query<{ id: string; site_seq: string; last: string }>(
        `SELECT r.id, r.site_seq, (SELECT max(seq) FROM payment_request_events e WHERE e.feed = 'site:' || r.site_id AND e.request_id = r.id) AS last
         FROM payment_requests r WHERE r.site_id = $1`,
        [gw.siteId],
      );
      for (const row of rows) assert.equal(Number(row.site_seq), Number(row.last), row.id);
      assert.equal(new Set(rows.map((r) => r.site_seq)).size, rows.length);
      const merchantRows = await server.db.query("SELECT 1 FROM payment_requests WHERE requester_kind = 'merchant' AND (site_id IS NOT NULL OR site_seq IS NOT NULL)");
      assert.equal(merchantRows.rows.length, 0);
    });

    it("a revoked gateway's outcome stream ends at once, and its credential asks no more", async () => {
      const other = await enrolTestGateway(server.url, 'site-lobby');
      const stream = await requesterStream(other.credential);
      await stream.next();
      const revoked = await fetch(server.url + `/admin/gateways/${other.gatewayId}/revoke`, { method: 'POST', headers: { authorization: 'Bearer ' + TEST_ADMIN_TOKEN } });
      assert.equal(revoked.status, 200);
      await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('stream still open')), 3000))]);
      assert.equal((await create({}, other.credential)).status, 401);
    });

    it('polling pages through a long feed and misses nothing', async () => {
      wallet.addUser('dave');
      for (let i = 0; i < 205; i++) await create({ to: { userId: 'dave' }, amount: 10 + i });
      const seen: number[] = [];
      let after = 0;
      for (let page = 0; page < 3; page++) {
        const polled = await phone('dave', `/wallet/api/requests?after=${after}`);
        seen.push(...polled.json.events.map((e: any) => e.request.amount));
        after = polled.json.seq;
      }
      assert.deepEqual(
        seen,
        Array.from({ length: 205 }, (_, i) => 10 + i),
      );
      assert.equal(after, 205);
    });

    it('a flow asks on behalf of a site through createPaymentRequest; approval options bind the stored request', async () => {
      const alice = await phoneStream('alice');
      await alice.next();
      const made = await createPaymentRequest(
        server.db,
        { kind: 'site', id: gw.siteId, siteId: gw.siteId },
        { to: UNIT, amount: 7_700, currency: 'KRW', payee: { id: 'payee-elevator', name: 'Parcel locker' } },
        wallet.deps().usersAtUnit,
      );
      assert.equal((await alice.next((e) => e.event === 'request')).data.request.id, made.id);
      assert.equal((await requesterGet(made.id)).json.request.state, 'pending', "the site's gateway sees it");
      const options = await phone('alice', `/wallet/api/requests/${made.id}/approval-options`, {});
      assert.equal(options.status, 200);
      assert.equal(Buffer.from(options.json.challenge, 'base64url').toString(), canonicalPaymentRequestBinding({ requestId: made.id, amount: 7_700, currency: 'KRW', payeeId: 'payee-elevator' }));
      alice.close();
    });

    it('describes its routes in the OpenAPI document', async () => {
      const doc = (await fetch(server.url + '/openapi.json').then((r) => r.json())) as { paths: Record<string, unknown> };
      for (const path of [
        '/v1/payment-requests',
        '/v1/payment-requests/{id}/cancel',
        '/v1/payment-requests/stream',
        '/wallet/api/requests/stream',
        '/wallet/api/requests/{id}/approve',
        '/admin/merchants',
      ]) {
        assert.ok(doc.paths[path], 'OpenAPI has ' + path);
      }
    });

    it('a revoked session stops its phone stream and is refused', async () => {
      wallet.addUser('olga', UNIT);
      const stream = await phoneStream('olga');
      await stream.next();
      const headers = wallet.headers('olga');
      wallet.revoke('olga');
      await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('stream still open')), 3000))]);
      const refused = await fetch(server.url + '/wallet/api/requests', { headers });
      assert.equal(refused.status, 401);
      const stillOpen = await phoneStream('alice');
      await stillOpen.next();
      await new Promise((r) => setTimeout(r, 700));
      let ended = false;
      void stillOpen.ended.then(() => (ended = true));
      await new Promise((r) => setImmediate(r));
      assert.equal(ended, false, 'a valid session keeps its stream');
      stillOpen.close();
    });
  });
}
