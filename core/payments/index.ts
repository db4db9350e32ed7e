export * from './state-machine.ts';
export * from './apply-event.ts';
export * from './unsent.ts';
