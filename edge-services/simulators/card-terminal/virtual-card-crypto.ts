/**
 * The terminal's half of core's sealed boxes (the issuer's half is in
 * server/issuer/sealing.ts): open a card sealed to this terminal, seal an
 * authorisation between this terminal's key and the issuer's. node:crypto
 * only (X25519, HKDF-SHA256, AES-256-GCM).
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { AUTHORISATION_BOX_INFO, CARD_BOX_INFO, type AuthorisationBody, type AuthorisationSecret, type CardSecret, type SealedBox } from '../../../core/index.ts';

export const x25519Private = (b64: string) => createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'pkcs8' });
export const x25519Public = (b64: string) => createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });

/** A fresh terminal key pair: the private half for the terminal (option `cardKey`), the public half for the issuer. */
export function newTerminalKey(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

function boxKey(privateKey: KeyObject, publicKey: KeyObject, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', diffieHellman({ privateKey, publicKey }), Buffer.alloc(0), info, 32));
}

/** Opens a card sealed to this terminal; throws if it is not. */
export function openCard(terminalKey: KeyObject, card: { cardId: string; box: SealedBox }): CardSecret {
  const box = card.box;
  if (!box.epk) throw new Error('not a sealed card');
  const d = createDecipheriv('aes-256-gcm', boxKey(terminalKey, x25519Public(box.epk), CARD_BOX_INFO), Buffer.from(box.iv, 'base64'));
  d.setAAD(Buffer.from(card.cardId));
  d.setAuthTag(Buffer.from(box.tag, 'base64'));
  return JSON.parse(Buffer.concat([d.update(Buffer.from(box.ct, 'base64')), d.final()]).toString('utf8')) as CardSecret;
}

/** The body of POST /issuer/authorisations: only this terminal and the issuer can read it. */
export function sealAuthorisation(terminalKey: KeyObject, issuerKey: KeyObject, terminalId: string, authorisationId: string, secret: AuthorisationSecret): AuthorisationBody {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', boxKey(terminalKey, issuerKey, AUTHORISATION_BOX_INFO), iv);
  cipher.setAAD(Buffer.from(`${terminalId}|${authorisationId}`));
  const ct = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
  return { terminalId, authorisationId, box: { iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') } };
}
