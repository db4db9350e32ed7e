/**
 * A new collection is one declaration. `notes` below is declared once, in this
 * file, and added to a copy of core's registry (the shared registry is left as
 * it is). Handed to the real parts — a server on PGlite (startServer), two
 * gateway ledgers on the SQLite storage (openLedger) and their sync
 * (GatewaySync) — it replicates end to end: pushed up, receipted by the server
 * (its `stampAccepted`), pulled down to the other gateway of the site and not
 * by another site's; the server refuses a write its ownership check refuses;
 * and a follow-up statement handed to the server for it runs with each push.
 * Nothing under core/, sync/ or server/ names `notes`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RxJsonSchema } from 'rxdb';
import { defineCollection, edgePayCollections, uuidV7, WRITE_OK } from '../core/index.ts';
import { startServer, type RunningServer } from '../server/index.ts';
import { GatewaySync, openLedger, type Ledger } from '../sync/index.ts';
import { freePort, until } from './support/wait.ts';
import { adminClient } from './support/admin.ts';

const ADMIN = 'new-collection-admin-token-01';

type NoteDoc = { id: string; siteId: string; text: string; writtenBy: string; receivedAt?: string };

const noteSchema: RxJsonSchema<NoteDoc> = {
  title: 'test note',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 36 },
    siteId: { type: 'string', maxLength: 64 },
    text: { type: 'string', maxLength: 200 },
    writtenBy: { type: 'string', maxLength: 64 },
    receivedAt: { type: 'string', maxLength: 30 },
  },
  required: ['id', 'siteId', 'text', 'writtenBy'],
};

/** The whole of the new collection: its one declaration. */
const notes = defineCollection({
  name: 'notes',
  schema: noteSchema,
  siteField: 'siteId',
  // A gateway writes notes of its own site, as itself, and never changes one.
  checkGatewayWrite: (previous, next, writer) => {
    if (next.siteId !== writer.siteId || next.writtenBy !== writer.gatewayId) return { ok: false, code: 'AUTH_FORBIDDEN', field: 'writtenBy' };
    if (previous && previous.text !== next.text) return { ok: false, code: 'COLLECTION_READ_ONLY', field: 'text' };
    return WRITE_OK;
  },
  stampAccepted: (doc, now) => ({ ...doc, receivedAt: now }),
  // Both ways; two per push request, so that three notes take more than one.
  sync: { push: true, pull: true, pushBatchSize: 2 },
});

/** Server-side work for each created note, in the push's statement (as payments' audit is). */
const NOTE_AUDIT_SQL = `INSERT INTO audit_log (actor, action, site_id, details)
  SELECT $3, 'note.received', $2, jsonb_build_object('noteId', c.id) FROM created c ORDER BY c.seq`;

type Gw = { gatewayId: string; credential: string; ledger: Ledger; sync: GatewaySync };

