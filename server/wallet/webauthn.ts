/**
 * The pieces of WebAuthn shared by registration, sign-in and approvals:
 * reading the challenge a response claims to answer (so it can be consumed
 * once, atomically, before the signature check), and the stored credential.
 */
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, WebAuthnCredential } from '@simplewebauthn/server';
import type { EdgePayError } from '../../core/index.ts';
import type { Queryable } from '../db/index.ts';

export type CredentialRow = { id: string; user_id: string; public_key: Uint8Array; counter: string | number; transports: string[] };

/** The challenge in a response's clientDataJSON (not yet trusted: the signature check comes after). */
export function claimedChallenge(response: unknown, onBad: () => EdgePayError): string {
  const r = response as { response?: { clientDataJSON?: unknown } } | null;
  const encoded = r?.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) throw onBad();
  try {
    const data = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { challenge?: unknown };
    if (typeof data.challenge !== 'string' || data.challenge.length > 512) throw onBad();
    return data.challenge;
  } catch {
    throw onBad();
  }
}

export function isAuthenticationResponse(x: unknown): x is AuthenticationResponseJSON {
  const r = x as AuthenticationResponseJSON | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    r.id.length <= 1024 &&
    typeof r.rawId === 'string' &&
    r.type === 'public-key' &&
    typeof r.response === 'object' &&
    r.response !== null &&
    typeof r.response.authenticatorData === 'string' &&
    typeof r.response.signature === 'string'
  );
}

export async function credentialById(db: Queryable, credentialId: string): Promise<CredentialRow | undefined> {
  return (await db.query<CredentialRow>('SELECT id, user_id, public_key, counter, transports FROM wallet_credentials WHERE id = $1', [credentialId])).rows[0];
}

export async function credentialsOfUser(db: Queryable, userId: string): Promise<CredentialRow[]> {
  return (await db.query<CredentialRow>('SELECT id, user_id, public_key, counter, transports FROM wallet_credentials WHERE user_id = $1 ORDER BY created_at', [userId])).rows;
}

export function asWebAuthnCredential(row: CredentialRow): WebAuthnCredential {
  return {
    id: row.id,
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
    transports: row.transports as AuthenticatorTransportFuture[],
  };
}

export const allowList = (rows: CredentialRow[]) => rows.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransportFuture[] }));

/**
 * Records a verified use. The counter only moves forward (a clone of an
 * authenticator that counts would show an older counter and is refused by
 * the library before this); authenticators that do not count stay at 0.
 */
export async function recordCredentialUse(db: Queryable, credentialId: string, newCounter: number): Promise<void> {
  await db.query('UPDATE wallet_credentials SET counter = GREATEST(counter, $2), last_used_at = now() WHERE id = $1', [credentialId, newCounter]);
}
