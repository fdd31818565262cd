/**
 * The refresh sweep's costs, measured on the embedded local services (DynamoDB Local + s3rver) with the TikTok
 * emulator over real HTTP, through the real jobs (collect, refresh, quota plan) and the real store adapters.
 *
 * Two parts, run at once, each on its own local services (every figure is a count, which does not depend on what
 * else the machine does; each part meters its own SDK clients):
 *
 * Refresh (one corpus, three jobs):
 * 1. collect: a video spec collects every video of a 30-day creation window (~9,900 videos) through the collect
 *    job and the research client. The window ends 91 days before "now", and the world has no comments, deletions
 *    or private videos, so a video's content no longer changes (the emulator's view counts settle ~75 days after
 *    creation): what the sweep re-fetches is unchanged.
 * 2. lookup sweep, 13 days later (inside the 72-hour lead of the 15-day policy, so every record is due): the
 *    refresh job with its default options, as the CLI and the Lambda run it.
 *    - `api_requests_per_1000_refreshed`: requests the client billed (its quota book; checked against the report's
 *      `requests` and the emulator's own count) per 1,000 records refreshed (unchanged + changed).
 *    - `s3_puts_per_unchanged_refresh`: PutObject commands sent during the sweep (SDK middleware, every key),
 *      less those to objects of records whose content did change (ledger hash moved), per unchanged record.
 *    - `max_compliant_corpus_at_quota`: the records 1,000 requests/day keep fresh under the 15-day policy at the
 *      measured requests per record: quota (the quota plan's `dailyRequests`) x refreshWithinDays / measured
 *      requests per record, capped at the plan's limit. The note compares it with the quota plan's own promise
 *      (`maxCompliantRecords`, 100 videos per request over 14 days, run on the ledger after the sweep).
 * 3. existence-check sweep, 13 days later again, with the policy at version 2, `refreshBy: "existence-check"`:
 *    - `api_requests_per_1000_existence_checks`: requests per 1,000 records validated by batch compliance tasks.
 *
 * Sweep cost: the ledger is seeded directly (the ledger adapter's `putRecords`, several batches in flight) with
 * 1,000 due video records and 9,000 due later; the due-finding reads of a sweep (lib/jobs/due.ts `dueRecords` over
 * every shard, what refresh reads) are metered (ConsumedCapacity, table + index read units). Then 90,000 more
 * records due later are added and the same read is metered again.
 * - `sweep_cost_ratio_100k_vs_10k`: read units at 100,000 records / read units at 10,000.
 *
 *   npm run bench -- refresh
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { effectivePolicies, parseProjectConfig } from '../lib/config/load';
import type { ProjectConfig } from '../lib/config/schema';
import { MS_PER_DAY, ManualClock } from '../lib/domain/clock';
import { hmacHasher, sha256Hex } from '../lib/domain/hashing';
import { stringifyJson } from '../lib/domain/json';
import { requestsPerRecord } from '../lib/domain/quota-plan';
import { objectKeyOf, recordKeyOf, type ActiveRecord, type RecordKey, type RecordRef } from '../lib/domain/records';
import { startEmulator, type RunningEmulator, type WorldOptions } from '../lib/emulator';
import { REGIONS } from '../lib/emulator/vocabulary';
import { collect } from '../lib/jobs/collect';
import { mapLimit, type JobContext } from '../lib/jobs/context';
import { wireJobContext } from '../lib/wiring/job-context';
import { dueRecords, sweepShards } from '../lib/jobs/due';
import { quotaPlan } from '../lib/jobs/quota-plan';
import { refresh, type RefreshClients, type RefreshReport } from '../lib/jobs/refresh';
import { tiktokSources } from '../lib/jobs/tiktok-sources';
import { makeLocalDynamoClients, makeLocalS3Client, startLocalServices, type LocalServices } from '../lib/local';
import { CommercialContentClient, ResearchApiClient } from '../lib/platforms/tiktok';
import { CapacityMeter, ensureTables, makeAwsStores, tableNames, type DynamoDbLedger } from '../lib/store';
import { CLIENT, STILL_WORLD, emulatorRequests, tallyingFetch } from './_emulator-api';
import { MeasurementError, type Benchmark, type BenchResult } from './harness';

const NOW = '2026-03-01T12:00:00Z';
const SECRET = 'steward-bench-refresh-secret-0123456789';
const SPEC = 'bench-videos';
/** The collected creation window: 30 inclusive days, ending 91 days before NOW (view counts have settled). */
const WINDOW = { start: '2025-11-01', end: '2025-11-30' };
/**
 * ~330 videos a day over 130 days; the window holds ~9,900, about one compliance task's worth (10,000 ids), the
 * scale at which existence checks are meant to run. Nothing is deleted, hidden or commented.
 */
