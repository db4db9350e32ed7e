/**
 * The sandbox acquirer: a processor adapter with documented test card tokens,
 * realistic latency, and its own durable ledger (so repeated idempotency keys
 * get the recorded answer, as a real acquirer's would).
 *
 * Test tokens (the card terminal simulator hands these out; anything after
 * the scenario name, e.g. `tok_test_approve_4f9a`, is ignored):
 *
 *   tok_test_approve                   approved
 *   tok_test_decline_do_not_honor      declined: do-not-honor
 *   tok_test_insufficient_funds        declined: insufficient-funds
 *   tok_test_expired_card              declined: expired-card
 *   tok_test_lost_or_stolen            declined: lost-or-stolen
 *   tok_test_limit_exceeded            declined: limit-exceeded
 *   tok_test_timeout                   no answer within the timeout (AcquirerUnavailable 'timeout')
 *   tok_test_network_error             connection fails at once (AcquirerUnavailable 'network')
 *   any other `tok_...`                approved, except:
 *   an amount ending in 77 minor units declined: do-not-honor (whatever the token:
 *                                      lets a card terminal's ordinary tokens reach an
 *                                      acquirer decline, e.g. 1,077 KRW)
 *   anything else                      declined: invalid-token
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { EdgePayError, luhnValid } from '../../core/index.ts';
import type { Db, Queryable } from '../db/index.ts';
import { AcquirerUnavailable, type AuthoriseRequest, type AuthoriseResult, type DeclineReason, type FollowUpRequest, type FollowUpResult, type ProcessorAdapter } from './processor.ts';

export type SandboxOptions = {
  /** Simulated network + processing time, uniformly in [min, max] ms. Default 30..120. */
  latencyMs?: [number, number];
  /** How long a `tok_test_timeout` call hangs before failing. Default 3000 ms. */
  timeoutMs?: number;
};

const DECLINES: Record<string, DeclineReason> = {
  tok_test_decline_do_not_honor: 'do-not-honor',
  tok_test_insufficient_funds: 'insufficient-funds',
  tok_test_expired_card: 'expired-card',
  tok_test_lost_or_stolen: 'lost-or-stolen',
  tok_test_limit_exceeded: 'limit-exceeded',
};

export function scenarioOf(token: string): 'approve' | 'timeout' | 'network' | DeclineReason {
  if (!/^tok_[A-Za-z0-9_-]{1,200}$/.test(token)) return 'invalid-token';
  if (token.startsWith('tok_test_timeout')) return 'timeout';
  if (token.startsWith('tok_test_network_error')) return 'network';
  for (const [prefix, reason] of Object.entries(DECLINES)) if (token.startsWith(prefix)) return reason;
  return 'approve';
}

