#!/usr/bin/env node
// Launcher for `npx steward`: registers tsx so the TypeScript CLI runs without a build step.
require('tsx/cjs');
require('./steward.ts');
