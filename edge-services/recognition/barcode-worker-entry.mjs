// The barcode thread's entry: like worker-entry.mjs, register tsx (worker
// threads do not inherit the process's loader hooks), then load the reader.
import { register } from 'tsx/esm/api';

register();
await import('./barcode-worker.ts');
