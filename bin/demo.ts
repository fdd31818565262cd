#!/usr/bin/env node
/**
 * `npm run demo`: Steward's lifecycle on embedded local services and the TikTok API emulator, narrated
 * (bin/cli/demo.ts). No AWS account, credentials or network needed. Exits non-zero if any step fails.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { runDemo } from './cli/demo';
import { processIo } from './cli/output';

const STATE_DIR = resolve('.steward/demo');
const START = new Date('2026-03-01T09:00:00Z');
/** A world small enough for a few minutes on two cores, large enough to show paging, refreshes and deletions. */
const DEMO_WORLD = { users: 800, videosPerDay: 40, maxCommentsPerVideo: 12, adsPerYear: 1_500, advertisers: 80 };

async function main(): Promise<void> {
  const started = performance.now();
  processIo.stdout('Steward demo: the compliance lifecycle of TikTok research data, on embedded local services.');
  await rm(STATE_DIR, { recursive: true, force: true });
  await runDemo({ stateDir: STATE_DIR, world: DEMO_WORLD, start: START, io: processIo });
  processIo.stdout(`\nDemo finished in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
