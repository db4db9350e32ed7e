/**
 * The SQL layout of one collection (one RxStorage instance):
 *
 *   "<table>"       id TEXT PK, data TEXT (document JSON, attachment stubs only),
 *                   deleted INTEGER, lwt REAL (_meta.lwt), i0..iN BLOB (index keys)
 *   "<table>__att"  attachment bodies: (doc_id, att_id) PK, digest, type, data BLOB
 *
 * A table per (collection, schema version): a new schema version is a new
 * table, which is what RxDB's migration plugin expects (it reads the old
 * version's instance and writes the new one).
 */
import type Database from 'better-sqlite3';
import type { RxDocumentData, RxJsonSchema } from 'rxdb';
import type { IndexColumn } from './index-keys.ts';
import { storageError } from './errors.ts';

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function tableNameFor(collectionName: string, schemaVersion: number): string {
  return `docs:${collectionName}:v${schemaVersion}`;
}

/** The part of the schema that decides the table layout; compared on reopen. */
function layoutOf(schema: RxJsonSchema<RxDocumentData<any>>, columns: IndexColumn[]): string {
  return JSON.stringify({ primaryKey: schema.primaryKey, indexes: columns.map((c) => c.fields), attachments: !!schema.attachments });
}

export function ensureTables(db: Database.Database, tableName: string, collectionName: string, schema: RxJsonSchema<RxDocumentData<any>>, columns: IndexColumn[]): void {
  const layout = layoutOf(schema, columns);
  const t = quoteIdent(tableName);
  // IMMEDIATE: take the write lock before looking, so two processes opening
  // the same new collection cannot both decide to create it.
  db.transaction(() => {
    const row = db.prepare('SELECT schema_json FROM rxdb_collections WHERE table_name = ?').get(tableName) as { schema_json: string } | undefined;
    if (row) {
      if (row.schema_json !== layout) {
        throw storageError('STORAGE_SCHEMA_MISMATCH', { tableName, stored: row.schema_json, given: layout });
      }
      return;
    }
    const indexCols = columns.map((c) => `, ${c.column} BLOB NOT NULL`).join('');
    db.exec(`CREATE TABLE ${t} (id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL, deleted INTEGER NOT NULL, lwt REAL NOT NULL${indexCols})`);
    for (const c of columns) db.exec(`CREATE INDEX ${quoteIdent(`${tableName}:${c.column}`)} ON ${t} (${c.column}, id)`);
    // getChangedDocumentsSince() walks (lwt, id); cleanup() walks (deleted, lwt).
    db.exec(`CREATE INDEX ${quoteIdent(`${tableName}:lwt`)} ON ${t} (lwt, id)`);
    db.exec(`CREATE INDEX ${quoteIdent(`${tableName}:deleted`)} ON ${t} (deleted, lwt)`);
    db.exec(`CREATE TABLE ${quoteIdent(tableName + ':att')} (doc_id TEXT NOT NULL, att_id TEXT NOT NULL, digest TEXT NOT NULL, type TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (doc_id, att_id))`);
    db.prepare('INSERT INTO rxdb_collections (table_name, collection_name, schema_version, schema_json) VALUES (?, ?, ?, ?)').run(tableName, collectionName, schema.version, layout);
  }).immediate();
}

export function dropTables(db: Database.Database, tableName: string): void {
  db.transaction(() => {
    db.exec(`DROP TABLE IF EXISTS ${quoteIdent(tableName)}`);
    db.exec(`DROP TABLE IF EXISTS ${quoteIdent(tableName + ':att')}`);
    db.prepare('DELETE FROM rxdb_collections WHERE table_name = ?').run(tableName);
  })();
}
