/** Product recognition: result types and the replicated `enrolments` collection. */
export * from './types.ts';
export * from './enrolment.ts';
