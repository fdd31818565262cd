#!/usr/bin/env node
/**
 * Build a small compliance history on embedded local services and the TikTok emulator, and write its HTML report:
 * what scripts/render-report.sh renders when it is given no report. Nothing is kept: the state lives in a
 * temporary directory that is removed at the end.
 *
 *   node --import tsx scripts/sample-report.ts OUT.html
 *
 * History: collect on day 0; refresh sweeps on days 8, 13 and 20 (videos the platform deleted meanwhile are purged
 * on its evidence); one account erased on day 13; a second collection on day 14. The report is made on day 20, so
 * the charts show quota used on past days, refresh deadlines on coming days, and purges by reason.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseProjectConfig } from '../lib/config/load';
import { MS_PER_DAY } from '../lib/domain/clock';
import { parseJson } from '../lib/domain/json';
import { collect } from '../lib/jobs/collect';
import { erase } from '../lib/jobs/erase';
import { refresh } from '../lib/jobs/refresh';
import { complianceReport } from '../lib/jobs/report';
import { renderReport } from '../lib/jobs/report/render';
import { allActiveRecords } from '../lib/jobs/audit-read';
import { openLocalRuntime } from '../lib/local/runtime';

const CONFIG = {
  project: { id: 'sample-report', title: 'Sample: climate talk on TikTok (rendering check)', endDate: '2026-12-31' },
  members: [{ name: 'ada', role: 'pi' }],
  sources: {
    research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' }, dailyRequests: 1000 },
    ads: { api: 'tiktok-commercial', credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' }, dailyRequests: 200 },
  },
  specs: [
    {
      name: 'climate-videos',
      source: 'research',
      kind: 'video',
      query: { or: [{ operation: 'IN', field_name: 'region_code', field_values: ['DE', 'FR', 'US', 'GB'] }] },
      window: { rollingDays: 10 },
      schedule: 'rate(1 day)',
    },
    { name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', maxPerVideo: 20, schedule: 'rate(1 day)' },
    { name: 'climate-authors', source: 'research', kind: 'user', parentSpec: 'climate-videos', schedule: 'rate(1 day)' },
    { name: 'eu-ads', source: 'ads', kind: 'ad', countries: ['DE'], window: { rollingDays: 20 }, schedule: 'rate(1 day)' },
  ],
};

const WORLD = {
  users: 150,
  videosPerDay: 10,
  historyDays: 40,
  futureDays: 30,
  maxCommentsPerVideo: 5,
  adsPerYear: 200,
  advertisers: 20,
  videoDeletionShare: 0.3,
  accountDeletionShare: 0.05,
  commentDeletionShare: 0.15,
  adRemovalShare: 0.3,
};

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'steward-report.html');
  const stateDir = await mkdtemp(join(tmpdir(), 'steward-sample-'));
  const start = new Date('2026-03-01T09:00:00Z');
  const runtime = await openLocalRuntime({ config: parseProjectConfig(CONFIG, 'sample config'), stateDir, platform: 'emulator', now: start, emulator: { world: WORLD } });
  const say = (text: string) => process.stderr.write(`${text}\n`);
  try {
    const { ctx, clock } = runtime;
    const clients = { research: runtime.research, commercial: runtime.commercial };
    const at = (day: number) => clock.set(new Date(start.getTime() + day * MS_PER_DAY));
    await collect(ctx, { sourceFor: runtime.sourceFor });
    say(`day 0: collected ${(await allActiveRecords(ctx.ledger)).length} records`);
    for (const day of [8, 13]) {
      at(day);
      const r = await refresh(ctx, { clients, dueBefore: new Date(clock.now().getTime() + 8 * MS_PER_DAY) });
      say(`day ${day}: refreshed ${r.unchanged + r.changed + r.validated}, purged ${r.purged} (+${r.cascaded} cascaded)`);
    }
    const video = (await allActiveRecords(ctx.ledger)).find((r) => r.ref.kind === 'video');
    const stored = video ? await ctx.objects.get(video.objectKey) : undefined;
    const username = stored ? (parseJson(stored.body.toString('utf8')) as { username?: string }).username : undefined;
    if (username) {
      const e = await erase({ ...ctx, actor: { type: 'researcher', name: 'ada' } }, { user: username });
      say(`day 13: erased one account: ${e.purged} record(s)`);
    }
    at(14);
    await collect(ctx, { sourceFor: runtime.sourceFor });
    at(20);
    const r = await refresh(ctx, { clients });
    say(`day 20: refreshed ${r.unchanged + r.changed + r.validated}, purged ${r.purged} (+${r.cascaded} cascaded)`);
    const report = await complianceReport(ctx);
    await writeFile(out, renderReport(report, 'html'));
    say(`report written to ${out} (${report.records.active} active, ${report.records.tombstoned} purged, ${report.overdue.count} overdue)`);
  } finally {
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`sample-report: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
