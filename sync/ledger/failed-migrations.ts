/**
 * RxDB records a failed schema migration as an ERROR status document in the
 * database's internal store, and on the next open reports that old ERROR at
 * once instead of trying again. A gateway whose migration failed gets fixed by
 * shipping a corrected strategy; that new version must be able to migrate, and
 * the old data is still intact (RxDB keeps the old version's table until a
 * migration finishes). So before opening collections we forget failed
 * attempts, and the migration runs again from the old data.
 */
import { createRevision, getPrimaryKeyOfInternalDocument, INTERNAL_CONTEXT_MIGRATION_STATUS, now, type RxDatabase } from 'rxdb';

export async function forgetFailedMigrations(db: RxDatabase, collections: { name: string; version: number }[]): Promise<string[]> {
  const ids = collections.map((c) => getPrimaryKeyOfInternalDocument([c.name, 'v', c.version].join('-'), INTERNAL_CONTEXT_MIGRATION_STATUS));
  const found = await db.internalStore.findDocumentsById(ids, false);
  const failed = found.filter((d: any) => d.data?.status === 'ERROR');
  if (failed.length === 0) return [];
  const rows = failed.map((previous) => {
    const document = { ...previous, _deleted: true, _meta: { lwt: now() }, _rev: '' };
    document._rev = createRevision(db.token, previous);
    return { previous, document };
  });
  const res = await db.internalStore.bulkWrite(rows, 'edgepay-forget-failed-migration');
  if (res.error.length > 0) throw new Error('could not reset failed migration status: ' + JSON.stringify(res.error.map((e) => e.status)));
  return failed.map((d: any) => d.key as string);
}