const WORLD: Partial<WorldOptions> = {
  users: 2_000,
  videosPerDay: 330,
  historyDays: 130,
  ...STILL_WORLD,
  maxCommentsPerVideo: 0,
};
const MIN_CORPUS = 2_000;
/** Days between the sweeps: inside the 72-hour lead of the 15-day deadline, so every record is due. */
const SWEEP_GAP_DAYS = 13;
const DAILY_REQUESTS = 1_000;

function log(message: string): void {
  process.stderr.write(`bench: refresh: ${message}\n`);
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function benchConfig(baseUrl: string, refreshBy?: 'existence-check'): ProjectConfig {
  return parseProjectConfig(
    {
      project: { id: 'bench-refresh', title: 'Refresh benchmark', endDate: '2027-12-31' },
      members: [{ name: 'ada', role: 'pi' }],
      sources: {
        research: { api: 'tiktok-research', baseUrl, credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' }, dailyRequests: DAILY_REQUESTS },
      },
      specs: [
        {
          name: SPEC,
          source: 'research',
          kind: 'video',
          query: { and: [{ operation: 'IN', field_name: 'region_code', field_values: REGIONS.map((r) => r.code) }] },
          window: WINDOW,
          schedule: 'rate(1 day)',
        },
      ],
      ...(refreshBy ? { policies: { 'tiktok-research': { version: 2, refreshBy } } } : {}),
    },
    'refresh bench config',
  );
}

/** Keys of the PutObject commands an S3 client sends (SDK middleware, like the CapacityMeter's). */
function recordPutKeys(s3: S3Client): { keys: string[] } {
  const out = { keys: [] as string[] };
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand') out.keys.push(String((args.input as { Key?: unknown }).Key));
      return next(args);
    },
    { step: 'initialize', name: 'benchRefreshPutKeys' },
  );
  return out;
}

/** Every active record of the ledger, read through the due index (outside the metered parts). */
async function ledgerSnapshot(ctx: JobContext): Promise<Map<RecordKey, ActiveRecord>> {
  const out = new Map<RecordKey, ActiveRecord>();
  for await (const page of dueRecords(ctx.ledger, new Date('9999-12-31T00:00:00Z'), sweepShards(ctx.ledger), 1000)) {
    for (const record of page.records) out.set(recordKeyOf(record.ref), record);
  }
  return out;
}

/** The emulator's own count of research requests today for the bench client (the server side of the quota). */

/** `{"/v2/research/video/query/": 24}` as `24 video/query`. */
function endpoints(byEndpoint: Record<string, number>): string {
  return Object.entries(byEndpoint)
    .map(([path, n]) => `${n} ${path.replace(/^\/v2\/research\//, '').replace(/\/$/, '')}`)
    .join(' + ');
}

interface SweepFigures {
  readonly report: RefreshReport;
  /** Requests the client billed during the sweep. */
  readonly requests: number;
  /** Requests sent, by endpoint path. */
  readonly byEndpoint: Record<string, number>;
  /** Records handled per step of the sweep (from its progress events). */
  readonly steps: number[];
  readonly putKeys: string[];
  readonly before: Map<RecordKey, ActiveRecord>;
  readonly after: Map<RecordKey, ActiveRecord>;
}

