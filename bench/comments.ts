/**
 * Refreshing comments and mixed-age videos, measured on the embedded local services with the TikTok emulator over
 * real HTTP, through the real jobs (collect, quota plan, refresh) and store adapters.
 *
 * Heavy-tailed corpus (one world, up to 5,000 comments per video: most videos a few, some thousands; the API serves
 * the first 1,000):
 * 1. collect: the comments (up to 1,000 each) of the videos of 8 days, and every video of ~190 days of creation
 *    times (>= 6 months), through the collect job. Nothing is deleted or hidden.
 * 2. 13 days later (inside the 15-day policy's lead, so every record is due): the quota plan, then one sweep with the
 *    refresh job's defaults, metered by endpoint (client quota book = refresh report = emulator count).
 *    - `comment_refresh_vs_floor`: comment listing requests / the floor, the sum over parent videos of
 *      ceil(min(c, 1000) / 100) for c due comments (one listing per video, pages of 100, first 1,000 served);
 *    - `api_requests_per_1000_videos_mixed`: video lookup requests per 1,000 videos refreshed;
 *    - `quota_plan_error`: |the plan's requests needed today - requests the sweep spent| / spent.
 *
 * Demo mix: the demo's research specs (a 45-day hashtag collection and up to 20 comments per video) on the demo's
 * world, collected and swept the same way.
 * - `max_compliant_corpus_demo_mix`: records 1,000 requests/day keep fresh at that mix: 1,000 x 14 days (the quota
 *   plan's cycle: 15-day policy less a day of margin) / measured requests per refreshed record.
 *
 *   npm run bench -- comments
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { SAMPLE_CONFIG } from '../bin/cli/demo';
import { parseProjectConfig } from '../lib/config/load';
import type { ProjectConfig } from '../lib/config/schema';
import { MS_PER_DAY, ManualClock } from '../lib/domain/clock';
import { hmacHasher } from '../lib/domain/hashing';
import { SWEEP_MARGIN_DAYS } from '../lib/domain/quota-plan';
import { recordKeyOf, type ActiveRecord, type RecordKey } from '../lib/domain/records';
import { startEmulator, type WorldOptions } from '../lib/emulator';
import { REGIONS } from '../lib/emulator/vocabulary';
import { collect } from '../lib/jobs/collect';
import type { JobContext } from '../lib/jobs/context';
import { dueRecords, sweepShards } from '../lib/jobs/due';
import { quotaPlan } from '../lib/jobs/quota-plan';
import { refresh, type RefreshClients, type RefreshReport } from '../lib/jobs/refresh';
import { tiktokSources } from '../lib/jobs/tiktok-sources';
import { makeLocalDynamoClients, makeLocalS3Client, startLocalServices, type LocalServices } from '../lib/local';
import { CommercialContentClient, ResearchApiClient } from '../lib/platforms/tiktok';
import { ensureTables, tableNames } from '../lib/store';
import { wireJobContext } from '../lib/wiring/job-context';
import { CLIENT, STILL_WORLD, emulatorRequests, tallyingFetch } from './_emulator-api';
import { MeasurementError, type Benchmark, type BenchResult } from './harness';

const NOW = '2026-03-01T12:00:00Z';
const SECRET = 'steward-bench-comments-secret-0123456789';
const SWEEP_GAP_DAYS = 13;
const QUOTA = 1_000;
const COMMENT_LIST = '/v2/research/video/comment/list/';
const VIDEO_QUERY = '/v2/research/video/query/';

const HEAVY_WORLD: Partial<WorldOptions> = {
  users: 3_000,
  videosPerDay: 60,
  historyDays: 230,
  ...STILL_WORLD,
  maxCommentsPerVideo: 5_000,
};
/** The demo's world (bin/demo.ts `DEMO_WORLD`). */
const DEMO_WORLD: Partial<WorldOptions> = { users: 800, videosPerDay: 40, maxCommentsPerVideo: 12, adsPerYear: 0, advertisers: 1 };

function log(message: string): void {
  process.stderr.write(`bench: comments: ${message}\n`);
}

