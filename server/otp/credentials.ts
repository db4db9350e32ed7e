/**
 * One-time code credentials and their validation, exactly as RFC 4226 (HOTP)
 * and RFC 6238 (TOTP) say, through `otpauth` (a maintained implementation of
 * both; we only choose which counters to try):
 *
 * - The step is 30 s (T0 = 0). A code is taken for the expected step E = the
 *   server's step + the credential's recorded drift, or the one before it
 *   (at most one step back, RFC 6238 §5.2: a code typed near the end of its
 *   step arrives in the next). Nothing ahead of E is taken.
 * - Each code once: the accepting statement requires `last_step < step`, so a
 *   code (or an older one) is refused after a newer one was accepted, and of
 *   two submissions of one code at once, in any number of server processes,
 *   exactly one changes the row.
 * - Drift (RFC 6238 §6, RFC 4226 §7.4): a code matching a step up to
 *   `resyncSteps` away from the window is not taken; its step is remembered
 *   and the next code must match the step after it (two consecutive codes, as
 *   a person reads them off the device); then the drift is recorded and used
 *   for every later code. Every accepted code records its offset too.
 * - Failures in a row are counted per credential: after `throttleAfter` of
 *   them each attempt must wait (1 s, doubling) and is not even compared
 *   before; at `maxFailures` (at most 10) the credential locks for
 *   `lockoutSeconds`. An accepted code clears the count.
 */
import { timingSafeEqual } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { EdgePayError, uuidV7 } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { Keyring } from './keyring.ts';

export type OtpPolicy = {
  /** Failures in a row that lock the credential (RFC 4226 §7.3 asks for a limit; ours is at most 10). */
  maxFailures: number;
  lockoutSeconds: number;
  /** Failures in a row after which each attempt waits `throttleBaseMs`, doubling. */
  throttleAfter: number;
  throttleBaseMs: number;
  /** How far (in steps) a drifted code is still looked for. */
  resyncSteps: number;
};

export const DEFAULT_OTP_POLICY: OtpPolicy = { maxFailures: 5, lockoutSeconds: 900, throttleAfter: 3, throttleBaseMs: 1000, resyncSteps: 10 };
export const OTP_PERIOD_SECONDS = 30;
export const OTP_DIGITS = 6;

type CredentialRow = {
  id: string;
  /** NULL once revoked: the secret is destroyed. */
  secret_sealed: string | null;
  digits: number;
  period_seconds: number;
  last_step: string | number;
  drift_steps: number;
  resync_step: string | number | null;
  resync_offset: number | null;
  failures: number;
  wait_ms: string | number | null;
  locked_ms: string | number | null;
  now_ms: string | number;
};

/** Creates a credential for a secret (the device's), sealed under the keyring's current key. Returns its id. */
export async function createOtpCredential(db: Queryable, keyring: Keyring, secret: Uint8Array): Promise<string> {
  const id = uuidV7();
  await db.query('INSERT INTO otp_credentials (id, secret_sealed, key_id, digits, period_seconds) VALUES ($1, $2, $3, $4, $5)', [
    id,
    keyring.seal(secret, 'otp:' + id),
    keyring.currentId,
    OTP_DIGITS,
    OTP_PERIOD_SECONDS,
  ]);
  return id;
}

