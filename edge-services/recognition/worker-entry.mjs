// The worker thread's entry: worker threads do not inherit the `--import tsx`
// loader hooks of the process, so register tsx here, then load the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
