/**
 * No card number is stored, logged or replicated anywhere (DESIGN.md
 * section 4). After a run with the test cards (online and offline payments
 * through the card terminal simulator, and hostile requests that try to slip
 * card numbers in), every place data lands is scanned for 13-19 digit runs
 * that pass the Luhn check: the gateway's SQLite files, PostgreSQL's tables,
 * PGlite's data directory, and the server logs. The server log must not hold
 * the gateway credential's secret or the admin token either (issue 3: JSON
 * logs with no secrets in them). Cards added to the wallet go through the
 * sandbox acquirer's tokenisation route (issue 18); the same places are
 * scanned after it, and card numbers typed into other wallet fields are
 * refused without being stored or echoed.
 *
 * A positive control first shows the scan finds a card number in such files.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findCardNumbers, uuidV7, type PaymentDoc } from '../core/index.ts';
import { buildApp, openDatabase, serverTesting, startServer, wallet, type RunningServer } from '../server/index.ts';
import { startGatewayRuntime, type GatewayRuntime } from '../edge-services/index.ts';
import { until } from './support/wait.ts';
import { adminClient } from './support/admin.ts';

const ADMIN = 'card-scan-admin-token-01234';
const SITE = 'scan-site';
const TEST_PANS = ['4111111111111111', '5555555555554444', '378282246310005'];

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
  return out;
}

/**
 * Card numbers in a file. A log is text: core's full detector reads it (numbers
 * split by separators, glued to letters, ...). A database file is binary pages:
 * there that detector's joining of digit groups across separator characters
 * joins a stored BIN, a stored last 4 and a neighbouring digit through whatever
 * bytes lie between them (a length header 0x09 reads as a tab), and finds a
 * Luhn-valid run by chance in about one run of ten. So binary files are read for
 * what storage would hold: any card-like run of 13 to 19 digits, and every test
 * card number this file sends, whole or with a separator between any digits.
 */
/**
 * What may be stored: a card's display, its BIN and last 4 (the card terminal
 * simulator's card, and the test cards the wallet tokenises). PostgreSQL's jsonb
 * keeps a document's string values side by side with no byte between them, so a
 * display `{bin: '476173', last4: '0010'}` sits in a page as `4761730010`, and with
 * a neighbouring digit or three it can make a Luhn-valid run by chance. A run
 * holding a BIN followed at once by its last 4 is that display, not a card
 * number: a real number has the six middle digits between them.
 */
const DISPLAYS = [['476173', '0010'], ...TEST_PANS.map((pan) => [pan.slice(0, 6), pan.slice(-4)])].map(([bin, last4]) => bin! + last4!);
const isDisplayPair = (run: string) => DISPLAYS.some((d) => run.includes(d));

function scanFile(path: string): string[] {
  const bytes = readFileSync(path);
  if (path.endsWith('.log')) return findCardNumbers(bytes.toString('utf8'));
  const text = bytes.toString('latin1');
  const found = new Set<string>();
  // Each run alone through core's detector, which knows which runs are card-like (not a 13-digit epoch-millis time).
  for (const m of text.matchAll(/(?<!\d)\d{13,19}(?!\d)/g)) {
    if (isDisplayPair(m[0])) continue;
    for (const n of findCardNumbers(m[0])) found.add(n);
  }
  for (const pan of TEST_PANS) {
    if (new RegExp(pan.split('').join('[ .\\-_/]?')).test(text)) found.add(pan);
  }
  return [...found];
}

