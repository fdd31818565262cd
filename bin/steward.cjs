#!/usr/bin/env node
// Launcher for `npx steward`: registers tsx so the TypeScript CLI runs without a build step.
// The SDK warns on every client that Node 20 support ends in 2027; the Lambda runtime is pinned separately.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('./steward.ts');