/** The RFC 4226 code of a secret at a counter (also what a dongle computes at its TOTP step). */
export function hotp(secret: Uint8Array, counter: number, digits = OTP_DIGITS): string {
  return OTPAuth.HOTP.generate({ secret: new OTPAuth.Secret({ buffer: toArrayBuffer(secret) }), algorithm: 'SHA1', digits, counter });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export type OtpAccepted = { step: number; offset: number; resynced: boolean };

/**
 * Checks a code for a credential and takes it (once). Throws OTP_INVALID,
 * OTP_REPLAYED, OTP_THROTTLED, OTP_LOCKED or OTP_RESYNC_NEEDED. Time is the
 * database's (one clock for every server process).
 */
export async function verifyOtp(db: Db, keyring: Keyring, credentialId: string, code: string, policy: OtpPolicy = DEFAULT_OTP_POLICY): Promise<OtpAccepted> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT id, secret_sealed, digits, period_seconds, last_step, drift_steps, resync_step, resync_offset, failures,
            EXTRACT(EPOCH FROM (next_attempt_at - now())) * 1000 AS wait_ms,
            EXTRACT(EPOCH FROM (locked_until - now())) * 1000 AS locked_ms,
            EXTRACT(EPOCH FROM now()) * 1000 AS now_ms
       FROM otp_credentials WHERE id = $1`,
    [credentialId],
  );
  const row = rows[0];
  if (!row) throw new EdgePayError('INTERNAL');
  if (row.secret_sealed === null) throw new EdgePayError('OTP_REVOKED');
  refuseWhileWaiting(row);
  if (!/^[0-9]+$/.test(code) || code.length !== row.digits) return fail(db, row, policy, 'OTP_INVALID');
  const secret = keyring.open(row.secret_sealed, 'otp:' + row.id);
  // A revocation committed after the read above must not let this code through: accept() checks it again.
  const serverStep = Math.floor(Number(row.now_ms) / 1000 / row.period_seconds);
  const expected = serverStep + row.drift_steps;
  const lastStep = Number(row.last_step);
  const matches = (step: number) => step >= 0 && same(hotp(secret, step, row.digits), code);

  // The window: the expected step and the one before it.
  for (const step of [expected, expected - 1]) {
    if (!matches(step)) continue;
    if (step <= lastStep) throw new EdgePayError('OTP_REPLAYED');
    return accept(db, row, step, step - serverStep, row.drift_steps, false);
  }
  // The second code of a resynchronisation: the step right after the remembered one.
  const resyncStep = row.resync_step === null ? undefined : Number(row.resync_step);
  if (resyncStep !== undefined && matches(resyncStep + 1) && resyncStep + 1 > lastStep) {
    // The drift is the offset measured at the first code (the second may come a step later by the server's clock too).
    const drift = row.resync_offset ?? resyncStep + 1 - serverStep;
    return accept(db, row, resyncStep + 1, resyncStep + 1 - serverStep, drift, true);
  }
  // A drifted clock: remember the step, ask for the next code.
  for (let d = 1; d <= policy.resyncSteps; d++) {
    for (const step of [expected + d, expected - 1 - d]) {
      if (step <= lastStep || !matches(step)) continue;
      await db.query('UPDATE otp_credentials SET resync_step = $2, resync_offset = $3, updated_at = now() WHERE id = $1', [row.id, step, step - serverStep]);
      return fail(db, row, policy, 'OTP_RESYNC_NEEDED');
    }
  }
  return fail(db, row, policy, 'OTP_INVALID');
}

function refuseWhileWaiting(row: CredentialRow): void {
  const locked = row.locked_ms === null ? 0 : Number(row.locked_ms);
  if (locked > 0) throw new EdgePayError('OTP_LOCKED', { retryAfterSeconds: Math.ceil(locked / 1000) });
  const wait = row.wait_ms === null ? 0 : Number(row.wait_ms);
  if (wait > 0) throw new EdgePayError('OTP_THROTTLED', { retryAfterSeconds: Math.ceil(wait / 1000) });
}

async function accept(db: Db, row: CredentialRow, step: number, offset: number, drift: number, resynced: boolean): Promise<OtpAccepted> {
  // Guarded: the step must still be newer than the last accepted one and the credential not locked meanwhile.
  const { rows } = await db.query<{ id: string }>(
    `UPDATE otp_credentials SET last_step = $2, drift_steps = $3, last_offset = $4, resync_step = NULL, resync_offset = NULL, failures = 0,
            next_attempt_at = NULL, locked_until = NULL, updated_at = now()
      WHERE id = $1 AND last_step < $2 AND (locked_until IS NULL OR locked_until <= now()) AND revoked_at IS NULL
      RETURNING id`,
    [row.id, step, drift, offset],
  );
  if (rows.length === 1) return { step, offset, resynced };
  // Another submission took this step (or a newer one) first, or a lockout began in between.
  const { rows: now } = await db.query<CredentialRow>(
    `SELECT id, last_step, failures, revoked_at, NULL AS wait_ms, EXTRACT(EPOCH FROM (locked_until - now())) * 1000 AS locked_ms FROM otp_credentials WHERE id = $1`,
    [row.id],
  );
  if ((now[0] as { revoked_at?: unknown } | undefined)?.revoked_at) throw new EdgePayError('OTP_REVOKED');
  const locked = Number(now[0]?.locked_ms ?? 0);
  if (locked > 0) throw new EdgePayError('OTP_LOCKED', { retryAfterSeconds: Math.ceil(locked / 1000) });
  throw new EdgePayError('OTP_REPLAYED');
}

/** Counts a failure (atomically: concurrent failures all count) and throws `code`, or OTP_LOCKED when this one reached the limit. */
async function fail(db: Db, row: CredentialRow, policy: OtpPolicy, code: 'OTP_INVALID' | 'OTP_RESYNC_NEEDED' | 'TWO_CHANNEL_PRESENCE_MISMATCH'): Promise<never> {
  const max = Math.min(10, policy.maxFailures);
  const { rows } = await db.query<{ failures: number }>(
    `UPDATE otp_credentials SET failures = failures + 1,
            next_attempt_at = CASE WHEN failures + 1 >= $2 THEN now() + make_interval(secs => $3 * power(2, failures + 1 - $2) / 1000.0) ELSE NULL END,
            locked_until = CASE WHEN failures + 1 >= $4 THEN now() + make_interval(secs => $5) ELSE locked_until END,
            updated_at = now()
      WHERE id = $1 RETURNING failures`,
    [row.id, policy.throttleAfter, policy.throttleBaseMs, max, policy.lockoutSeconds],
  );
  const failures = rows[0]?.failures ?? max;
  if (failures >= max) {
    // The lockout's count starts again when it ends.
    await db.query('UPDATE otp_credentials SET failures = 0, next_attempt_at = NULL WHERE id = $1 AND failures >= $2', [row.id, max]);
    throw new EdgePayError('OTP_LOCKED', { retryAfterSeconds: policy.lockoutSeconds });
  }
  throw new EdgePayError(code, { attemptsLeft: max - failures });
}

/** A failure that is not a wrong code (a wrong presence number) counted like one: the same throttle and lockout. */
export async function countOtpFailure(db: Db, credentialId: string, code: 'TWO_CHANNEL_PRESENCE_MISMATCH', policy: OtpPolicy = DEFAULT_OTP_POLICY): Promise<never> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT id, failures, EXTRACT(EPOCH FROM (next_attempt_at - now())) * 1000 AS wait_ms,
            EXTRACT(EPOCH FROM (locked_until - now())) * 1000 AS locked_ms FROM otp_credentials WHERE id = $1`,
    [credentialId],
  );
  if (!rows[0]) throw new EdgePayError('INTERNAL');
  refuseWhileWaiting(rows[0]);
  return fail(db, rows[0], policy, code);
}

