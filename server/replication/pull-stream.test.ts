/**
 * The live stream when far behind: more than a page of changes waiting (a
 * gateway's catch-up) is announced as "RESYNC" instead of being streamed, the
 * client's own pull from its checkpoint then returns every one of them, and
 * single changes after it are streamed as before. On PGlite and PostgreSQL.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testPayment } from '../testing/payments.ts';
import { startServer, type RunningServer } from '../index.ts';
import { freshPostgres, pglite, type TestDatabase } from '../testing/databases.ts';
import { STREAM_RESYNC_GAP } from './pull-stream.ts';

const ADMIN = 'test-admin-token-0123456789';

type Client = { gatewayId: string; siteId: string; credential: string };

for (const which of ['pglite', 'postgres'] as const) {
  describe(`live stream far behind on ${which}`, () => {
    let server: RunningServer;
    let database: TestDatabase;

    before(async () => {
      database = which === 'pglite' ? pglite() : await freshPostgres();
      server = await startServer({ ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}), adminToken: ADMIN, forwarder: false });
    });
    after(async () => {
      await server?.close();
      await database?.drop();
    });

    const enrol = async (siteId: string): Promise<Client> => {
      const res = await fetch(server.url + '/admin/gateways', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ siteId, name: 'kiosk ' + siteId }),
      });
      assert.equal(res.status, 201);
      return (await res.json()) as Client;
    };
    const push = async (c: Client, docs: unknown[]) => {
      const res = await fetch(server.url + '/sync/payments/1/push', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + c.credential, 'content-type': 'application/json' },
        body: JSON.stringify(docs.map((d) => ({ newDocumentState: d }))),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), []);
    };
    const pullAll = async (c: Client, from: { id: string; lwt: number } | null) => {
      const docs: any[] = [];
      let cp = from;
      for (;;) {
        const q = cp ? `?id=${encodeURIComponent(cp.id)}&lwt=${cp.lwt}&limit=1000` : '?limit=1000';
        const res = await fetch(server.url + '/sync/payments/1/pull' + q, { headers: { authorization: 'Bearer ' + c.credential } });
        const body = (await res.json()) as any;
        if (body.documents.length === 0) return docs;
        docs.push(...body.documents);
        cp = body.checkpoint;
      }
    };

    it('says RESYNC for a large batch, the pull returns all of it, a single change is streamed', async () => {
      const writer = await enrol('site-far');
      const reader = await enrol('site-far');
      const controller = new AbortController();
      const res = await fetch(server.url + '/sync/payments/1/pullStream', {
        headers: { authorization: 'Bearer ' + reader.credential },
        signal: controller.signal,
      });
      assert.equal(res.status, 200);
      const body = res.body!.getReader();
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
          const { value, done } = await body.read();
          if (done) return 'END';
          buffer += decoder.decode(value, { stream: true });
        }
      };
      try {
        assert.equal(await nextEvent(), 'RESYNC', 'the stream opens with RESYNC');
        // The reader's checkpoint before the batch: everything so far.
        const before = await pullAll(reader, null);
        assert.equal(before.length, 0);

        const batch = Array.from({ length: STREAM_RESYNC_GAP + 50 }, () => testPayment('site-far', writer.gatewayId));
        await push(writer, batch);
        assert.equal(await nextEvent(), 'RESYNC', 'a batch larger than a page is announced, not streamed');
        const pulled = await pullAll(reader, null);
        assert.deepEqual(pulled.map((d) => d.id).sort(), batch.map((d) => d.id).sort(), 'the pull returns every document of the batch, once');
        assert.ok(
          pulled.every((d) => typeof d.serverUpdatedAt === 'string'),
          'with the server stamp',
        );

        const single = testPayment('site-far', writer.gatewayId);
        await push(writer, [single]);
        const event = await nextEvent();
        assert.notEqual(event, 'RESYNC');
        assert.deepEqual(
          event.documents.map((d: any) => d.id),
          [single.id],
          'a single change after it is streamed',
        );
      } finally {
        controller.abort();
      }
    });
  });
}