/** One sweep with fresh clients (a fresh quota book), metered by the client, the report and the emulator. */
async function meteredSweep(ctx: JobContext, emulator: RunningEmulator, clock: ManualClock, puts: { keys: string[] }): Promise<SweepFigures> {
  const tally = tallyingFetch();
  const clientOptions = { ...CLIENT, baseUrl: emulator.url, clock, sleep: async () => {}, fetch: tally.fetch };
  const research = new ResearchApiClient(clientOptions);
  const commercial = new CommercialContentClient(clientOptions);
  const clients: RefreshClients = { research: () => research, commercial: () => commercial };
  const before = await ledgerSnapshot(ctx);
  const serverBefore = await emulatorRequests(emulator);
  puts.keys.length = 0;
  const done: number[] = [];
  const report = await refresh(ctx, { clients, pollIntervalMs: 0, progress: (event) => done.push(event.done) });
  const steps = done.map((n, i) => n - (done[i - 1] ?? 0));
  const putKeys = [...puts.keys];
  const requests = research.quota().requests;
  const serverRequests = (await emulatorRequests(emulator)) - serverBefore;
  const reported = Object.values(report.requests).reduce((a, b) => a + b, 0);
  const sent = Object.values(tally.byEndpoint).reduce((a, b) => a + b, 0);
  if (requests !== reported || requests !== serverRequests || requests !== sent) {
    throw new MeasurementError(`request counts disagree: client ${requests}, refresh report ${reported}, emulator ${serverRequests}, sent ${sent}`);
  }
  if (report.stopped || report.failed > 0 || report.unprocessed > 0 || report.due !== before.size) {
    throw new MeasurementError(`the sweep did not handle every record: ${JSON.stringify({ ...report, failures: report.failures })} (corpus ${before.size})`);
  }
  return { report, requests, byEndpoint: tally.byEndpoint, steps, putKeys, before, after: await ledgerSnapshot(ctx) };
}

