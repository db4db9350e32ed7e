/**
 * The one-time codes a terminal has already seen (SHA-256 of each, never the
 * code), kept in a file so that a restarted terminal still refuses them. The
 * server refuses a reused code too; refusing it here means it never leaves
 * the shop. Appended and fsynced before the code is sent anywhere.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class SeenCodes {
  private readonly seen = new Set<string>();
  private fd: number;
  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if (existsSync(file)) for (const line of readFileSync(file, 'utf8').split('\n')) if (line) this.seen.add(line);
    this.fd = openSync(file, 'a', 0o600);
  }
  static keyOf(code: string): string {
    return createHash('sha256').update(code).digest('hex');
  }
  /** False if seen before; otherwise records it durably and answers true. */
  firstTime(code: string): boolean {
    const key = SeenCodes.keyOf(code);
    if (this.seen.has(key)) return false;
    writeSync(this.fd, key + '\n');
    fdatasyncSync(this.fd);
    this.seen.add(key);
    return true;
  }
  close(): void {
    closeSync(this.fd);
  }
}
