/**
 * What it costs on AWS to keep records compliant, from operation counts measured here and AWS list prices.
 *
 * Measured on the embedded services (DynamoDB Local reports consumed capacity; s3rver is counted by command) with the
 * TikTok emulator: a video spec collects a month of videos, then the clock moves on 15 days twice and the refresh
 * sweep runs each time (the default policy refreshes within 15 days), as it would over one month in production.
 * Counts per record: S3 requests, DynamoDB read and write units (table and index units), TikTok API requests; sizes
 * per record: object bytes, ledger and audit item bytes (with their index copies). The prices below turn them into
 * US dollars per million records kept compliant for a month, and per million records collected.
 *
 *   node --import tsx bench/cost-model.ts      (prints the breakdown the README quotes)
 */
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parseProjectConfig } from '../lib/config/load';
import { MS_PER_DAY, ManualClock } from '../lib/domain/clock';
import { hmacHasher } from '../lib/domain/hashing';
import { startEmulator } from '../lib/emulator';
import { collect } from '../lib/jobs/collect';
import { wireJobContext } from '../lib/wiring/job-context';
import { refresh } from '../lib/jobs/refresh';
import { tiktokSources } from '../lib/jobs/tiktok-sources';
import { FAST_START_JVM_OPTIONS } from '../lib/local/dynamodb-local';
import { makeLocalDynamoClients, makeLocalS3Client, startLocalServices } from '../lib/local';
import { CommercialContentClient, ResearchApiClient } from '../lib/platforms/tiktok';
import { CapacityMeter, ensureTables, tableNames, type CapacityReport } from '../lib/store';
import { AUDIT_TABLE, LEDGER_TABLE } from '../lib/store/tables';
import type { BenchResult, Benchmark } from './harness';

/** AWS list prices, us-east-1, USD (November 2026 price pages; on-demand, no free tier). */
export const PRICES = {
  s3StorageGbMonth: 0.023,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  ddbWriteUnitPerMillion: 0.625,
  ddbReadUnitPerMillion: 0.125,
  ddbStorageGbMonth: 0.25,
  ddbPitrGbMonth: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
} as const;

/** Assumptions that are not measured here (stated in the README). */
export const ASSUMPTIONS = {
  /** Lambda time per TikTok API request (the sweep waits on the API), at 1 GB. */
  lambdaSecondsPerApiRequest: 1.5,
  lambdaMemoryGb: 1,
  daysPerMonth: 30,
} as const;

const NOW = '2026-03-01T12:00:00Z';
const WORLD = { users: 1_500, videosPerDay: 60, historyDays: 60, futureDays: 40, maxCommentsPerVideo: 0, adsPerYear: 0, advertisers: 1 };
const CLIENT = { clientKey: 'bench-key', clientSecret: 'bench-secret' };
const GB = 1024 ** 3;

/** DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~ digits/2 + 1, maps and lists nested). */
function itemBytes(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(String(value).length / 2) + 1;
  if (typeof value === 'boolean') return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + itemBytes(v), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 1 + itemBytes(v), 0);
}

const diff = (a: CapacityReport, b: CapacityReport) => ({
  s3Puts: (b.commands.PutObjectCommand ?? 0) - (a.commands.PutObjectCommand ?? 0),
  s3Gets: (b.commands.GetObjectCommand ?? 0) + (b.commands.HeadObjectCommand ?? 0) - (a.commands.GetObjectCommand ?? 0) - (a.commands.HeadObjectCommand ?? 0),
  s3Lists: (b.commands.ListObjectVersionsCommand ?? 0) + (b.commands.ListObjectsV2Command ?? 0) - (a.commands.ListObjectVersionsCommand ?? 0) - (a.commands.ListObjectsV2Command ?? 0),
  writeUnits: b.table.write + b.indexes.write - a.table.write - a.indexes.write,
  readUnits: b.table.read + b.indexes.read - a.table.read - a.indexes.read,
});

export interface CostModel {
  readonly records: number;
  readonly perRecordCollect: ReturnType<typeof diff> & { apiRequests: number };
  readonly perRecordMonth: ReturnType<typeof diff> & { apiRequests: number; refreshes: number };
  readonly bytesPerRecord: { object: number; ledger: number; audit: number };
  readonly usdPerMillionMonth: Record<string, number>;
  readonly usdPerMillionCollected: Record<string, number>;
}