export function createSandboxAcquirer(db: Db, options: SandboxOptions = {}): ProcessorAdapter {
  const [min, max] = options.latencyMs ?? [30, 120];
  const latency = () => new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
  const code = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 6).toUpperCase();

  /**
   * Records go to the database in groups: the calls that arrive while the
   * previous group is being written share one statement (one round trip for
   * many payments at a busy till; issue 24). A group is recorded first and
   * read only for keys that were there already (a repeated call).
   * ON CONFLICT: a repeated key, or two callers with one key at once: the
   * first recorded answer wins for all of them.
   * Committed without waiting for the WAL flush (synchronous_commit off for
   * this statement's transaction): the sandbox stands for a remote acquirer,
   * whose own durability costs us its latency (latencyMs), not fsyncs of our
   * database in the payment's path. Nothing is lost by it: the authority
   * awaits these records before it writes the decision that uses them, so
   * their commit records precede the decision's in the WAL and the decision's
   * synchronous commit flushes them too (async-commits.test.ts checks the
   * order); and the answers are a function of the key, token and amount, so a
   * record lost with an undecided payment is answered the same again.
   */
  type Pending = { key: string; operation: string; token: string | null; amount: number; currency: string; outcome: unknown; resolve: (o: unknown) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  let writing = false;

  async function writeGroups(): Promise<void> {
    writing = true;
    try {
      while (queue.length > 0) {
        const group = queue;
        queue = [];
        try {
          const rows = JSON.stringify(group.map((p) => ({ key: p.key, operation: p.operation, token: p.token, amount: p.amount, currency: p.currency, outcome: p.outcome })));
          const inserted = await db.query<{ idempotency_key: string; outcome: unknown }>(
            `INSERT INTO sandbox_acquirer_transactions (idempotency_key, operation, token, amount, currency, outcome)
             SELECT r.key, r.operation, r.token, r.amount, r.currency, r.outcome
               FROM jsonb_to_recordset($1::jsonb) AS r(key text, operation text, token text, amount bigint, currency text, outcome jsonb)
              WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key, outcome`,
            [rows],
          );
          const answers = new Map<string, unknown>();
          for (const r of inserted.rows) answers.set(r.idempotency_key, r.outcome);
          const missing = group.filter((p) => !answers.has(p.key)).map((p) => p.key);
          if (missing.length > 0) {
            const found = await db.query<{ idempotency_key: string; outcome: unknown }>(
              'SELECT idempotency_key, outcome FROM sandbox_acquirer_transactions WHERE idempotency_key = ANY (ARRAY(SELECT json_array_elements_text($1::json)))',
              [JSON.stringify(missing)],
            );
            for (const r of found.rows) answers.set(r.idempotency_key, r.outcome);
          }
          for (const p of group) {
            if (answers.has(p.key)) p.resolve(answers.get(p.key));
            else p.reject(new AcquirerUnavailable('network', 'sandbox acquirer: record not found'));
          }
        } catch (err) {
          for (const p of group) p.reject(err);
        }
      }
    } finally {
      writing = false;
    }
  }

  /** Returns the recorded outcome for the key, or records `decide()`'s. */
  function once<T>(key: string, operation: string, token: string | null, amount: number, currency: string, decide: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ key, operation, token, amount, currency, outcome: decide(), resolve: resolve as (o: unknown) => void, reject });
      if (!writing) void writeGroups();
    });
  }

  const followUp =
    (operation: string) =>
    async (req: FollowUpRequest): Promise<FollowUpResult> => {
      await latency();
      return once(`${operation}:${req.idempotencyKey}`, operation, null, req.amount, req.currency, () => ({
        outcome: 'done' as const,
        reference: req.reference,
      }));
    };

  return {
    name: 'sandbox',
    async authorise(req: AuthoriseRequest): Promise<AuthoriseResult> {
      const scenario = scenarioOf(req.token);
      if (scenario === 'network') throw new AcquirerUnavailable('network', 'sandbox acquirer: connection refused');
      if (scenario === 'timeout') {
        await new Promise((r) => setTimeout(r, options.timeoutMs ?? 3000));
        throw new AcquirerUnavailable('timeout', 'sandbox acquirer: no answer in time');
      }
      await latency();
      const declineByAmount = scenario === 'approve' && req.amount % 100 === 77;
      return once(`authorise:${req.idempotencyKey}`, 'authorise', req.token, req.amount, req.currency, () =>
        scenario === 'approve' && !declineByAmount
          ? { outcome: 'approved' as const, approvalCode: code(req.idempotencyKey), reference: 'sbx_' + req.idempotencyKey }
          : { outcome: 'declined' as const, reason: declineByAmount ? 'do-not-honor' : (scenario as DeclineReason) },
      );
    },
    capture: followUp('capture'),
    void: followUp('void'),
    refund: followUp('refund'),
  };
}

/**
 * Tokenisation (issue 18): the wallet page sends card details here, the
 * sandbox acquirer keeps only the token, BIN, last 4 and expiry, and answers
 * the token. The number and the CVC are checked and dropped: never written
 * to a table, a log or a file (the route's body is not logged: Fastify logs
 * no bodies, and a refusal never echoes a value). Test cards, by number:
 *
 *   4111 1111 1111 1111, 5555 5555 5555 4444   tok_test_approve_…
 *   4000 0000 0000 0002                         tok_test_decline_do_not_honor_…
 *   4000 0000 0000 9995                         tok_test_insufficient_funds_…
 *   4000 0000 0000 0069                         tok_test_expired_card_…
 *   4000 0000 0000 9987                         tok_test_lost_or_stolen_…
 *   any other Luhn-valid number                 tok_sbx_… (approves)
 */
