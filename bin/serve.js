#!/usr/bin/env node
// `npm run serve`: the studio in a browser. The sources are TypeScript, run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../electron/server/main.ts');
