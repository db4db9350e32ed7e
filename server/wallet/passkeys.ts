/**
 * Registration (name + phone, then a passkey) and sign-in with a passkey
 * (discoverable, or the credentials of a phone number), user verification
 * required. Challenges live in the database and are used once.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { randomBytes } from 'node:crypto';
import { EdgePayError, normalisePhone } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { originOf, type RelyingParty } from './config.ts';
import { checkName, findUserById, findUserByPhone, insertUser } from './users.ts';
import { allowList, asWebAuthnCredential, claimedChallenge, credentialById, credentialsOfUser, isAuthenticationResponse, recordCredentialUse } from './webauthn.ts';

const CHALLENGE_TTL_MS = 5 * 60_000;
const TIMEOUT_MS = 120_000;

const invalid = (reason: string) => () => new EdgePayError('WALLET_PASSKEY_INVALID', { reason });

async function storeChallenge(db: Queryable, challenge: string, purpose: 'register' | 'sign-in', data: object): Promise<void> {
  await db.query('INSERT INTO wallet_challenges (challenge, purpose, data, expires_at) VALUES ($1, $2, $3, $4)', [challenge, purpose, JSON.stringify(data), new Date(Date.now() + CHALLENGE_TTL_MS)]);
  if (Math.random() < 0.02) await db.query("DELETE FROM wallet_challenges WHERE expires_at < now() - interval '1 hour'");
}

/** Marks a challenge used; only the first caller in any process gets its data. */
async function consumeChallenge<T>(db: Queryable, challenge: string, purpose: 'register' | 'sign-in'): Promise<T> {
  const r = await db.query<{ data: T }>('UPDATE wallet_challenges SET used_at = now() WHERE challenge = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING data', [
    challenge,
    purpose,
  ]);
  if (!r.rows[0]) throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'unknown, used or expired challenge' });
  return r.rows[0].data;
}

type PendingUser = { name: string; phone: string; userHandle: string };

export async function registrationOptions(db: Db, rp: RelyingParty, input: { name: unknown; phone: unknown }): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const name = checkName(input.name);
  const phone = normalisePhone(String(input.phone ?? ''));
  if (await findUserByPhone(db, phone)) throw new EdgePayError('WALLET_PHONE_TAKEN');
  const userHandle = randomBytes(32);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName ?? 'EdgePay Wallet',
    rpID: rp.rpId,
    userName: phone,
    userDisplayName: name,
    userID: userHandle,
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  });
  const pending: PendingUser = { name, phone, userHandle: userHandle.toString('base64url') };
  await storeChallenge(db, options.challenge, 'register', pending);
  return options;
}

/** Verifies the new passkey and creates the user with it; answers the user's id. */
export async function verifyRegistration(db: Db, rp: RelyingParty, response: unknown): Promise<{ userId: string }> {
  const challenge = claimedChallenge(response, invalid('malformed response'));
  const pending = await consumeChallenge<PendingUser>(db, challenge, 'register');
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: originOf(rp),
      expectedRPID: rp.rpId,
      requireUserVerification: true,
    });
  } catch (err) {
    throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'registration not verified' }, { cause: err });
  }
  if (!verified.verified) throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'registration not verified' });
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  return db.transaction(async (tx) => {
    const user = await insertUser(tx, pending);
    await tx.query('INSERT INTO wallet_credentials (id, user_id, public_key, counter, transports, device_type, backed_up) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      credential.id,
      user.id,
      Buffer.from(credential.publicKey),
      credential.counter,
      credential.transports ?? [],
      credentialDeviceType,
      credentialBackedUp,
    ]);
    return { userId: user.id };
  });
}

/**
 * Options for a sign-in: with a phone number, that user's credentials are
 * allowed; an unknown number gets the empty-list answer of a discoverable
 * sign-in. (So a known number's answer does show it is registered, as
 * registration's WALLET_PHONE_TAKEN does; both are rate limited per phone
 * and per IP.)
 */
export async function signInOptions(db: Db, rp: RelyingParty, phone: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const user = phone ? await findUserByPhone(db, phone) : undefined;
  const allowCredentials = user ? allowList(await credentialsOfUser(db, user.id)) : [];
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    timeout: TIMEOUT_MS,
    userVerification: 'required',
    ...(allowCredentials.length ? { allowCredentials } : {}),
  });
  await storeChallenge(db, options.challenge, 'sign-in', {});
  return options;
}

/** Verifies a sign-in assertion; answers the signed-in user's id and phone (for the per-phone limit). */
export async function verifySignIn(
  db: Db,
  rp: RelyingParty,
  response: unknown,
  /** Called with the credential owner's phone before the signature is checked (the per-phone limit). */
  beforeCheck: (phone: string) => Promise<void> = async () => undefined,
): Promise<{ userId: string; phone: string }> {
  if (!isAuthenticationResponse(response)) throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'malformed response' });
  const challenge = claimedChallenge(response, invalid('malformed response'));
  await consumeChallenge(db, challenge, 'sign-in');
  const stored = await credentialById(db, response.id);
  if (!stored) throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'unknown passkey' });
  const user = await findUserById(db, stored.user_id);
  if (!user) throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'unknown passkey' });
  // A discoverable credential names its user: it must be the credential's owner.
  const handle = response.response.userHandle;
  if (handle && handle !== user.user_handle) throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'user handle mismatch' });
  await beforeCheck(user.phone);
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: originOf(rp),
      expectedRPID: rp.rpId,
      credential: asWebAuthnCredential(stored),
      requireUserVerification: true,
    });
  } catch (err) {
    throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'assertion not verified' }, { cause: err });
  }
  if (!verified.verified) throw new EdgePayError('WALLET_PASSKEY_INVALID', { reason: 'assertion not verified' });
  await recordCredentialUse(db, stored.id, verified.authenticationInfo.newCounter);
  return { userId: user.id, phone: user.phone };
}
