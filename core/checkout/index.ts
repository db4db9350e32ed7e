export * from './basket.ts';
export * from './offline-limits.ts';