export async function measureCostModel(): Promise<CostModel> {
  const services = await startLocalServices({ buckets: [], dynamoJvmOptions: FAST_START_JVM_OPTIONS });
  const { client: dynamo, doc } = makeLocalDynamoClients(services);
  const s3 = makeLocalS3Client(services);
  const clock = new ManualClock(NOW);
  const emulator = await startEmulator({ clock, credentials: [CLIENT], world: WORLD });
  try {
    const names = tableNames('steward-cost');
    const bucket = 'steward-cost-data';
    await ensureTables(dynamo, names);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const meter = new CapacityMeter();
    meter.attach(dynamo);
    meter.attach(s3);
    const config = parseProjectConfig(
      {
        project: { id: 'cost-model', title: 'Cost model', endDate: '2027-12-31' },
        members: [{ name: 'ada', role: 'pi' }],
        sources: { research: { api: 'tiktok-research', baseUrl: emulator.url, credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' }, dailyRequests: 100_000 } },
        specs: [{ name: 'videos', source: 'research', kind: 'video', query: { and: [{ operation: 'IN', field_name: 'region_code', field_values: ['DE', 'FR', 'US', 'GB', 'JP'] }] }, window: { rollingDays: 30 }, schedule: 'rate(1 day)' }],
      },
      'cost model config',
    );
    const hasher = hmacHasher('steward-cost-model-secret-0123456789');
    const { ctx, stores } = wireJobContext({ config, clock, s3, dynamo, bucket, ledgerTable: names.ledger, auditTable: names.audit, hasher, versioning: 'auto', onUnversionedFallback: () => {}, collectorVersion: 'cost-model' });
    const clientOptions = { ...CLIENT, baseUrl: emulator.url, clock, sleep: async () => {} };
    const research = new ResearchApiClient(clientOptions);
    const commercial = new CommercialContentClient(clientOptions);
    const clients = { research: () => research, commercial: () => commercial };

    const start = meter.report();
    const collected = await collect(ctx, { sourceFor: tiktokSources({ clock, ledger: stores.ledger, objects: stores.objects, hasher, ...clients }) });
    const records = collected.specs.reduce((n, s) => n + s.newRecords, 0);
    const afterCollect = meter.report();
    const collectRequests = collected.specs.reduce((n, s) => n + s.requests, 0);

    let refreshed = 0;
    let monthRequests = 0;
    for (let sweep = 0; sweep < 2; sweep++) {
      clock.advance(15 * MS_PER_DAY);
      const report = await refresh(ctx, { clients, pollIntervalMs: 0 });
      refreshed += report.unchanged + report.changed + report.validated;
      monthRequests += Object.values(report.requests).reduce((a, b) => a + b, 0);
    }
    const afterMonth = meter.report();

    // Sizes: objects as stored, items as DynamoDB counts them, index copies included (ALL projections copy the item).
    let objectBytes = 0;
    let objects = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        objectBytes += o.Size ?? 0;
        objects += 1;
      }
      token = page.NextContinuationToken;
    } while (token);
    const tableBytes = async (table: string, indexCopies: (item: Record<string, unknown>) => number) => {
      let bytes = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) bytes += (itemBytes(item) + 100) * (1 + indexCopies(item));
        start = page.LastEvaluatedKey;
      } while (start);
      return bytes;
    };
    const allCopies = (def: typeof LEDGER_TABLE) => (item: Record<string, unknown>) =>
      def.globalSecondaryIndexes.filter((i) => i.projection.type === 'ALL' && item[i.partitionKey.name] !== undefined).length;
    const ledgerBytes = await tableBytes(names.ledger, allCopies(LEDGER_TABLE));
    const auditBytes = await tableBytes(names.audit, allCopies(AUDIT_TABLE));

    const perRecordCollect = { ...scale(diff(start, afterCollect), records), apiRequests: collectRequests / records };
    const month = diff(afterCollect, afterMonth);
    const perRecordMonth = { ...scale(month, records), apiRequests: monthRequests / records, refreshes: refreshed / records };
    const bytesPerRecord = { object: objectBytes / Math.max(objects, 1), ledger: ledgerBytes / records, audit: auditBytes / records };
    return { records, perRecordCollect, perRecordMonth, bytesPerRecord, ...prices(perRecordCollect, perRecordMonth, bytesPerRecord) };
  } finally {
    dynamo.destroy();
    s3.destroy();
    await emulator.stop();
    await services.stop();
  }
}

function scale<T extends Record<string, number>>(counts: T, records: number): T {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / records])) as T;
}

