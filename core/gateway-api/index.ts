/** The gateway's local API: one typed contract for the kiosk and console UIs, declared once per method. */
export * from './types.ts';
export * from './declare.ts';
/** Argument places and checks for declaring methods: `arg.inBody('barcode', arg.text(1, 64))`. */
export * as arg from './args.ts';
export * from './methods.ts';
export * from './api.ts';
export * from './routes.ts';