/** Collect, then a lookup sweep and an existence-check sweep against the emulator (figures 1-4). */
export async function measureRefresh(services: LocalServices): Promise<BenchResult[]> {
  const started = performance.now();
  const clock = new ManualClock(NOW);
  const emulator = await startEmulator({ clock, seed: 11, credentials: [CLIENT], world: WORLD });
  const { client: dynamo } = makeLocalDynamoClients(services);
  const s3 = makeLocalS3Client(services);
  try {
    const names = tableNames('steward-bench-refresh');
    const bucket = 'steward-bench-refresh-data';
    await ensureTables(dynamo, names);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const meter = new CapacityMeter();
    meter.attach(s3);
    const puts = recordPutKeys(s3);
    const hasher = hmacHasher(SECRET);
    const config = benchConfig(emulator.url);
    const { ctx, stores } = wireJobContext({ config, clock, s3, dynamo, bucket, ledgerTable: names.ledger, auditTable: names.audit, hasher, versioning: 'auto', onUnversionedFallback: () => {}, collectorVersion: 'bench' });

    // 1. Collect the corpus through the collect job and the research client.
    let t0 = performance.now();
    const clientOptions = { ...CLIENT, baseUrl: emulator.url, clock, sleep: async () => {} };
    const research = new ResearchApiClient(clientOptions);
    const commercial = new CommercialContentClient(clientOptions);
    const collected = await collect(ctx, {
      specName: SPEC,
      sourceFor: tiktokSources({ clock, ledger: stores.ledger, objects: stores.objects, hasher, research: () => research, commercial: () => commercial }),
    });
    const spec = collected.specs[0];
    if (!spec || spec.outcome !== 'finished' || spec.newRecords < MIN_CORPUS) {
      throw new MeasurementError(`collect: expected >= ${MIN_CORPUS} new videos and outcome "finished", got ${JSON.stringify(spec)}`);
    }
    const corpus = spec.newRecords;
    log(`collected ${corpus} videos in ${spec.requests} requests (${seconds(t0)})`);

    // 2. The lookup sweep, once everything is due.
    clock.advance(SWEEP_GAP_DAYS * MS_PER_DAY);
    t0 = performance.now();
    meter.reset();
    const lookup = await meteredSweep(ctx, emulator, clock, puts);
    const { report } = lookup;
    const refreshed = report.unchanged + report.changed;
    if (refreshed !== corpus) throw new MeasurementError(`lookup sweep refreshed ${refreshed} of ${corpus} records: ${JSON.stringify(report)}`);
    if (report.unchanged === 0) throw new MeasurementError('lookup sweep: no record came back unchanged, so S3 PUTs per unchanged refresh cannot be measured');
    if ((meter.report().commands.PutObjectCommand ?? 0) !== lookup.putKeys.length) throw new MeasurementError('PUT counts of the capacity meter and the key recorder disagree');
    // Records whose content changed (their ledger hash moved); their object PUTs are not counted against unchanged ones.
    const changedObjects = new Set<string>();
    let unchangedInLedger = 0;
    for (const [key, old] of lookup.before) {
      const now = lookup.after.get(key);
      if (!now) throw new MeasurementError(`lookup sweep: ${key} is no longer active`);
      if (now.contentSha256 !== old.contentSha256) changedObjects.add(old.objectKey);
      else if (now.lastRefreshedAt === clock.now().toISOString()) unchangedInLedger += 1;
    }
    if (unchangedInLedger !== report.unchanged || changedObjects.size !== report.changed) {
      throw new MeasurementError(`ledger shows ${unchangedInLedger} unchanged and ${changedObjects.size} changed refreshes; the report says ${report.unchanged} and ${report.changed}`);
    }
    const putsOnUnchanged = lookup.putKeys.filter((key) => !changedObjects.has(key)).length;
    const perRecord = lookup.requests / refreshed;
    log(`lookup sweep: ${refreshed} refreshed (${report.unchanged} unchanged, ${report.changed} changed) with ${lookup.requests} requests, ${lookup.putKeys.length} PUTs (${seconds(t0)})`);

    // The quota plan on the ledger after the sweep, and the corpus the measured cost per record allows.
    const plan = (await quotaPlan(ctx)).sources.find((s) => s.source === 'research');
    if (!plan || plan.activeRecords !== corpus) throw new MeasurementError(`quota plan: expected ${corpus} active research records, got ${JSON.stringify(plan)}`);
    const limit = plan.dailyRequests * plan.refreshWithinDays * (1 / requestsPerRecord('video', 'lookup'));
    const maxCompliant = Math.min(limit, Math.floor((plan.dailyRequests * plan.refreshWithinDays) / perRecord));
    const planPromise = plan.maxCompliantRecords;

    // 3. The existence-check sweep, 13 days later, under policy version 2.
    clock.advance(SWEEP_GAP_DAYS * MS_PER_DAY);
    t0 = performance.now();
    const checkConfig = benchConfig(emulator.url, 'existence-check');
    const checkCtx: JobContext = { ...ctx, config: checkConfig, policies: effectivePolicies(checkConfig) };
    const check = await meteredSweep(checkCtx, emulator, clock, puts);
    if (check.report.validated !== corpus || check.report.unchanged + check.report.changed !== 0) {
      throw new MeasurementError(`existence-check sweep: expected ${corpus} validated records, got ${JSON.stringify(check.report)}`);
    }
    log(`existence-check sweep: ${check.report.validated} validated with ${check.requests} requests, ${check.putKeys.length} PUTs (${seconds(t0)})`);
    log(`sweeps done in ${seconds(started)}`);

    const batch = 1000; // refresh's default step (RefreshOptions.batchSize), as the CLI and Lambda run it
    return [
      {
        name: 'api_requests_per_1000_refreshed',
        value: (1000 * lookup.requests) / refreshed,
        unit: 'requests/1000',
        target: 10.5,
        better: 'lower',
        note: `refresh sweep (lookups by id, default batchSize ${batch}: steps of ${lookup.steps.join(', ')}) over ${refreshed} due videos collected from the emulator: ${lookup.requests} requests (${endpoints(lookup.byEndpoint)}; client quota book = refresh report = emulator count); ${Math.ceil(refreshed / 100)} if every request carried 100 ids`,
      },
      {
        name: 'api_requests_per_1000_existence_checks',
        value: (1000 * check.requests) / check.report.validated,
        unit: 'requests/1000',
        target: 1,
        better: 'lower',
        note: `refresh sweep with refreshBy "existence-check" (batch compliance tasks, default batchSize ${batch}: steps of ${check.steps.join(', ')}; the emulator answers one "Processing" poll) over ${check.report.validated} due videos: ${check.requests} requests (${endpoints(check.byEndpoint)})`,
      },
      {
        name: 's3_puts_per_unchanged_refresh',
        value: putsOnUnchanged / report.unchanged,
        unit: 'PUTs/record',
        target: 0,
        better: 'lower',
        note: `PutObject commands during the lookup sweep (SDK middleware), less those to the ${report.changed} changed records' objects, over ${report.unchanged} unchanged refreshes; the existence-check sweep sent ${check.putKeys.length}`,
      },
      {
        name: 'max_compliant_corpus_at_quota',
        value: maxCompliant,
        unit: 'records',
        target: 1_400_000,
        better: 'higher',
        note: `${plan.dailyRequests} requests/day x ${plan.refreshWithinDays} days / ${perRecord.toFixed(5)} measured requests per refreshed record (limit ${limit.toLocaleString('en-US')}); the quota plan promises ${planPromise.toLocaleString('en-US')} (100 per request, ${plan.refreshWithinDays - 1}-day cycle)${maxCompliant >= planPromise ? '' : ', more than the measured cost allows'}`,
      },
    ];
  } finally {
    dynamo.destroy();
    s3.destroy();
    await emulator.stop();
  }
}

