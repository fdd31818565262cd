#!/usr/bin/env node
// Launcher for `npm run demo`: the compiled demo (dist/, built by `npm ci`), or the TypeScript through tsx when
// dist/ is missing or older than the sources (bin/launch.cjs).
require('./launch.cjs').launch('demo');