function prices(
  collect: CostModel['perRecordCollect'],
  month: CostModel['perRecordMonth'],
  bytes: CostModel['bytesPerRecord'],
): Pick<CostModel, 'usdPerMillionMonth' | 'usdPerMillionCollected'> {
  const M = 1_000_000;
  const lambda = (apiRequests: number) => apiRequests * M * ASSUMPTIONS.lambdaSecondsPerApiRequest * ASSUMPTIONS.lambdaMemoryGb * PRICES.lambdaArmGbSecond;
  const dynamoGb = ((bytes.ledger + bytes.audit) * M) / GB;
  const usdPerMillionMonth = {
    's3 storage': ((bytes.object * M) / GB) * PRICES.s3StorageGbMonth,
    's3 requests': ((month.s3Puts + month.s3Lists) * M * PRICES.s3PutPer1000) / 1000 + (month.s3Gets * M * PRICES.s3GetPer1000) / 1000,
    'dynamodb writes': month.writeUnits * PRICES.ddbWriteUnitPerMillion,
    'dynamodb reads': month.readUnits * PRICES.ddbReadUnitPerMillion,
    'dynamodb storage + PITR': dynamoGb * (PRICES.ddbStorageGbMonth + PRICES.ddbPitrGbMonth),
    'lambda (refresh)': lambda(month.apiRequests),
  };
  const usdPerMillionCollected = {
    's3 requests': ((collect.s3Puts + collect.s3Lists) * M * PRICES.s3PutPer1000) / 1000 + (collect.s3Gets * M * PRICES.s3GetPer1000) / 1000,
    'dynamodb writes': collect.writeUnits * PRICES.ddbWriteUnitPerMillion,
    'dynamodb reads': collect.readUnits * PRICES.ddbReadUnitPerMillion,
    'lambda (collect)': lambda(collect.apiRequests),
  };
  return { usdPerMillionMonth, usdPerMillionCollected };
}

const total = (costs: Record<string, number>) => Object.values(costs).reduce((a, b) => a + b, 0);

export const costModel: Benchmark = {
  name: 'cost-model',
  async run(): Promise<BenchResult[]> {
    const model = await measureCostModel();
    return [
      {
        name: 'usd_per_million_records_month',
        value: Number(total(model.usdPerMillionMonth).toFixed(2)),
        unit: 'USD',
        target: 50,
        better: 'lower',
        note: `variable AWS cost of keeping 1M records compliant for a month (${model.perRecordMonth.refreshes.toFixed(2)} refreshes each), list prices, measured counts`,
      },
      {
        name: 'usd_per_million_records_collected',
        value: Number(total(model.usdPerMillionCollected).toFixed(2)),
        unit: 'USD',
        target: 50,
        better: 'lower',
        note: 'one-time AWS cost of collecting 1M new records (S3, DynamoDB, Lambda), list prices, measured counts',
      },
    ];
  },
};

if (require.main === module) {
  measureCostModel().then(
    (model) => {
      const fmt = (n: number, d = 2) => n.toFixed(d);
      const rows = (costs: Record<string, number>) => Object.entries(costs).map(([k, v]) => `| ${k} | $${fmt(v)} |`);
      process.stdout.write(
        [
          `Measured on ${model.records} records.`,
          '',
          '| per record | collect (once) | one month kept compliant |',
          '| --- | --- | --- |',
          `| S3 PUT | ${fmt(model.perRecordCollect.s3Puts, 3)} | ${fmt(model.perRecordMonth.s3Puts, 3)} |`,
          `| S3 GET/HEAD | ${fmt(model.perRecordCollect.s3Gets, 3)} | ${fmt(model.perRecordMonth.s3Gets, 3)} |`,
          `| DynamoDB write units (incl. indexes) | ${fmt(model.perRecordCollect.writeUnits)} | ${fmt(model.perRecordMonth.writeUnits)} |`,
          `| DynamoDB read units (incl. indexes) | ${fmt(model.perRecordCollect.readUnits)} | ${fmt(model.perRecordMonth.readUnits)} |`,
          `| TikTok API requests | ${fmt(model.perRecordCollect.apiRequests, 4)} | ${fmt(model.perRecordMonth.apiRequests, 4)} |`,
          `| refreshes | | ${fmt(model.perRecordMonth.refreshes)} |`,
          '',
          `Bytes per record: object ${fmt(model.bytesPerRecord.object, 0)}, ledger ${fmt(model.bytesPerRecord.ledger, 0)}, audit ${fmt(model.bytesPerRecord.audit, 0)} (index copies included).`,
          '',
          '| per million records, per month | USD |',
          '| --- | --- |',
          ...rows(model.usdPerMillionMonth),
          `| **total** | **$${fmt(total(model.usdPerMillionMonth))}** |`,
          '',
          '| per million records collected (once) | USD |',
          '| --- | --- |',
          ...rows(model.usdPerMillionCollected),
          `| **total** | **$${fmt(total(model.usdPerMillionCollected))}** |`,
        ].join('\n') + '\n',
      );
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