// ------------------------------------------------------------------------------------------------ sweep cost

const DUE = 1_000;
const SMALL_CORPUS = 10_000;
const LARGE_CORPUS = 100_000;
/** Records per putRecords call, and calls in flight while seeding. */
const SEED_CHUNK = 250;
const SEED_CONCURRENCY = 16;
const CREATE_TIME = 1_764_000_000;

const seedRef = (n: number): RecordRef => ({ platform: 'tiktok', kind: 'video', id: String(7_400_000_000_000_000_000n + BigInt(n)) });

/** A video record as collect registers it (provenance, obligations of the 15-day policy, creation time). */
function seedRecord(ref: RecordRef, at: string): ActiveRecord {
  const body = stringifyJson({ id: BigInt(ref.id), create_time: CREATE_TIME, view_count: 1000 });
  return {
    ref,
    status: 'active',
    objectKey: objectKeyOf(ref),
    contentSha256: sha256Hex(body),
    sizeBytes: Buffer.byteLength(body),
    provenance: {
      runId: 'collect-20260301T120000Z-bench0',
      specName: SPEC,
      queryFingerprint: 'b'.repeat(64),
      endpoint: '/v2/research/video/query/',
      logId: '20260301120000000000',
      retrievedAt: at,
      collectorVersion: 'bench',
      collectedBy: 'schedule',
    },
    firstCollectedAt: at,
    lastSeenAt: at,
    policyId: 'tiktok-research',
    policyVersion: 1,
    refreshDueAt: new Date(Date.parse(at) + 15 * MS_PER_DAY).toISOString(),
    expiresAt: '2027-12-31T23:59:59.999Z',
    missCount: 0,
    platformCreatedAt: CREATE_TIME,
  };
}

/** Records `from`..`to-1` through the ledger adapter; the first DUE are due an hour ago, the rest over 1-10 days. */
async function seed(ledger: DynamoDbLedger, from: number, to: number, now: number): Promise<void> {
  const at = new Date(now - 12 * MS_PER_DAY).toISOString();
  const chunks: number[] = [];
  for (let n = from; n < to; n += SEED_CHUNK) chunks.push(n);
  await mapLimit(chunks, SEED_CONCURRENCY, async (start) => {
    const records = Array.from({ length: Math.min(SEED_CHUNK, to - start) }, (_, i) => seedRecord(seedRef(start + i), at));
    await ledger.putRecords(records, (r) => {
      const n = Number(BigInt(r.ref.id) - 7_400_000_000_000_000_000n);
      return new Date(n < DUE ? now - 3_600_000 : now + MS_PER_DAY + (n % 9_973) * 86_400).toISOString();
    });
  });
}

