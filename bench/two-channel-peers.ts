/**
 * The two-channel bench's named peers, measured in the same run:
 *
 *  - `bare-fastify` / `advert-to-approval-floor`: the path's three HTTP
 *    requests (the device's start, the phone's confirmation, the device's
 *    outcome), one after another, on loopback to a bare Fastify server that
 *    only answers a small JSON body: no database, no bus, no crypto. What the
 *    machine charges for the requests alone; on a loaded machine its p99 shows
 *    how much of ours is the machine's.
 *  - `otpauth` / `otp-validations`: otpauth's own TOTP.validate (window 1)
 *    of the same codes in process: the validation's arithmetic with no
 *    database, no sealed secret and no take-once write.
 */
import Fastify from 'fastify';
import * as OTPAuth from 'otpauth';

export async function bareRoundTrips(runs: number): Promise<number[]> {
  const app = Fastify({ logger: false });
  const body = { session: { id: '01900000-0000-7000-8000-000000000000', state: 'waiting', presence: '42' } };
  app.post('/start', async () => body);
  app.post('/confirm', async () => body);
  app.get('/outcome', async () => body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const json = { 'content-type': 'application/json' };
  const samples: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await (await fetch(url + '/start', { method: 'POST', headers: json, body: '{"code":"0011223344556677","amount":1000}' })).json();
      await (await fetch(url + '/confirm', { method: 'POST', headers: json, body: '{"code":"123456","presence":"42"}' })).json();
      await (await fetch(url + '/outcome')).json();
      samples.push(performance.now() - t0);
    }
  } finally {
    await app.close();
  }
  return samples;
}

/** otpauth's TOTP.validate of each secret's current code; validations per second. */
export function otpauthValidations(secrets: Uint8Array[]): { perSecond: number; ok: number } {
  const totps = secrets.map((s) => new OTPAuth.TOTP({ secret: new OTPAuth.Secret({ buffer: s.slice().buffer as ArrayBuffer }), algorithm: 'SHA1', digits: 6, period: 30 }));
  const tokens = totps.map((t) => t.generate());
  const t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < totps.length; i++) if (totps[i]!.validate({ token: tokens[i]!, window: 1 }) !== null) ok++;
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: ok / seconds, ok };
}
