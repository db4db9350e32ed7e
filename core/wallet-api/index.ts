/** The wallet's wire contract: request and response bodies, paths, the approval binding, phone numbers. */
export * from './types.ts';
export * from './phone.ts';
export * from './binding.ts';
