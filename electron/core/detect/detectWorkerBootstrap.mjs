// Worker entry when the studio runs from its TypeScript sources (tsx, vitest): worker
// threads do not inherit a loader registered in code, so this registers tsx first.
import { register } from 'tsx/esm/api';

register();
await import('./detectWorker.ts');
