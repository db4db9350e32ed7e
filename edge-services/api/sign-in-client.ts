/**
 * Who is signing in, as far as the sign-in throttle can tell, and the keys it
 * counts wrong PINs under.
 *
 * What we chose, and why:
 *  - A console browser that signed in before holds a "known device" cookie
 *    (a random id the gateway issued after a right PIN; HttpOnly,
 *    SameSite=Strict, so no other page or site can read or send it). Such a
 *    client is counted under its device id ALONE: nobody without that browser
 *    can make it wait. This is what the legitimate console has that a
 *    stranger does not, on a loopback kiosk where every client is 127.0.0.1
 *    and any local process can forge Host and Origin (after OWASP's "device
 *    cookies" against online guessing).
 *  - In-process callers (Electron's window through IPC, the demo's
 *    terminal) are one client of their own: no network caller can reach it,
 *    so the app on the machine is always a way in.
 *  - Any other client is counted under its address and the Origin it sent
 *    (the UI's own origin from a browser, none from a script), where all
 *    loopback addresses are one (a local process can bind any of 127/8) and
 *    an IPv6 address counts by its /64 (a host may hold the whole prefix);
 *    AND under one pool of all such clients with a larger allowance, so that
 *    many addresses together still get few guesses. A stranger can thus slow
 *    down other unknown clients, never a known device or the app.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export type SignInCaller =
  /** Code in the gateway's own processes (IPC from the app's window, the demo's terminal). */
  | { channel: 'in-process' }
  | {
      channel: 'http';
      /** The socket's remote address. */
      address: string | undefined;
      /** The Origin header, when the browser sent one (the guard already checked it is ours). */
      origin: string | undefined;
      /** The known-device cookie's value, when the browser sent one (trusted only if the gateway issued it). */
      device: string | undefined;
    };

export const IN_PROCESS: SignInCaller = { channel: 'in-process' };

/** The pool every unknown network client also counts under. */
export const UNKNOWN_CLIENTS_POOL = 'pool:unknown-network-clients';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** The address part of a key: loopback as one, IPv4 as it is, IPv6 by its /64. */
export function addressKey(address: string | undefined): string {
  const a = (address ?? '').toLowerCase();
  if (LOOPBACK.test(a)) return 'loopback';
  const mapped = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIPv4(mapped)) return mapped;
  if (isIPv6(a)) return expandIPv6(a).slice(0, 4).join(':') + '::/64';
  return 'unknown';
}

function expandIPv6(a: string): string[] {
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = a.includes('::') ? Array(Math.max(0, 8 - h.length - t.length)).fill('0') : [];
  return [...h, ...zeros, ...t].map((g) => g.padStart(4, '0'));
}

/** A short, one-way name for a device id, for logs (the id itself is a credential). */
export const deviceLabel = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 12);

/** The keys a caller's wrong PINs count under; the first is the caller's own. */
export function throttleKeys(caller: SignInCaller, isKnownDevice: (id: string) => boolean): { own: string; pool?: string; known: boolean } {
  if (caller.channel === 'in-process') return { own: 'in-process', known: true };
  if (caller.device && isKnownDevice(caller.device)) return { own: 'device:' + caller.device, known: true };
  return { own: `net:${addressKey(caller.address)}|${(caller.origin ?? '-').slice(0, 200)}`, pool: UNKNOWN_CLIENTS_POOL, known: false };
}

/** What the sign-in log says of a caller (no PIN, no device id). */
export function callerForLog(caller: SignInCaller, known: boolean): Record<string, unknown> {
  if (caller.channel === 'in-process') return { channel: 'in-process' };
  return {
    channel: 'http',
    address: caller.address ?? null,
    origin: caller.origin?.slice(0, 200) ?? null,
    knownDevice: known,
    ...(known && caller.device ? { device: deviceLabel(caller.device) } : {}),
  };
}
