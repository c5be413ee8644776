#!/usr/bin/env node
// The `spool` command as installed: runs the compiled CLI in dist/ (`npm run build`, or `prepack`,
// makes it). In a clone, `npm run spool -- <command>` runs src/ through tsx instead.
import '../dist/cli/main.js';