/** Due-finding read units at 10,000 and at 100,000 records (figure 5), on its own client and meter. */
export async function measureSweepCost(services: LocalServices): Promise<BenchResult[]> {
  const started = performance.now();
  const { client: dynamo } = makeLocalDynamoClients(services);
  const s3 = makeLocalS3Client(services);
  try {
    const names = tableNames('steward-bench-sweep');
    await ensureTables(dynamo, names);
    const clock = new ManualClock(NOW);
    const meter = new CapacityMeter();
    meter.attach(dynamo);
    const stores = makeAwsStores({ s3, dynamo, bucket: 'unused', ledgerTable: names.ledger, auditTable: names.audit, hasher: hmacHasher(SECRET), versioning: 'auto', clock, onUnversionedFallback: () => {} });
    const ledger = stores.ledger;
    const now = clock.now();

    /** Read units (ledger table + its indexes) of finding what is due, as refresh finds it. */
    const dueReadUnits = async (corpus: number): Promise<{ units: number; queries: number }> => {
      meter.reset();
      let found = 0;
      for await (const page of dueRecords(ledger, now, sweepShards(ledger))) found += page.records.length;
      const capacity = meter.report();
      if (found !== DUE) throw new MeasurementError(`corpus of ${corpus}: the due index returned ${found} due records, expected ${DUE}`);
      if (capacity.responsesWithoutCapacity > 0) throw new MeasurementError(`${capacity.responsesWithoutCapacity} responses carried no ConsumedCapacity`);
      if ((capacity.commands.ScanCommand ?? 0) > 0) throw new MeasurementError('finding due records sent a Scan');
      const units = capacity.byTable[names.ledger];
      if (!units) throw new MeasurementError('no read units were reported for the ledger');
      return { units: units.table.read + Object.values(units.indexes).reduce((n, u) => n + u.read, 0), queries: capacity.commands.QueryCommand ?? 0 };
    };

    let t0 = performance.now();
    await seed(ledger, 0, SMALL_CORPUS, now.getTime());
    log(`sweep-cost: seeded ${SMALL_CORPUS} records (${seconds(t0)})`);
    const small = await dueReadUnits(SMALL_CORPUS);
    t0 = performance.now();
    await seed(ledger, SMALL_CORPUS, LARGE_CORPUS, now.getTime());
    log(`sweep-cost: seeded ${LARGE_CORPUS - SMALL_CORPUS} more records (${seconds(t0)})`);
    const large = await dueReadUnits(LARGE_CORPUS);
    log(`sweep-cost: ${small.units} read units at ${SMALL_CORPUS}, ${large.units} at ${LARGE_CORPUS} (done in ${seconds(started)})`);
    if (small.units <= 0) throw new MeasurementError('finding due records consumed no read units');
    return [
      {
        name: 'sweep_cost_ratio_100k_vs_10k',
        value: large.units / small.units,
        unit: 'x',
        target: 1.2,
        better: 'lower',
        note: `read units (ConsumedCapacity, table + indexes) to find ${DUE} due records via the due index over ${ledger.dueShards} shards: ${large.units} (${large.queries} Queries) in ${LARGE_CORPUS.toLocaleString('en-US')} records / ${small.units} (${small.queries} Queries) in ${SMALL_CORPUS.toLocaleString('en-US')}`,
      },
    ];
  } finally {
    dynamo.destroy();
    s3.destroy();
  }
}

/**
 * Both parts at once, each on its own local services (DynamoDB Local serialises writes, so a shared instance would
 * make the collection wait on the seeding): every figure is a count (requests, PUTs, read units), which does not
 * depend on what else the machine does, and each part meters its own SDK clients.
 */
export const benchmark: Benchmark = {
  name: 'refresh',
  async run(): Promise<BenchResult[]> {
    const started = performance.now();
    const services = await Promise.allSettled([startLocalServices({ buckets: [] }), startLocalServices({ buckets: [] })]);
    try {
      const [a, b] = services.map((s) => {
        if (s.status === 'rejected') throw s.reason;
        return s.value;
      });
      const [refreshFigures, sweepFigures] = await Promise.all([measureRefresh(a!), measureSweepCost(b!)]);
      log(`done in ${seconds(started)}`);
      return [...refreshFigures, ...sweepFigures];
    } finally {
      await Promise.all(services.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    }
  },
};
