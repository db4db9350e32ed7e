/**
 * The ledger's files are for the gateway's own user only: folders 0700, files
 * 0600 (they hold payments, card tokens and the sync credential's state).
 *
 * Not a process umask: the gateway process writes other files too, and a umask
 * is process-wide state that a library must not change under its host. Instead
 * - folders are created 0700 (and an existing one is tightened on open);
 * - the database file is created 0600 *before* SQLite opens it (O_EXCL, so there is
 *   no moment at which it is readable by others), and SQLite gives its -wal and -shm
 *   files the database file's own permissions when it creates them;
 * - files of an existing ledger (made before this rule, or copied in) are tightened
 *   on open.
 * Where chmod cannot work (a file system without Unix modes, a file owned by someone
 * else) the ledger still opens, with a process warning: refusing to sell because of a
 * mount option would be worse than the exposure, and the warning says what to fix.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

export const OWNER_ONLY_DIRECTORY = 0o700;
export const OWNER_ONLY_FILE = 0o600;

/** Creates the folder (and missing parents) 0700, or tightens it to 0700 if it exists. */
export function ownerOnlyDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  tighten(directory, OWNER_ONLY_DIRECTORY);
}

/**
 * The database file created empty and 0600 if it does not exist (SQLite takes an
 * empty file as an empty database), then it and its companions tightened to 0600.
 */
export function ownerOnlyDatabaseFile(filePath: string): void {
  try {
    closeSync(openSync(filePath, 'wx', OWNER_ONLY_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (const path of [filePath, `${filePath}-wal`, `${filePath}-shm`, `${filePath}-journal`]) tighten(path, OWNER_ONLY_FILE);
}

function tighten(path: string, mode: number): void {
  try {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // a companion file that does not exist (yet)
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EROFS') {
      process.emitWarning(`could not make ${path} owner-only (${code}): other users of this machine may read it`, { code: 'EDGEPAY_FILE_MODE' });
      return;
    }
    throw err;
  }
}
