/**
 * Approval proofs (dynamic linking, as strong customer authentication asks):
 * a passkey approval signs a challenge derived from what is approved,
 *
 *   challenge = base64url( SHA-256(canonical JSON of {requestId, amount, currency, payeeId}) || nonce )
 *
 * where the 32-byte nonce is the server's, stored for this user and this
 * binding, and used once. So an assertion made for one request cannot pay
 * another, another amount or another payee, nor be replayed.
 *
 * The payment password is the fallback where no passkey is at hand: checked
 * for this user with the same throttling and lockout; the caller passes the
 * binding of the request being answered, so it approves only that.
 */
import { generateAuthenticationOptions, verifyAuthenticationResponse, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalBinding, EdgePayError, type ApprovalBinding, type ApprovalMethod, type ApprovalProof } from '../../core/index.ts';
import type { Db } from '../db/index.ts';
import { originOf, relyingPartyFor, type RelyingParty } from './config.ts';
import { checkPaymentPassword } from './payment-password.ts';
import { allowList, asWebAuthnCredential, claimedChallenge, credentialById, credentialsOfUser, isAuthenticationResponse, recordCredentialUse } from './webauthn.ts';

/** How long an approval challenge may be answered: the request's own deadline is payreq's; this only bounds the nonce. */
const APPROVAL_CHALLENGE_TTL_MS = 5 * 60_000;

export const bindingHash = (b: ApprovalBinding): Buffer => createHash('sha256').update(canonicalBinding(b), 'utf8').digest();

const invalid = (reason: string) => new EdgePayError('APPROVAL_PROOF_INVALID', { reason });

/** WebAuthn request options whose challenge binds this user's approval of `binding`. */
export async function approvalOptions(db: Db, userId: string, binding: ApprovalBinding, rp?: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const party = relyingPartyFor(db, rp);
  const hash = bindingHash(binding);
  const challenge = Buffer.concat([hash, randomBytes(32)]);
  const credentials = await credentialsOfUser(db, userId);
  const options = await generateAuthenticationOptions({
    rpID: party.rpId,
    challenge: new Uint8Array(challenge),
    timeout: 120_000,
    userVerification: 'required',
    // Only this user's passkeys can answer (an empty list would let the browser offer any).
    allowCredentials: allowList(credentials),
  });
  await db.query('INSERT INTO wallet_approval_challenges (challenge, user_id, binding_hash, expires_at) VALUES ($1, $2, $3, $4)', [
    options.challenge,
    userId,
    hash.toString('base64url'),
    new Date(Date.now() + APPROVAL_CHALLENGE_TTL_MS),
  ]);
  if (Math.random() < 0.02) await db.query("DELETE FROM wallet_approval_challenges WHERE expires_at < now() - interval '1 hour'");
  return options;
}

/**
 * Resolves `{ method }` only if the proof is valid for THIS user and THIS
 * binding; else throws APPROVAL_PROOF_INVALID (reason), APPROVAL_PROOF_REPLAYED,
 * APPROVAL_PASSKEY_REQUIRED, PAYMENT_PASSWORD_INVALID / _LOCKED / _NOT_SET.
 */
export async function verifyApprovalProof(
  db: Db,
  userId: string,
  binding: ApprovalBinding,
  proof: ApprovalProof,
  opts: { requirePasskey?: boolean; rp?: RelyingParty; passwordLockMs?: number } = {},
): Promise<{ method: ApprovalMethod }> {
  const hash = bindingHash(binding);
  const p = proof as { method?: unknown; response?: unknown; password?: unknown } | null;
  if (typeof p !== 'object' || p === null) throw invalid('no proof');
  if (p.method === 'password') {
    if (opts.requirePasskey) throw new EdgePayError('APPROVAL_PASSKEY_REQUIRED');
    await checkPaymentPassword(db, userId, p.password, opts.passwordLockMs);
    return { method: 'password' };
  }
  if (p.method !== 'passkey') throw invalid('unknown method');
  const response = p.response;
  if (!isAuthenticationResponse(response)) throw invalid('malformed assertion');
  const challenge = claimedChallenge(response, () => invalid('malformed assertion'));
  // The challenge must be derived from THIS binding: a signature over another
  // amount or payee fails here, before any nonce is spent.
  const claimed = Buffer.from(challenge, 'base64url');
  if (claimed.length !== 64 || !timingSafeEqual(claimed.subarray(0, 32), hash)) throw invalid('signed for another request, amount, currency or payee');
  // Use the nonce once, for this user and binding, in any server process.
  const used = await db.query(
    `UPDATE wallet_approval_challenges SET used_at = now()
     WHERE challenge = $1 AND user_id = $2 AND binding_hash = $3 AND used_at IS NULL AND expires_at > now() RETURNING 1`,
    [challenge, userId, hash.toString('base64url')],
  );
  if (used.rows.length === 0) {
    // Tell a replay (used or run out) from a challenge that was never this user's.
    const issued = await db.query<{ user_id: string }>('SELECT user_id FROM wallet_approval_challenges WHERE challenge = $1', [challenge]);
    if (issued.rows[0]?.user_id !== userId) throw invalid('challenge not issued to this user');
    throw new EdgePayError('APPROVAL_PROOF_REPLAYED');
  }
  const stored = await credentialById(db, response.id);
  if (!stored || stored.user_id !== userId) throw invalid("not this user's passkey");
  const party = relyingPartyFor(db, opts.rp);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: originOf(party),
      expectedRPID: party.rpId,
      credential: asWebAuthnCredential(stored),
      requireUserVerification: true,
    });
  } catch (err) {
    throw new EdgePayError('APPROVAL_PROOF_INVALID', { reason: 'signature not verified' }, { cause: err });
  }
  if (!verified.verified) throw invalid('signature not verified');
  await recordCredentialUse(db, stored.id, verified.authenticationInfo.newCounter);
  return { method: 'passkey' };
}
