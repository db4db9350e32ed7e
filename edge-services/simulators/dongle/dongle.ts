/**
 * The dongle's chip, as the simulator runs it: it knows its identity key
 * (for the rotating broadcast) and its OTP secret (for the one-time codes),
 * both shared with the server alone, and keeps its own clock (which may
 * drift). Every advertising interval it builds the advertising PDU of the
 * current window; asked over the second channel, it gives the current TOTP
 * code (RFC 6238: 30 s steps, 6 digits, HMAC-SHA1, through otpauth).
 */
import * as OTPAuth from 'otpauth';
import { twoChannel } from '../../../core/index.ts';

export type DongleConfig = {
  serial: string;
  /** 16 bytes, hex. */
  identityKey: string;
  /** The OTP secret, base32 (as the maker registers it). */
  otpSecret: string;
  rotationExponent?: number;
  /** TX power advertised (dBm at 0 m). */
  txPower?: number;
  /** How far this dongle's clock is ahead (ms; negative: behind). */
  clockOffsetMs?: number;
};

export class DongleChip {
  readonly identityKey: Uint8Array;
  readonly exponent: number;
  clockOffsetMs: number;
  readonly #totp: OTPAuth.TOTP;

  constructor(readonly config: DongleConfig) {
    this.identityKey = twoChannel.fromHex(config.identityKey);
    this.exponent = config.rotationExponent ?? twoChannel.DEFAULT_ROTATION_EXPONENT;
    this.clockOffsetMs = config.clockOffsetMs ?? 0;
    this.#totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(config.otpSecret), algorithm: 'SHA1', digits: 6, period: 30 });
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  window(): number {
    return twoChannel.windowOf(this.now() / 1000, this.exponent);
  }

  /** What it broadcasts now: the ADV_NONCONN_IND PDU from this window's private address. */
  advertisingPdu(): Uint8Array {
    const window = this.window();
    const advData = twoChannel.encodeDongleAdvData({
      ephemeralId: twoChannel.ephemeralId(this.identityKey, window, this.exponent),
      rotationExponent: this.exponent,
      ...(this.config.txPower === undefined ? {} : { txPower: this.config.txPower }),
    });
    return twoChannel.encodeAdvPdu(twoChannel.privateAddress(this.identityKey, window, this.exponent), advData);
  }

  /** The code it shows now, and its step. */
  code(): { code: string; step: number } {
    const timestamp = this.now();
    return { code: this.#totp.generate({ timestamp }), step: OTPAuth.TOTP.counter({ period: 30, timestamp }) };
  }
}
