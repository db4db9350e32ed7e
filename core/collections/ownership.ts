/**
 * Field ownership (DESIGN.md section 3): every field of every replicated
 * document has exactly one writer. Gateways append intents; the server decides
 * outcomes. A push that breaks the rule is answered with the server's state.
 *
 * Ownership maps are typed over *all* keys of a document type, so adding a
 * field to a doc type without deciding who writes it is a compile error.
 */
import type { ErrorCode } from '../errors.ts';
import { jsonEqual } from '../json-equal.ts';

/**
 * - `gateway-create-only`: the gateway sets it when it creates the document,
 *   nobody changes it afterwards (the server neither: it is the gateway's record
 *   of what happened at the till).
 * - `server`: only the server writes it. On payments the gateway may give
 *   some of these an initial value at creation; payment-ownership.ts says which.
 */
export type FieldRule = 'gateway-create-only' | 'server';

export type OwnershipMap<Doc> = { readonly [K in keyof Doc]-?: FieldRule };

/** The identity a push is authenticated as; a gateway writes only as itself, in its own site. */
export type GatewayIdentity = { readonly siteId: string; readonly gatewayId: string };

/** The answer to "may this gateway push this document?": `field` names the first offending field. */
export type WriteCheck = { readonly ok: true } | { readonly ok: false; readonly code: ErrorCode; readonly field: string };

export const WRITE_OK: WriteCheck = Object.freeze({ ok: true });

export function refuse(code: ErrorCode, field: string): WriteCheck {
  return { ok: false, code, field };
}

/** Keys of a document that are ours; `_deleted`, `_meta`, `_rev`, `_attachments` belong to RxDB. */
export function ownKeys(doc: object): string[] {
  return Object.keys(doc).filter((key) => !key.startsWith('_'));
}

export function isDeleted(doc: object): boolean {
  return (doc as { _deleted?: unknown })._deleted === true;
}

/**
 * For collections only the server writes (products, sites): a gateway push is
 * refused unless it changes nothing at all.
 */
export function checkReadOnlyWrite<Doc extends object>(ownership: OwnershipMap<Doc>, previous: Doc | undefined, next: Doc): WriteCheck {
  const refusal = (field: string) => refuse('COLLECTION_READ_ONLY', field);
  if (previous === undefined) return refusal(Object.keys(ownership)[0] ?? '');
  if (isDeleted(next) !== isDeleted(previous)) return refusal('_deleted');
  const fields = new Set([...Object.keys(ownership), ...ownKeys(previous), ...ownKeys(next)]);
  for (const field of fields) {
    if (!jsonEqual((previous as Record<string, unknown>)[field], (next as Record<string, unknown>)[field])) {
      return refusal(field);
    }
  }
  return WRITE_OK;
}
