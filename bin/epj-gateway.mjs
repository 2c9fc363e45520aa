#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so the product ships with no build step.
import './register.mjs';

const { main } = await import('../src/cli/main.ts');
await main(process.argv);
