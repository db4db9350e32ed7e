/**
 * The `jose` peer of `npm run bench -- credit`: the signatures of one
 * approval alone, as the PG makes them (ES256 compact JWS through `jose`, keys
 * imported once): the merchant's order verified, the PG's approval request
 * signed and verified (by the institution), the decision signed and verified
 * (by the PG): 2 signs + 3 verifies per approval, BENCH_CONNECTIONS at once,
 * in this process for BENCH_DURATION_S. Its approvals/s is what the machine's
 * WebCrypto allows with nothing else done; its CPU per approval, the part of
 * the server's that signing costs.
 */
import { CompactSign, compactVerify, generateKeyPair, type CryptoKey } from 'jose';
import { CREDIT_MESSAGE_TYPES } from '../core/index.ts';

export async function joseFloor(orders: string[], merchantKey: CryptoKey, s: { durationS: number; connections: number }): Promise<{ perSecond: number; cpuMsPerApproval: number }> {
  const pg = await generateKeyPair('ES256');
  const institution = await generateKeyPair('ES256');
  const enc = new TextEncoder();
  const sign = (key: CryptoKey, typ: string, payload: object) => new CompactSign(enc.encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ, kid: 'peer' }).sign(key);
  const approval = async (jws: string, i: number) => {
    await compactVerify(jws, merchantKey, { algorithms: ['ES256'] });
    const iat = Math.floor(Date.now() / 1000);
    const loanId = '019b0000-0000-7000-8000-' + String(i).padStart(12, '0');
    const request = await sign(pg.privateKey, CREDIT_MESSAGE_TYPES.approvalRequest, { loanId, buyerRef: 'b'.repeat(33), amount: 10_000, currency: 'KRW', instalments: 3, iat });
    await compactVerify(request, pg.publicKey, { algorithms: ['ES256'] });
    const decision = await sign(institution.privateKey, CREDIT_MESSAGE_TYPES.decision, { loanId, decision: 'approved', approvalNumber: 'AP-0123456789AB', amount: 10_000, currency: 'KRW', iat });
    await compactVerify(decision, institution.publicKey, { algorithms: ['ES256'] });
  };
  let next = 0;
  let done = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + s.durationS * 1000;
  await Promise.all(
    Array.from({ length: s.connections }, async () => {
      while (performance.now() < end) {
        const i = next++;
        await approval(orders[i % orders.length]!, i);
        done++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: done / ((performance.now() - start) / 1000), cpuMsPerApproval: (cpu.user + cpu.system) / 1000 / done };
}
