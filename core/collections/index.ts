/**
 * The replicated collections' registry: one declaration per collection
 * (schema, who writes which field, sync direction, site field, migrations),
 * registered by the folder that owns it.
 */
export { defineCollection, type CollectionDeclaration, type CollectionSyncSettings } from './declaration.ts';
export { CollectionRegistry, edgePayCollections, type CollectionDocs, type CollectionName } from './registry.ts';
// ownKeys/isDeleted/refuse stay internal helpers.
export { WRITE_OK, checkReadOnlyWrite, type FieldRule, type GatewayIdentity, type OwnershipMap, type WriteCheck } from './ownership.ts';
export {
  checkDocumentText,
  textProblem,
  MAX_DEPTH,
  MAX_KEY_LENGTH,
  MAX_TEXT_LENGTH,
  type DocumentProblem,
  type TextProblemReason,
  type TextRules,
} from './document-text.ts';
