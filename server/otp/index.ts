/**
 * server/otp: one-time codes (RFC 4226/6238 through otpauth) as a shared
 * context: credentials with their secrets sealed under a key from the
 * environment (rotation possible), validation taking each code once across
 * server processes, drift tracking and resynchronisation, throttling and
 * lockout. The two-channel flow's dongles are its first users.
 */
export { keyringFrom, environmentKeyring, requireKeyring, newOtpKeyText, type Keyring } from './keyring.ts';
export {
  createOtpCredential,
  verifyOtp,
  countOtpFailure,
  checkOtpNotWaiting,
  revokeOtpCredential,
  otpDrift,
  hotp,
  DEFAULT_OTP_POLICY,
  OTP_PERIOD_SECONDS,
  OTP_DIGITS,
  type OtpPolicy,
  type OtpAccepted,
} from './credentials.ts';
export { resealUnderCurrentKey, OTP_SEALED_COLUMN, type SealedColumn } from './rotation.ts';
