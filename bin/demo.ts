#!/usr/bin/env node
/**
 * `npm run demo`: Steward's lifecycle on embedded local services and the TikTok API emulator, narrated.
 * No AWS account, credentials or network needed. Exits non-zero if any step fails.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { rm, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseProjectConfig } from '../lib/config/load';
import { collect } from '../lib/jobs/collect';
import { openLocalRuntime, type LocalRuntime } from '../lib/local/runtime';
import { collectText, terminalProgress } from './cli/collect-command';
import { processIo } from './cli/output';

const STATE_DIR = resolve('.steward/demo');
const START = new Date('2026-03-01T09:00:00Z');

/** The sample project: a 45-day hashtag collection, its comments, and ads in two EU countries. */
const SAMPLE_CONFIG = {
  project: { id: 'demo-climate', title: 'Demo: climate talk on TikTok', endDate: '2026-12-31' },
  members: [
    { name: 'ada', role: 'pi' },
    { name: 'grace', role: 'researcher' },
  ],
  sources: {
    research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'TIKTOK_CLIENT_KEY', clientSecretEnv: 'TIKTOK_CLIENT_SECRET' } },
    ads: { api: 'tiktok-commercial', credentials: { clientKeyEnv: 'TIKTOK_CLIENT_KEY', clientSecretEnv: 'TIKTOK_CLIENT_SECRET' } },
  },
  specs: [
    {
      name: 'climate-videos',
      source: 'research',
      kind: 'video',
      query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] },
      window: { rollingDays: 45 },
      schedule: 'rate(1 day)',
    },
    { name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 20, schedule: 'rate(1 day)' },
    { name: 'eu-climate-ads', source: 'ads', kind: 'ad', countries: ['DE', 'FR'], window: { rollingDays: 30 }, schedule: 'rate(1 day)' },
  ],
};

/** A world small enough for a few minutes on two cores, large enough to show paging, refreshes and deletions. */
const DEMO_WORLD = { users: 800, videosPerDay: 40, maxCommentsPerVideo: 12, adsPerYear: 1_500, advertisers: 80 };

const say = (text = '') => process.stdout.write(`${text}\n`);
const step = (n: number, title: string) => say(`\n== ${n}. ${title}`);

async function main(): Promise<void> {
  say('Steward demo: the compliance lifecycle of TikTok research data, on embedded local services.');
  await rm(STATE_DIR, { recursive: true, force: true });
  await mkdir(STATE_DIR, { recursive: true });
  const configFile = join(STATE_DIR, 'steward.config.json');
  await writeFile(configFile, `${JSON.stringify(SAMPLE_CONFIG, null, 2)}\n`);
  const config = parseProjectConfig(SAMPLE_CONFIG, configFile);

  step(1, 'Configure a sample project');
  say(`Project "${config.project.title}" ends ${config.project.endDate}; ${config.members.length} lab members; config in ${configFile}`);
  for (const spec of config.specs) say(`  spec ${spec.name}: ${spec.kind} from source "${spec.source}", ${spec.schedule}`);

  const runtime = await openLocalRuntime({ config, stateDir: STATE_DIR, now: START, actor: { type: 'schedule', name: 'schedule' }, collectorVersion: 'steward/demo', emulator: { world: DEMO_WORLD } });
  try {
    say(`Started DynamoDB Local, S3 (s3rver) and the TikTok API emulator (${runtime.emulator.url}); the clock reads ${runtime.clock.now().toISOString()}.`);
    await collectStep(runtime);
    step(3, 'Where to look');
    say(runtime.services.describe([runtime.tables.ledger, runtime.tables.audit]));
    say('\n(The services stop with this demo; `npx steward serve --local --state-dir .steward/demo` brings them back with the same data.)');
  } finally {
    await runtime.close();
  }
  say('\nDemo finished.');
}

async function collectStep(runtime: LocalRuntime): Promise<void> {
  step(2, 'Collect: videos by hashtag over 45 days, their comments, ads in DE and FR');
  const progress = terminalProgress(processIo, false, 'collect');
  const report = await collect(runtime.ctx, { sourceFor: runtime.sourceFor, progress: progress.sink }).finally(() => progress.stop());
  say(collectText(report));
  const failed = report.specs.filter((s) => s.outcome !== 'finished');
  if (failed.length > 0) throw new Error(`collect did not finish: ${failed.map((s) => `${s.spec} (${s.outcome})`).join(', ')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
