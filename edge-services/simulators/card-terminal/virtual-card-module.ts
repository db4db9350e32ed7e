/**
 * The card terminal's payment module for virtual cards (the elevator flow).
 * A card arrives sealed to this terminal's own X25519 key, through the
 * gateway, which cannot open it; the module opens it, keeps the card in
 * memory for its reference only, and authorises a charge with the issuer
 * over the card network (HTTP here), its request sealed between the
 * terminal's key and the issuer's so that only this terminal could have made
 * it. The network's retry rule: after a lost answer the same authorisation id
 * is sent again and gets the same decision. Nothing here is logged.
 *
 * Options: cardKey (base64 PKCS8 of the X25519 private key; its public half
 * is enrolled with the issuer), issuerUrl, issuerTerminalId (default: the
 * device id), issuerTimeoutMs (default 2000).
 * Controls: {action: 'lose-approvals', count}: the next `count` issuer answers
 * are lost on the way back (the terminal then reports `timeout` and the
 * approval must be reversed); {action: 'charge-again', reference}: the card
 * of a charged reference is authorised once more under a new id (a second
 * charge of a single-use card; the issuer records its decline);
 * {action: 'hold-authorisations', ms}: the next authorisation waits ms first
 * (a slow network: the card may expire meanwhile).
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { ELEVATOR_PATHS, type AuthorisationDecision, type BusCommandParams, type BusCommandResult, type CardSecret, type Money, type SealedBox } from '../../../core/index.ts';
import { DeviceCommandError } from '../../bus/index.ts';
import { openCard, sealAuthorisation, x25519Private, x25519Public } from './virtual-card-crypto.ts';

type Loaded = { merchantId: string; secret: CardSecret; last4: string; authorisationId?: string };
type ChargeResult = BusCommandResult<'terminal.charge'>;

const ISSUER_REASONS: Record<string, NonNullable<ChargeResult['declineReason']>> = {
  'card-expired': 'card-expired',
  'card-used': 'card-blocked',
  'card-closed': 'card-blocked',
};

export class VirtualCardModule {
  private readonly key: KeyObject;
  private readonly issuerUrl: string;
  private readonly terminalId: string;
  private readonly timeoutMs: number;
  private issuerKey: KeyObject | undefined;
  private readonly cards = new Map<string, Loaded>();
  private losing = 0;
  private holdMs = 0;
  lastSecondDecision: AuthorisationDecision | undefined;

  constructor(options: Record<string, unknown>, deviceId: string) {
    this.key = x25519Private(String(options['cardKey']));
    this.issuerUrl = String(options['issuerUrl'] ?? '');
    this.terminalId = String(options['issuerTerminalId'] ?? deviceId);
    this.timeoutMs = Number(options['issuerTimeoutMs'] ?? 2_000);
  }

  has(reference: string): boolean {
    return this.cards.has(reference);
  }

  load(reference: string, merchantId: string, card: BusCommandParams<'terminal.load-card'>['card']): BusCommandResult<'terminal.load-card'> {
    let secret: CardSecret;
    try {
      secret = openCard(this.key, { cardId: card.cardId, box: card.box as SealedBox });
    } catch {
      throw new DeviceCommandError('TERMINAL_CARD_UNREADABLE', 'the card is not sealed to this terminal');
    }
    if (!this.cards.has(reference)) this.cards.set(reference, { merchantId, secret, last4: card.last4 });
    return { reference, loaded: true, last4: card.last4 };
  }

  async charge(reference: string, amount: Money): Promise<ChargeResult> {
    const card = this.cards.get(reference)!;
    card.authorisationId ??= 'auth_' + randomBytes(12).toString('base64url');
    const bin = card.secret.pan.slice(0, 6);
    const decision = await this.authorise(card, card.authorisationId, amount);
    if (!decision) return { reference, outcome: 'timeout' };
    if (decision.decision === 'approved') {
      return { reference, outcome: 'approved', token: `tok_vc${card.authorisationId.replace(/[^A-Za-z0-9]/g, '')}`, bin, last4: card.last4, approvalCode: decision.approvalCode };
    }
    return { reference, outcome: 'declined', declineReason: ISSUER_REASONS[decision.reason] ?? 'do-not-honour', bin, last4: card.last4 };
  }

  control(message: Record<string, unknown>): void {
    if (message['action'] === 'lose-approvals') this.losing = Number(message['count'] ?? 1);
    if (message['action'] === 'hold-authorisations') this.holdMs = Number(message['ms'] ?? 0);
    if (message['action'] === 'charge-again') {
      const card = this.cards.get(String(message['reference']));
      if (!card) return;
      const id = 'auth_' + randomBytes(12).toString('base64url');
      void this.authorise(card, id, { amount: 1, currency: 'KRW' }).then((d) => (this.lastSecondDecision = d));
    }
  }

  /** One authorisation; the same id is sent again after a lost answer (up to three tries), as card networks do. */
  private async authorise(card: Loaded, authorisationId: string, amount: Money): Promise<AuthorisationDecision | undefined> {
    if (this.holdMs > 0) {
      const ms = this.holdMs;
      this.holdMs = 0;
      await new Promise((r) => setTimeout(r, ms));
    }
    this.issuerKey ??= x25519Public(((await (await fetch(this.issuerUrl + ELEVATOR_PATHS.issuerPublicKey)).json()) as { publicKey: string }).publicKey);
    const body = JSON.stringify(
      sealAuthorisation(this.key, this.issuerKey, this.terminalId, authorisationId, { ...card.secret, amount: amount.amount, currency: amount.currency, merchantId: card.merchantId }),
    );
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const res = await fetch(this.issuerUrl + ELEVATOR_PATHS.issuerAuthorisations, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (res.status >= 500) continue;
        const decision = (await res.json()) as AuthorisationDecision;
        if (!res.ok) return undefined;
        if (this.losing > 0) {
          this.losing--;
          continue; // the answer was lost on the way back: ask again with the same id
        }
        return decision;
      } catch {
        // no answer: the same id again
      }
    }
    return undefined;
  }
}