describe('no card number anywhere', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-cardscan-'));
  });
  after(() => {
    if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
  });

  it('positive control: the scan finds a card number in a binary file', () => {
    const file = join(root, 'control.bin');
    writeFileSync(file, Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from(' 4111111111111111 ', 'latin1'), Buffer.alloc(100, 7)]));
    assert.deepEqual(scanFile(file), ['4111111111111111']);
    writeFileSync(file, Buffer.concat([Buffer.from([0, 9, 255]), Buffer.from('x5555-5555-5555-4444y', 'latin1'), Buffer.alloc(10, 7)]));
    assert.deepEqual(scanFile(file), ['5555555555554444'], 'a test card number written with separators');
    rmSync(file);
    const log = join(root, 'control.log');
    writeFileSync(log, 'a number glued to letters: Visa378282246310005A\n');
    assert.deepEqual(scanFile(log), ['378282246310005'], 'a log takes the full detector');
    rmSync(log);
  });

  for (const which of ['pglite', 'postgres'] as const) {
    it(`after cards go through the wallet's tokenisation route on ${which}`, { timeout: 120_000 }, async () => {
      const dir = join(root, 'wallet-' + which);
      const database = which === 'postgres' ? await serverTesting.freshPostgres() : serverTesting.pglite();
      const logFile = dir + '-server.log';
      const db = await openDatabase(database.databaseUrl ? { databaseUrl: database.databaseUrl } : { pgliteDir: join(dir, 'pglite') });
      const demo = await wallet.seedDemoWallet(db);
      const server = await buildApp({
        db,
        adminToken: ADMIN,
        forwarder: false,
        logger: { level: 'debug', file: logFile },
        wallet: { demoSignIn: true },
      });
      const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
      let dump = '';
      try {
        const signIn = await fetch(url + '/wallet/api/demo/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: demo.users[2]!.userId }) });
        const session = (await signIn.json()) as { csrfToken: string };
        const headers = { 'content-type': 'application/json', cookie: signIn.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': session.csrfToken };
        const post = async (path: string, body: unknown) => {
          const res = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
          return { status: res.status, body: (await res.json()) as any };
        };
        for (const [i, pan] of TEST_PANS.entries()) {
          const number = i === 0 ? pan.replace(/(\d{4})/g, '$1 ').trim() : pan;
          const t = await post('/sandbox-acquirer/tokens', { number, expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: pan.startsWith('3') ? '1234' : '123' });
          assert.equal(t.status, 200, JSON.stringify(t.body));
          assert.deepEqual(findCardNumbers(JSON.stringify(t.body)), [], 'the answer is a token, BIN and last 4');
          assert.equal((await post('/wallet/api/payment-methods', { token: t.body.token })).status, 200);
        }
        // Card numbers where they do not belong: refused, never echoed, never stored.
        for (const pan of TEST_PANS) {
          const attempts = [
            { path: '/sandbox-acquirer/tokens', body: { number: pan.slice(0, -1) + ((Number(pan.at(-1)) + 1) % 10), expMonth: 12, expYear: 2030, cvc: '123' } },
            { path: '/wallet/api/payment-methods', body: { token: pan } },
            { path: '/wallet/api/register/options', body: { name: 'card ' + pan, phone: '010-7777-0000' } },
            { path: '/wallet/api/register/options', body: { name: 'Kim', phone: pan } },
          ];
          for (const a of attempts) {
            const r = await post(a.path, a.body);
            assert.ok(r.status >= 400 && r.status < 500, `${a.path}: ${r.status}`);
            assert.deepEqual(findCardNumbers(JSON.stringify(r.body)), [], 'the refusal does not echo the number');
          }
        }
        const methods = await db.query('SELECT 1 FROM wallet_payment_methods WHERE user_id = $1', [demo.users[2]!.userId]);
        assert.equal(methods.rows.length, 1 + TEST_PANS.length, 'the scanned database holds the cards');
        const tables = (await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).rows;
        assert.ok(tables.some((t) => t.table_name === 'sandbox_acquirer_card_tokens'));
        for (const { table_name } of tables) {
          const rows = (await db.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM "${table_name}" x`)).rows.map((r) => r.j).join('\n');
          assert.deepEqual(findCardNumbers(rows), [], `table ${table_name}`);
          dump += rows;
        }
      } finally {
        await server.app.close();
        await db.close();
        await database.drop();
      }
      assert.ok(dump.includes('555555'), 'BINs are kept');
      const log = readFileSync(logFile, 'utf8');
      assert.ok(log.includes('/sandbox-acquirer/tokens'), 'the log has the tokenisation requests');
      assert.deepEqual(scanFile(logFile), [], 'no card number in the log');
      if (which === 'pglite') {
        const baselineDir = join(root, 'wallet-baseline');
        await (await openDatabase({ pgliteDir: baselineDir })).close();
        const noise = new Set(filesUnder(baselineDir).flatMap(scanFile));
        for (const file of filesUnder(join(dir, 'pglite'))) {
          assert.deepEqual(
            scanFile(file).filter((n) => !noise.has(n)),
            [],
            file,
          );
        }
      }
    });

    it(`after payments with test cards on ${which}`, { timeout: 180_000 }, async () => {
      const dir = join(root, which);
      const database = which === 'postgres' ? await serverTesting.freshPostgres() : serverTesting.pglite();
      const logFile = join(dir + '-server.log');
      const server: RunningServer = await startServer({
        ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : { pgliteDir: join(dir, 'pglite') }),
        adminToken: ADMIN,
        logger: { level: 'debug', file: logFile },
        sandbox: { latencyMs: [1, 4] },
      });
      let runtime: GatewayRuntime | undefined;
      let credential = '';
      try {
        const admin = adminClient(server.url, ADMIN);
        const gw = await admin('/admin/gateways', { siteId: SITE, name: 'kiosk' });
        credential = gw.credential;
        const now = new Date().toISOString();
        await admin(
          `/admin/sites/${SITE}/sites`,
          [
            {
              id: SITE,
              name: 'Scan store',
              timezone: 'Asia/Seoul',
              currency: 'KRW',
              locale: 'ko-KR',
              updatedAt: now,
              offlineLimits: { perPayment: [{ amount: 100_000, currency: 'KRW' }], totalStored: [{ amount: 1_000_000, currency: 'KRW' }], maxAgeMinutes: 60 },
            },
          ],
          'PUT',
        );
        await admin(
          `/admin/sites/${SITE}/products`,
          [
            { id: 'p1', siteId: SITE, sku: 'P1', barcode: '8800000000011', name: 'Snack', price: { amount: 2500, currency: 'KRW' }, active: true, updatedAt: now },
            { id: 'p2', siteId: SITE, sku: 'P2', barcode: '8800000000028', name: 'Meal', price: { amount: 7000, currency: 'KRW' }, active: true, updatedAt: now },
          ],
          'PUT',
        );

        runtime = await startGatewayRuntime({
          dataDir: join(dir, 'gateway'),
          ledgerName: 'ledger-' + which,
          siteId: SITE,
          gatewayId: gw.gatewayId,
          server: { url: server.url, credential: gw.credential, backoff: { initialMs: 100, maxMs: 300 } },
          devices: { simulators: { only: ['card-terminal'], options: { 'card-terminal': { stepMs: 5 } } } },
          awaitCardTerminal: true,
          operatorPin: '135790',
        });
        const { kiosk } = runtime;
        const ledger = runtime.gateway.ledger;
        const sync = runtime.gateway.sync!;
        await until('catalogue', async () => (await ledger.db.products.count().exec()) === 2 && (await ledger.db.sites.count().exec()) === 1);

        // Online sales with the terminal's test card (chip and PIN above 5,000).
        for (const codes of [['8800000000011'], ['8800000000028'], ['8800000000011', '8800000000028']]) {
          kiosk.clear();
          for (const c of codes) await kiosk.scan(c);
          const r = await kiosk.pay();
          assert.equal(r.state, 'approved', JSON.stringify(r));
        }
        // Offline payments recorded at the till, forwarded through replication.
        const createdAt = new Date().toISOString();
        const stored: PaymentDoc = {
          id: uuidV7(),
          siteId: SITE,
          gatewayId: gw.gatewayId,
          flow: 'kiosk',
          amount: 2500,
          currency: 'KRW',
          method: 'card-terminal',
          lineItems: [{ productId: 'p1', name: 'Snack', quantity: 1, unitAmount: 2500, lineAmount: 2500 }],
          cardDisplay: { bin: '411111', last4: '1111' },
          token: 'tok_test_approve_stored01',
          createdAt,
          offline: true,
          status: 'stored',
          statusHistory: [{ status: 'stored', at: createdAt, by: 'gateway' }],
        };
        await ledger.db.payments.insert(stored);
        await until('forwarded', async () => (await ledger.db.payments.findOne(stored.id).exec())?.status === 'captured');

        // Hostile attempts to slip card numbers in: refused, never stored or logged.
        for (const pan of TEST_PANS) {
          const p = { ...stored, id: uuidV7(), status: 'created', offline: false, statusHistory: [{ status: 'created', at: createdAt, by: 'gateway' }] } as PaymentDoc;
          const attempts = [
            { path: '/payments/authorise', body: { payment: { ...p, token: pan } } },
            { path: '/payments/authorise', body: { payment: { ...p, lineItems: [{ name: 'card ' + pan, quantity: 1, unitAmount: 2500, lineAmount: 2500 }] } } },
            { path: '/sync/payments/1/push', body: [{ newDocumentState: { ...p, token: pan.replace(/(\d{4})/g, '$1 ').trim(), _deleted: false } }] },
          ];
          for (const a of attempts) {
            const res = await fetch(server.url + a.path, {
              method: 'POST',
              headers: { authorization: 'Bearer ' + gw.credential, 'content-type': 'application/json', 'idempotency-key': 'scan-' + uuidV7() },
              body: JSON.stringify(a.body),
            });
            const body = (await res.json()) as any;
            assert.equal(res.status, 400, JSON.stringify(body));
            assert.equal(body.code, 'CARD_DATA_REFUSED');
            assert.deepEqual(findCardNumbers(JSON.stringify(body)), [], 'the refusal does not echo the number');
          }
        }
        await sync.awaitInSync();
        // The same run's money in the ledger: every payment's transfers match it.
        await serverTesting.assertLedgerBalanced(server.db);
      } finally {
        await runtime?.stop();
        // PostgreSQL is read before its schema is dropped.
        if (database.databaseUrl) {
          const c = new pg.Client({ connectionString: database.databaseUrl });
          await c.connect();
          const tables = (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).rows.map(
            (r) => r.table_name as string,
          );
          assert.ok(tables.includes('documents') && tables.includes('audit_log'));
          for (const t of tables) {
            const dump = (await c.query(`SELECT row_to_json(x)::text AS j FROM "${t}" x`)).rows.map((r) => r.j as string).join('\n');
            assert.deepEqual(findCardNumbers(dump), [], `PostgreSQL table ${t}`);
          }
          const docs = Number((await c.query("SELECT COUNT(*) AS n FROM documents WHERE collection = 'payments'")).rows[0].n);
          assert.equal(docs, 4, 'the scanned database holds the run');
          await c.end();
        }
        await server.close();
        await database.drop();
      }

      const places = [...filesUnder(join(dir, 'gateway')), logFile];
      assert.ok(
        places.some((p) => p.endsWith('.sqlite')),
        'the ledger file is scanned',
      );
      const log = readFileSync(logFile, 'utf8');
      assert.ok(log.includes('request'), 'the log has content');
      // Nor a secret (request lines carry no headers; the authorization header is
      // also redacted should a serializer ever add them).
      const secret = credential.split('.')[1] ?? '';
      assert.ok(secret.length >= 16, 'the credential has a secret part');
      assert.ok(!log.includes(secret), 'the gateway credential is not in the log');
      assert.ok(!log.includes(ADMIN), 'the admin token is not in the log');
      for (const file of places) assert.deepEqual(scanFile(file), [], file);
      if (which === 'pglite') {
        // PostgreSQL's own catalogs (in the relation files and the WAL) hold digit
        // runs that pass Luhn by chance. They are the same in an empty, migrated
        // database, so anything beyond that baseline is ours, and must not be there.
        const baselineDir = join(root, 'baseline');
        await (await openDatabase({ pgliteDir: baselineDir })).close();
        const noise = new Set(filesUnder(baselineDir).flatMap(scanFile));
        for (const file of filesUnder(join(dir, 'pglite'))) {
          assert.deepEqual(
            scanFile(file).filter((n) => !noise.has(n)),
            [],
            file,
          );
        }
      }
    });
  }
});
