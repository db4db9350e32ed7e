/** Reports for the store owner: the end-of-day report and its CSV. */
export * from './end-of-day.ts';
