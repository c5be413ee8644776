#!/usr/bin/env node
// The `spool` command: runs src/cli/main.ts through tsx (Spool ships TypeScript; there is no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
