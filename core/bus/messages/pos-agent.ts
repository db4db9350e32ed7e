/** The POS agent of the `relay` flow: it types a code into the POS program's field for an app and submits it. */
import { array, bool, object, oneOfStrings, str } from '../schema.ts';
import { empty, reference } from './fields.ts';
import type { CommandSpec, EventSpec } from './types.ts';

const P = ['pos-agent'] as const;
const appId = str(64, { pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });
const posReference = str(64);

export const posAgentCommands = {
  'pos.fields': {
    kind: 'command',
    to: P,
    params: empty,
    result: object({ fields: array(object({ appId, label: str(64) }), 64) }),
    idempotent: true,
    timeoutMs: 2_000,
    doc: 'The input fields the POS program has, one per app id.',
  },
  'pos.enter-code': {
    kind: 'command',
    to: P,
    params: object({ reference, appId, code: str(128, { minLength: 1, pattern: '^[\\x20-\\x7E]+$' }), submit: bool() }),
    result: object({ reference, accepted: bool(), posReference, reason: oneOfStrings(['unknown-app', 'pos-busy', 'invalid-code']) }, ['posReference', 'reason']),
    // Entering a payment code twice may pay twice: never retried blindly.
    idempotent: false,
    timeoutMs: 5_000,
    doc: "Put the code into the app's input field and, if `submit`, submit it to the POS program.",
  },
} as const satisfies Record<string, CommandSpec>;

export const posAgentEvents = {
  'pos.submitted': {
    kind: 'event',
    from: P,
    payload: object({ reference, appId, posReference, outcome: oneOfStrings(['accepted', 'rejected']) }),
    doc: 'The POS program answered a submitted code.',
  },
} as const satisfies Record<string, EventSpec>;
