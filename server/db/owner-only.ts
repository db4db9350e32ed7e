/**
 * The server's PGlite data folder is for the server's own user only: folders 0700,
 * files 0600. Its files hold card tokens, gateway credentials' hashes and admin
 * state (the WAL too).
 *
 * PGlite (PostgreSQL in WASM) writes through Emscripten's NODEFS, which sets each
 * file's mode itself (0666) after creating it: a process umask would not stop it,
 * and would change every other file the server process writes. So:
 * - the data folder and any parent made for it are created 0700: no other user can
 *   enter it, whatever mode PGlite gives a file it creates while running;
 * - every folder and file below it is tightened to 0700 / 0600 when the database
 *   opens (a folder made before this rule, PGlite's first initdb) and again when it
 *   closes (files made while running), so the folder at rest is owner-only through
 *   and through, also if it is later copied or its folder's mode loosened.
 * A separate copy of sync/sqlite-storage/owner-only.ts's idea, not an import: the
 * server may take only types from sync (DESIGN.md section 2).
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const OWNER_ONLY_DIRECTORY = 0o700;
export const OWNER_ONLY_FILE = 0o600;

/** Creates the folder 0700 (with missing parents 0700) if it does not exist. */
export function makeOwnerOnlyDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
}

/**
 * Creates the file 0600 if it does not exist (a log file: pino's destination
 * would make it 0666 minus the umask, 0644, readable by every user of the
 * machine) and tightens it if it does; the contents are kept (opened to append).
 */
export function makeOwnerOnlyFile(path: string): void {
  closeSync(openSync(path, 'a', OWNER_ONLY_FILE));
  const stat = lstatSync(path);
  if (!stat.isSymbolicLink() && (stat.mode & 0o777) !== OWNER_ONLY_FILE) chmodOrWarn(path, OWNER_ONLY_FILE);
}

/** Tightens the folder and everything in it (symbolic links are left alone, never followed). */
export function tightenTree(root: string): void {
  const stack = [root];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat || stat.isSymbolicLink()) continue;
    const mode = stat.isDirectory() ? OWNER_ONLY_DIRECTORY : OWNER_ONLY_FILE;
    if ((stat.mode & 0o777) !== mode) chmodOrWarn(path, mode);
    if (stat.isDirectory()) for (const name of readdirSync(path)) stack.push(join(path, name));
  }
}

function chmodOrWarn(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // PGlite removed it meanwhile
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EROFS') {
      // Serving on with a warning: a mount without Unix modes must not stop the server.
      process.emitWarning(`could not make ${path} owner-only (${code}): other users of this machine may read it`, { code: 'EDGEPAY_FILE_MODE' });
      return;
    }
    throw err;
  }
}
