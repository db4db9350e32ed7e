/** The smart cart flow (`cart`): its collection, fusion rules and wire shapes. */
export * from './fusion.ts';
export * from './collection.ts';
export * from './api.ts';