const TEST_CARD_SCENARIOS: Record<string, string> = {
  '4111111111111111': 'tok_test_approve',
  '5555555555554444': 'tok_test_approve',
  '4000000000000002': 'tok_test_decline_do_not_honor',
  '4000000000009995': 'tok_test_insufficient_funds',
  '4000000000000069': 'tok_test_expired_card',
  '4000000000009987': 'tok_test_lost_or_stolen',
};

export type CardDetails = { number: string; expMonth: number; expYear: number; cvc: string };
export type CardToken = { token: string; bin: string; last4: string };

export async function tokeniseCard(db: Db, card: CardDetails, now = new Date()): Promise<CardToken> {
  const number = String(card.number ?? '').replace(/[ -]/g, '');
  if (!/^[2-6][0-9]{12,18}$/.test(number) || !luhnValid(number)) throw new EdgePayError('WALLET_CARD_INVALID', { field: 'number' });
  const year = card.expYear < 100 ? 2000 + card.expYear : card.expYear;
  if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12) throw new EdgePayError('WALLET_CARD_INVALID', { field: 'expMonth' });
  // A card is valid to the end of its expiry month.
  if (!Number.isInteger(year) || year > now.getUTCFullYear() + 20 || Date.UTC(year, card.expMonth, 1) <= now.getTime()) {
    throw new EdgePayError('WALLET_CARD_INVALID', { field: 'expiry' });
  }
  if (typeof card.cvc !== 'string' || !/^[0-9]{3,4}$/.test(card.cvc)) throw new EdgePayError('WALLET_CARD_INVALID', { field: 'cvc' });
  const token = `${TEST_CARD_SCENARIOS[number] ?? 'tok_sbx'}_${randomBytes(12).toString('hex')}`;
  const kept = { token, bin: number.slice(0, 6), last4: number.slice(-4) };
  await db.query('INSERT INTO sandbox_acquirer_card_tokens (token, bin, last4, exp_month, exp_year) VALUES ($1, $2, $3, $4, $5)', [kept.token, kept.bin, kept.last4, card.expMonth, year]);
  return kept;
}

/** What the acquirer kept of a token's card, or undefined for a token it never issued. */
export async function cardOfToken(db: Queryable, token: string): Promise<CardToken | undefined> {
  const r = await db.query<CardToken>('SELECT token, bin, last4 FROM sandbox_acquirer_card_tokens WHERE token = $1', [token]);
  return r.rows[0];
}

/**
 * `POST /sandbox-acquirer/tokens {number, expMonth, expYear, cvc}` -> `{token, bin, last4}`.
 * `preHandler` guards it (the server passes the wallet's session check, so
 * only a signed-in wallet can tokenise: an open tokeniser invites card testing).
 */
export function registerSandboxTokenRoute(app: FastifyInstance, deps: { db: Db; preHandler?: preHandlerAsyncHookHandler }): void {
  app.post(
    '/sandbox-acquirer/tokens',
    {
      ...(deps.preHandler ? { preHandler: deps.preHandler } : {}),
      // The one route whose body is a card number (server/http/input-guard.ts).
      config: { acceptsCardData: true },
      schema: {
        summary: 'Tokenise a card (sandbox acquirer): keeps the token, BIN and last 4, never the number or CVC',
        tags: ['sandbox-acquirer'],
        body: {
          type: 'object',
          required: ['number', 'expMonth', 'expYear', 'cvc'],
          additionalProperties: false,
          properties: {
            number: { type: 'string', maxLength: 30 },
            expMonth: { type: 'integer' },
            expYear: { type: 'integer' },
            cvc: { type: 'string', maxLength: 4 },
          },
        },
      },
    },
    async (request) => tokeniseCard(deps.db, request.body as CardDetails),
  );
}
