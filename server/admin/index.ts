/**
 * server/admin: the operator's routes (gateway enrolment and revocation, merchants, the catalogue and site settings, the audit log).
 * Other contexts reach it only through this file (tests/architecture.test.ts).
 */
export { registerAdminRoutes } from './routes.ts';