describe('a collection declared in one place replicates end to end', () => {
  const collections = edgePayCollections.with(notes);
  let root: string;
  let server: RunningServer;
  const gateways: Gw[] = [];

  const openGateway = async (name: string, siteId: string): Promise<Gw> => {
    const enrolled = await adminClient(server.url, ADMIN)('/admin/gateways', { siteId, name });
    const ledger = await openLedger({ directory: join(root, name), name: 'ledger-' + name, collections });
    const sync = new GatewaySync(ledger.db as any, {
      serverUrl: server.url,
      credential: enrolled.credential,
      collections,
      backoff: { initialMs: 100, maxMs: 400 },
    });
    sync.start();
    const gw = { gatewayId: enrolled.gatewayId, credential: enrolled.credential, ledger, sync };
    gateways.push(gw);
    return gw;
  };
  const notesOf = (gw: Gw) => (gw.ledger.db as any).notes;
  const serverNotes = async () => (await server.db.query<{ id: string; site_id: string; data: NoteDoc }>("SELECT id, site_id, data FROM documents WHERE collection = 'notes' ORDER BY id")).rows;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'edgepay-new-collection-'));
    server = await startServer({
      adminToken: ADMIN,
      port: await freePort(),
      pgliteDir: join(root, 'server'),
      collections,
      followUps: { notes: [NOTE_AUDIT_SQL] },
    });
  });
  after(async () => {
    for (const g of gateways) {
      await g.sync.stop();
      await g.ledger.close();
    }
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('was added to a copy: the shared registry and the built-in collections are as they were', () => {
    assert.equal(edgePayCollections.has('notes'), false);
    assert.deepEqual(collections.names(), [...edgePayCollections.names(), 'notes']);
  });

  it("goes up from one gateway, comes back receipted, reaches the site's other gateway and no other site", { timeout: 60_000 }, async () => {
    const a = await openGateway('gw-a', 'site-notes');
    const b = await openGateway('gw-b', 'site-notes');
    const written = ['first', 'second', 'third'].map((text) => ({ id: uuidV7(), siteId: 'site-notes', text, writtenBy: a.gatewayId }));
    await notesOf(a).bulkInsert(written);

    await until('the server holds the notes', async () => (await serverNotes()).length === 3);
    const held = await serverNotes();
    assert.deepEqual(
      held.map((r) => r.id),
      written.map((n) => n.id).sort(),
    );
    assert.ok(
      held.every((r) => r.site_id === 'site-notes' && typeof r.data.receivedAt === 'string'),
      'each stamped by the server',
    );

    await until('the receipts came back to the writer', async () => (await notesOf(a).find().exec()).filter((d: any) => d.receivedAt).length === 3);
    await until('the other gateway of the site has them', async () => (await notesOf(b).count().exec()) === 3);
    const onB = (await notesOf(b).find().exec()).map((d: any) => d.toJSON());
    assert.deepEqual(onB.map((n: NoteDoc) => n.text).sort(), ['first', 'second', 'third']);

    // And back up the other way: b writes, a receives it live.
    const reply = { id: uuidV7(), siteId: 'site-notes', text: 'reply', writtenBy: b.gatewayId };
    await notesOf(b).insert(reply);
    await until("a has b's note", async () => (await notesOf(a).findOne(reply.id).exec()) !== null);

    // Another site's gateway (over plain HTTP: RxDB's open-source build allows 16 collections per process).
    const other = await adminClient(server.url, ADMIN)('/admin/gateways', { siteId: 'site-elsewhere', name: 'gw-other' });
    const page = await fetch(server.url + '/sync/notes/0/pull?limit=100', { headers: { authorization: 'Bearer ' + other.credential } });
    assert.equal(page.status, 200);
    assert.deepEqual(((await page.json()) as { documents: unknown[] }).documents, [], 'another site sees none');

    // The payments collection beside it is unchanged: same sync, same ledger.
    assert.ok(a.ledger.db.payments, 'the built-in collections are there too');
  });

  it('runs the follow-up handed to the server once per created note', async () => {
    const { rows } = await server.db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'note.received'");
    assert.equal(Number(rows[0]!.n), 4);
  });

  it("refuses a write its ownership check refuses, with the check's code, and keeps the note as it was", async () => {
    const a = gateways[0]!;
    const [first] = await serverNotes();
    const current = { ...first!.data, _deleted: false };
    const res = await fetch(server.url + '/sync/notes/0/push', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + a.credential, 'content-type': 'application/json' },
      body: JSON.stringify([{ assumedMasterState: current, newDocumentState: { ...current, text: 'rewritten' } }]),
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'COLLECTION_READ_ONLY');
    assert.equal((await serverNotes()).find((r) => r.id === first!.id)!.data.text, first!.data.text);

    const newer = await fetch(server.url + '/sync/notes/1/pull?limit=1', { headers: { authorization: 'Bearer ' + a.credential } });
    assert.equal(newer.status, 404, 'the schema version the declaration gives is the one served');
  });
});
