/** The gateway's local API: one typed contract for the kiosk and console UIs. */
export * from './types.ts';
export * from './api.ts';
export * from './routes.ts';
