/**
 * Minimal types for the parts of `pouchdb-node` that bench/sync.ts uses
 * (the package ships none and @types/pouchdb is not installed).
 */
declare module 'pouchdb-node' {
  type PouchDoc = { _id: string; _rev?: string; [field: string]: unknown };
  type PouchResponse = { ok?: boolean; id: string; rev?: string; error?: string | boolean; reason?: string };
  type PouchChange = { id: string; seq: number | string; changes: { rev: string }[]; deleted?: boolean };
  type PouchEmitter = {
    on(event: string, listener: (...args: any[]) => void): PouchEmitter;
    cancel(): void;
  };
  type PouchReplication = PouchEmitter & PromiseLike<{ ok: boolean; docs_written: number; doc_write_failures: number; errors: unknown[] }>;

  class PouchDB {
    constructor(name: string, options?: Record<string, unknown>);
    readonly name: string;
    info(): Promise<{ doc_count: number; update_seq: number | string }>;
    put(doc: PouchDoc): Promise<PouchResponse>;
    bulkDocs(docs: PouchDoc[]): Promise<PouchResponse[]>;
    changes(options: { since?: 'now' | number | string; live?: boolean; include_docs?: boolean }): PouchEmitter;
    replicate: { to(target: string | PouchDB, options?: Record<string, unknown>): PouchReplication };
    sync(target: string | PouchDB, options?: Record<string, unknown>): PouchEmitter;
    close(): Promise<void>;
  }
  export default PouchDB;
}
