/**
 * Who the wallet is to WebAuthn: the relying party id (a domain, never an IP
 * address: browsers refuse those) and the page's origin. The origin may be a
 * function because the server learns its own port only once it listens.
 */
export type RelyingParty = { rpId: string; origin: string | (() => string); rpName?: string };

export function originOf(rp: RelyingParty): string {
  return typeof rp.origin === 'function' ? rp.origin() : rp.origin;
}

/** Cookies get `Secure` (and the `__Host-` prefix) when the wallet is served over https. */
export function isSecureOrigin(rp: RelyingParty): boolean {
  return originOf(rp).startsWith('https://');
}

/**
 * The relying party each database's wallet was registered with, so that the
 * seam's approval functions, called as (db, userId, binding, ...), know which
 * origin an assertion must come from. One entry per Db object: tests that
 * build several apps in one process each have their own database.
 */
const relyingParties = new WeakMap<object, RelyingParty>();

export function rememberRelyingParty(db: object, rp: RelyingParty): void {
  relyingParties.set(db, rp);
}

export function relyingPartyFor(db: object, given?: RelyingParty): RelyingParty {
  const rp = given ?? relyingParties.get(db);
  if (!rp) throw new Error('the wallet plugin was not registered for this database; pass the relying party');
  return rp;
}
