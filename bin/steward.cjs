#!/usr/bin/env node
// Launcher for `npx steward`: the compiled CLI (dist/, built by `npm ci`), or the TypeScript through tsx when
// dist/ is missing or older than the sources (bin/launch.cjs).
require('./launch.cjs').launch('steward');
