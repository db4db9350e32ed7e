/**
 * The sealed boxes between the issuer and the card terminal's payment module
 * (the only two parties that ever see a card number). X25519 key agreement,
 * HKDF-SHA256, AES-256-GCM; keys travel as base64 SPKI DER. Both ends
 * implement it with node:crypto (server/issuer and the terminal simulator);
 * core holds only the format, so that it stays free of Node APIs.
 */
export type SealedBox = {
  /** The sender's public key (base64 SPKI DER): an ephemeral key for a card, absent when both keys are static. */
  epk?: string;
  iv: string;
  ct: string;
  tag: string;
};

/** HKDF `info` of a card sealed by the issuer to a terminal (ephemeral-static ECDH). */
export const CARD_BOX_INFO = 'edgepay/elevator/virtual-card/v1';
/** HKDF `info` of an authorisation sealed by a terminal to the issuer (static-static ECDH: only the enrolled terminal can make it). */
export const AUTHORISATION_BOX_INFO = 'edgepay/issuer/authorisation/v1';

/** What a sealed card holds (never stored, logged or replicated in clear). */
export type CardSecret = { pan: string; expiry: string; cvc: string };

/** What a terminal sends the issuer, sealed. */
export type AuthorisationSecret = CardSecret & { amount: number; currency: string; merchantId: string };

/** POST /issuer/authorisations: the terminal id and the network's authorisation id in clear, the rest sealed. */
export type AuthorisationBody = { terminalId: string; authorisationId: string; box: SealedBox };
export const ISSUER_DECLINE_REASONS = ['card-unknown', 'card-used', 'card-closed', 'card-expired', 'amount-over', 'currency-mismatch', 'merchant-mismatch'] as const;
export type IssuerDeclineReason = (typeof ISSUER_DECLINE_REASONS)[number];
export type AuthorisationDecision = { authorisationId: string; decision: 'approved'; approvalCode: string } | { authorisationId: string; decision: 'declined'; reason: IssuerDeclineReason };