function heavyConfig(baseUrl: string): ProjectConfig {
  const everywhere = { and: [{ operation: 'IN', field_name: 'region_code', field_values: REGIONS.map((r) => r.code) }] };
  return parseProjectConfig(
    {
      project: { id: 'bench-comments', title: 'Comments benchmark', endDate: '2027-12-31' },
      members: [{ name: 'ada', role: 'pi' }],
      sources: { research: { api: 'tiktok-research', baseUrl, credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' }, dailyRequests: 1_000_000 } },
      specs: [
        // First, so these videos belong to it (the comment spec walks its parent spec's videos).
        { name: 'commented-videos', source: 'research', kind: 'video', query: everywhere, window: { start: '2026-02-10', end: '2026-02-17' }, schedule: 'rate(1 day)' },
        { name: 'mixed-videos', source: 'research', kind: 'video', query: everywhere, window: { start: '2025-08-01', end: '2026-02-09' }, schedule: 'rate(1 day)' },
        { name: 'video-comments', source: 'research', kind: 'comment', parentSpec: 'commented-videos', maxPerVideo: 1_000, schedule: 'rate(1 day)' },
      ],
    },
    'comments bench config',
  );
}

function demoConfig(baseUrl: string): ProjectConfig {
  return parseProjectConfig(
    {
      ...SAMPLE_CONFIG,
      sources: { research: { ...SAMPLE_CONFIG.sources.research, baseUrl, dailyRequests: 1_000_000 } },
      specs: SAMPLE_CONFIG.specs.filter((s) => s.source === 'research'),
    },
    'demo mix bench config',
  );
}

async function ledgerSnapshot(ctx: JobContext): Promise<Map<RecordKey, ActiveRecord>> {
  const out = new Map<RecordKey, ActiveRecord>();
  for await (const page of dueRecords(ctx.ledger, new Date('9999-12-31T00:00:00Z'), sweepShards(ctx.ledger), 1000)) {
    for (const record of page.records) out.set(recordKeyOf(record.ref), record);
  }
  return out;
}

interface Corpus {
  readonly before: Map<RecordKey, ActiveRecord>;
  readonly report: RefreshReport;
  readonly byEndpoint: Record<string, number>;
  readonly requests: number;
  /** What the quota plan said today's sweep needs (research source), read just before the sweep. */
  readonly planned: number;
  readonly maxAtMixPlanned: number;
  /** The source's configured daily requests (the plan's figures scale with it). */
  readonly dailyRequests: number;
}

/** Collect every spec, let 13 days pass, plan, sweep once with metered clients. */
async function collectAndSweep(services: LocalServices, name: string, world: Partial<WorldOptions>, configOf: (url: string) => ProjectConfig): Promise<Corpus> {
  const clock = new ManualClock(NOW);
  const emulator = await startEmulator({ clock, seed: 13, credentials: [CLIENT], world, quota: { dailyRequests: 1_000_000, dailyRecords: 100_000_000 } });
  const { client: dynamo } = makeLocalDynamoClients(services);
  const s3 = makeLocalS3Client(services);
  try {
    const names = tableNames(`steward-bench-${name}`);
    const bucket = `steward-bench-${name}-data`;
    await ensureTables(dynamo, names);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const hasher = hmacHasher(SECRET);
    const config = configOf(emulator.url);
    const { ctx } = wireJobContext({ config, clock, s3, dynamo, bucket, ledgerTable: names.ledger, auditTable: names.audit, hasher, versioning: 'auto', onUnversionedFallback: () => {}, collectorVersion: 'bench' });

    let t0 = performance.now();
    const collector = new ResearchApiClient({ ...CLIENT, baseUrl: emulator.url, clock, sleep: async () => {} });
    const unused = new CommercialContentClient({ ...CLIENT, baseUrl: emulator.url, clock, sleep: async () => {} });
    const collected = await collect(ctx, { sourceFor: tiktokSources({ ...ctx, research: () => collector, commercial: () => unused }) });
    for (const spec of collected.specs) if (spec.outcome !== 'finished') throw new MeasurementError(`${name}: collect ${spec.spec} ended ${spec.outcome}`);
    log(`${name}: collected ${collected.specs.map((s) => `${s.newRecords} ${s.spec}`).join(', ')} in ${collector.quota().requests} requests (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    clock.advance(SWEEP_GAP_DAYS * MS_PER_DAY);
    const plan = (await quotaPlan(ctx)).sources.find((s) => s.source === 'research');
    if (!plan) throw new MeasurementError(`${name}: no quota plan for the research source`);
    const before = await ledgerSnapshot(ctx);

    t0 = performance.now();
    const tally = tallyingFetch();
    const research = new ResearchApiClient({ ...CLIENT, baseUrl: emulator.url, clock, sleep: async () => {}, fetch: tally.fetch });
    const clients: RefreshClients = { research: () => research, commercial: () => unused };
    const serverBefore = await emulatorRequests(emulator);
    const report = await refresh(ctx, { clients });
    const requests = research.quota().requests;
    const reported = Object.values(report.requests).reduce((a, b) => a + b, 0);
    const server = (await emulatorRequests(emulator)) - serverBefore;
    if (requests !== reported || requests !== server) throw new MeasurementError(`${name}: request counts disagree: client ${requests}, report ${reported}, emulator ${server}`);
    if (report.stopped || report.failed > 0 || report.unprocessed > 0) throw new MeasurementError(`${name}: the sweep did not handle every record: ${JSON.stringify(report)}`);
    log(`${name}: swept ${report.due} due records with ${requests} requests (${Object.entries(tally.byEndpoint).map(([p, n]) => `${n} ${p}`).join(', ')}) (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return { before, report, byEndpoint: tally.byEndpoint, requests, planned: plan.requestsNeededToday, maxAtMixPlanned: plan.maxCompliantCorpusAtMix, dailyRequests: plan.dailyRequests };
  } finally {
    dynamo.destroy();
    s3.destroy();
    await emulator.stop();
  }
}

function heavyFigures(c: Corpus): BenchResult[] {
  const comments = [...c.before.values()].filter((r) => r.ref.kind === 'comment');
  const videos = [...c.before.values()].filter((r) => r.ref.kind === 'video');
  const perParent = new Map<RecordKey, number>();
  for (const r of comments) perParent.set(r.parentKey!, (perParent.get(r.parentKey!) ?? 0) + 1);
  const floor = [...perParent.values()].reduce((n, k) => n + Math.ceil(Math.min(k, 1000) / 100), 0);
  const listings = c.byEndpoint[COMMENT_LIST] ?? 0;
  const lookups = c.byEndpoint[VIDEO_QUERY] ?? 0;
  const days = videos.map((v) => v.platformCreatedAt ?? 0);
  const spanDays = Math.round((Math.max(...days) - Math.min(...days)) / 86_400);
  const sizes = [...perParent.values()].sort((a, b) => a - b);
  if (c.before.size < 10_000 || comments.length === 0 || spanDays < 180) {
    throw new MeasurementError(`heavy corpus too small: ${c.before.size} records, ${comments.length} comments, videos over ${spanDays} days`);
  }
  return [
    {
      name: 'comment_refresh_vs_floor',
      value: listings / floor,
      unit: 'x',
      target: 1.1,
      better: 'lower',
      note: `${listings} comment listing requests to refresh ${comments.length} due comments of ${perParent.size} videos (comments per video: median ${sizes[Math.floor(sizes.length / 2)]}, max ${sizes[sizes.length - 1]}) in a corpus of ${c.before.size} records; floor ${floor} = sum of ceil(min(c,1000)/100)`,
    },
    {
      name: 'api_requests_per_1000_videos_mixed',
      value: (1000 * lookups) / videos.length,
      unit: 'requests/1000',
      target: 11,
      better: 'lower',
      note: `${lookups} video lookups for ${videos.length} due videos created over ${spanDays} days (${Math.ceil(videos.length / 100)} if every request carried 100 ids)`,
    },
    {
      name: 'quota_plan_error',
      value: Math.abs(c.planned - c.requests) / c.requests,
      unit: 'ratio',
      target: 0.05,
      better: 'lower',
      note: `the quota plan, read just before the sweep, said today's due records need ${c.planned} requests; the sweep spent ${c.requests}`,
    },
  ];
}

function demoFigures(c: Corpus): BenchResult[] {
  const cycleDays = 15 - SWEEP_MARGIN_DAYS;
  const handled = c.report.unchanged + c.report.changed + c.report.missed + c.report.purged + c.report.alongside;
  const perRecord = c.requests / handled;
  const byKind: Record<string, number> = {};
  for (const r of c.before.values()) byKind[r.ref.kind] = (byKind[r.ref.kind] ?? 0) + 1;
  return [
    {
      name: 'max_compliant_corpus_demo_mix',
      value: Math.floor((QUOTA * cycleDays) / perRecord),
      unit: 'records',
      target: 75_000,
      better: 'higher',
      note: `${QUOTA} requests/day x ${cycleDays} days / ${perRecord.toFixed(4)} measured requests per record (${c.requests} requests for ${handled} records: ${Object.entries(byKind).map(([k, n]) => `${n} ${k}s`).join(', ')}; the demo's research specs and world); the quota plan says ${Math.floor(c.maxAtMixPlanned * (QUOTA / c.dailyRequests)).toLocaleString('en-US')} at today's mix and ${QUOTA} requests/day`,
    },
  ];
}

export const benchmark: Benchmark = {
  name: 'comments',
  async run(): Promise<BenchResult[]> {
    const services = await Promise.allSettled([startLocalServices({ buckets: [] }), startLocalServices({ buckets: [] })]);
    try {
      const [a, b] = services.map((s) => {
        if (s.status === 'rejected') throw s.reason;
        return s.value;
      });
      const [heavy, demo] = await Promise.all([collectAndSweep(a!, 'heavy', HEAVY_WORLD, heavyConfig), collectAndSweep(b!, 'demo', DEMO_WORLD, demoConfig)]);
      return [...heavyFigures(heavy), ...demoFigures(demo)];
    } finally {
      await Promise.all(services.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    }
  },
};
