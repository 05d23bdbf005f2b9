#!/usr/bin/env node
// `defusion`: the studio's command line. The sources are TypeScript, run through tsx.
import { register } from 'tsx/esm/api';

register();
const { runProcess } = await import('../electron/cli/main.ts');
await runProcess();
