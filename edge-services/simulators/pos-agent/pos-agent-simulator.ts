/**
 * The POS agent simulator (protocol: PROTOCOL.md next to this file): a POS
 * program with one input field per app id. A code typed into a field may be
 * submitted; the POS program accepts codes that fit the app's format and
 * answers with its own receipt reference a moment later.
 */
import { randomInt } from 'node:crypto';
import type { BusCommandResult } from '../../../core/index.ts';
import type { DeviceBusClient } from '../../bus/index.ts';
import { sleep, type Simulator } from '../simulator-types.ts';

type Field = { appId: string; label: string; codePattern: string };
export const DEFAULT_POS_FIELDS: readonly Field[] = [
  { appId: 'coffee-app', label: 'Coffee app pay code', codePattern: '^[0-9]{12,20}$' },
  { appId: 'wallet-qr', label: 'Wallet QR', codePattern: '^[A-Z0-9-]{8,64}$' },
  { appId: 'membership', label: 'Membership ID', codePattern: '^M[0-9]{6,10}$' },
];

export function startPosAgentSimulator(client: DeviceBusClient, options: Record<string, unknown>): Simulator {
  const fields = (options['fields'] as Field[] | undefined) ?? DEFAULT_POS_FIELDS;
  const submitMs = Number(options['submitMs'] ?? 200);
  const answers = new Map<string, BusCommandResult<'pos.enter-code'>>();
  let submitting: string | undefined;

  client.handle('pos.fields', () => ({ fields: fields.map(({ appId, label }) => ({ appId, label })) }));
  client.handle('pos.enter-code', ({ reference, appId, code, submit }) => {
    const earlier = answers.get(reference);
    if (earlier) return earlier; // never type or submit the same reference twice
    const field = fields.find((f) => f.appId === appId);
    if (!field) return { reference, accepted: false, reason: 'unknown-app' };
    if (submit && submitting) return { reference, accepted: false, reason: 'pos-busy' };
    const valid = new RegExp(field.codePattern).test(code);
    const posReference = `POS-${randomInt(100_000, 999_999)}`;
    const answer = valid || !submit ? { reference, accepted: true, posReference } : { reference, accepted: false, reason: 'invalid-code' as const };
    answers.set(reference, answer);
    if (submit && valid) {
      submitting = reference;
      void sleep(submitMs)
        .then(() => client.publish('pos.submitted', { reference, appId, posReference, outcome: 'accepted' }))
        .finally(() => (submitting = undefined));
    }
    return answer;
  });
  return { control: () => undefined, close: async () => undefined };
}
