/** Random secrets and their hashes, base64url. */
import { createHash, randomBytes } from 'node:crypto';

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');
export const sha256b64 = (text: string | Buffer): string => createHash('sha256').update(text).digest('base64url');
