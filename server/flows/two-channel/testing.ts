/**
 * Test support for the two-channel flow over real HTTP: a server on a given
 * database with the wallet's demo sign-in, a gateway enrolled through the
 * admin routes, a signed-in phone (cookie + CSRF token), and a dongle's codes
 * computed the way the dongle does (core's derivation, RFC 4226 through the
 * OTP context's `hotp`).
 */
import * as OTPAuth from 'otpauth';
import { twoChannel, type twoChannel as TC } from '../../../core/index.ts';
import { hotp, OTP_PERIOD_SECONDS } from '../../otp/index.ts';
import { newDongleSecrets } from './dongles.ts';

export type Phone = { userId: string; post(path: string, body?: unknown): Promise<{ status: number; json: any }>; get(path: string): Promise<{ status: number; json: any }> };

export async function signInPhone(serverUrl: string, userId: string): Promise<Phone> {
  // The wallet's origin is localhost (WebAuthn wants a domain): its CSRF check compares the Origin with it.
  const origin = serverUrl.replace('127.0.0.1', 'localhost');
  const res = await fetch(`${origin}/wallet/demo/${userId}`, { redirect: 'manual' });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const session = (await (await fetch(origin + '/wallet/api/session', { headers: { cookie } })).json()) as { csrfToken: string };
  const read = async (r: Response) => ({ status: r.status, json: await r.json().catch(() => undefined) });
  return {
    userId,
    post: async (path, body) =>
      read(
        await fetch(origin + path, {
          method: 'POST',
          headers: { cookie, origin, 'x-csrf-token': session.csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      ),
    get: async (path) => read(await fetch(origin + path, { headers: { cookie } })),
  };
}

/** A dongle as the tests drive it: its secrets, its clock offset, and what it would broadcast and show. */
export class TestDongle {
  readonly identityKey: Uint8Array;
  readonly otpSecret: Uint8Array;
  clockOffsetMs = 0;
  constructor(
    readonly serial: string,
    readonly exponent = twoChannel.DEFAULT_ROTATION_EXPONENT,
  ) {
    ({ identityKey: this.identityKey, otpSecret: this.otpSecret } = newDongleSecrets());
  }
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }
  step(): number {
    return Math.floor(this.now() / 1000 / OTP_PERIOD_SECONDS);
  }
  code(stepOffset = 0): string {
    return hotp(this.otpSecret, this.step() + stepOffset);
  }
  broadcast(windowOffset = 0): string {
    return twoChannel.ephemeralIdHex(this.identityKey, twoChannel.windowOf(this.now() / 1000, this.exponent) + windowOffset, this.exponent);
  }
  provisionBody(): { serial: string; identityKey: string; otpSecret: string; rotationExponent: number } {
    return {
      serial: this.serial,
      identityKey: twoChannel.toHex(this.identityKey).toLowerCase(),
      otpSecret: new OTPAuth.Secret({ buffer: this.otpSecret.slice().buffer as ArrayBuffer }).base32,
      rotationExponent: this.exponent,
    };
  }
}

export async function adminCall(origin: string, token: string, path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<any> {
  const res = await fetch(origin + path, {
    method,
    headers: { authorization: 'Bearer ' + token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export type GatewayCaller = { siteId: string; gatewayId: string; credential: string };

export async function startAt(origin: string, gw: GatewayCaller, key: string, body: TC.StartTwoChannelBody): Promise<{ status: number; json: any }> {
  const res = await fetch(origin + twoChannel.TWO_CHANNEL_PATHS.sessions, {
    method: 'POST',
    headers: { authorization: 'Bearer ' + gw.credential, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

export async function sessionOf(origin: string, gw: GatewayCaller, id: string, waitMs = 0): Promise<TC.TwoChannelSessionView> {
  const res = await fetch(`${origin}${twoChannel.TWO_CHANNEL_PATHS.session(id)}?waitMs=${waitMs}`, { headers: { authorization: 'Bearer ' + gw.credential } });
  return ((await res.json()) as TC.TwoChannelSessionResponse).session;
}
