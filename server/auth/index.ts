/**
 * server/auth: who is calling: enrolled gateways and their credentials, and the admin token.
 * Other contexts reach it only through this file (tests/architecture.test.ts).
 */
export { adminTokenCheck } from './admin-token.ts';
export { REVOCATIONS_CHANNEL, authenticateGateway, enrolGateway, isGatewayActive, requireGateway, revokeGateway, type EnrolledGateway } from './gateways.ts';