/** Refuses at once (OTP_LOCKED / OTP_THROTTLED) while the credential waits, before anything else is checked. */
export async function checkOtpNotWaiting(db: Queryable, credentialId: string): Promise<void> {
  const { rows } = await db.query<CredentialRow>(
    `SELECT EXTRACT(EPOCH FROM (next_attempt_at - now())) * 1000 AS wait_ms,
            EXTRACT(EPOCH FROM (locked_until - now())) * 1000 AS locked_ms FROM otp_credentials WHERE id = $1`,
    [credentialId],
  );
  if (rows[0]) refuseWhileWaiting(rows[0]);
}

/**
 * Revokes a credential for good: its sealed secret is overwritten with NULL
 * (no key can open it again, in any server process) and every later check
 * answers OTP_REVOKED. Run it in the caller's transaction.
 */
export async function revokeOtpCredential(db: Queryable, credentialId: string): Promise<void> {
  await db.query('UPDATE otp_credentials SET secret_sealed = NULL, revoked_at = now(), resync_step = NULL, resync_offset = NULL, updated_at = now() WHERE id = $1', [credentialId]);
}

/** The drift recorded for a credential, in steps (for the operator and the tests). */
export async function otpDrift(db: Queryable, credentialId: string): Promise<{ driftSteps: number; lastOffset: number | null; failures: number }> {
  const { rows } = await db.query<{ drift_steps: number; last_offset: number | null; failures: number }>('SELECT drift_steps, last_offset, failures FROM otp_credentials WHERE id = $1', [
    credentialId,
  ]);
  return { driftSteps: rows[0]?.drift_steps ?? 0, lastOffset: rows[0]?.last_offset ?? null, failures: rows[0]?.failures ?? 0 };
}
