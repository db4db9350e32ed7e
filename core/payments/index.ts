export * from './state-machine.ts';
export * from './apply-event.ts';
