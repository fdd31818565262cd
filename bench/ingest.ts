/**
 * Issue 3: ingest of 10,000 new records through the whole collect pipeline, against the storage floor, on the
 * embedded local services (DynamoDB Local + s3rver), wired exactly as `lib/local/runtime.ts` wires them.
 *
 * - pipeline: `collect()` with a deterministic in-memory source (pages of 100 video items as the Research API
 *   returns them, rendered by the emulator's world: ~500-1,100 bytes, 19-digit ids). Per page it reads the
 *   ledger, writes a checkpoint, PUTs the objects (16 in flight), registers the ledger items, appends audit
 *   events and books the quota.
 * - floor: the same object PUTs (same keys and bodies, 16 in flight) and the same ledger items written with
 *   BatchWriteItem (25 per call, FLOOR_BATCH_CONCURRENCY in flight) straight through the SDK, nothing else.
 *
 * Phases alternate (floor, pipeline, floor, pipeline) on fresh tables and buckets after an untimed warm-up;
 * `ingest_vs_storage_floor` is median(pipeline) / median(floor) of wall time. The note adds the same ratio in CPU
 * time (this process, s3rver's worker included, plus the DynamoDB Local JVM), which shared machines disturb less.
 * Counts come from the CapacityMeter on the pipeline's clients: S3 PutObject commands and DynamoDB
 * ConsumedCapacity (table and index units apart, ledger and audit apart).
 */
import { readFileSync } from 'node:fs';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { effectivePolicies, parseProjectConfig, policyIdForApi, projectEnd } from '../lib/config/load';
import type { ProjectConfig } from '../lib/config/schema';
import { ManualClock } from '../lib/domain/clock';
import { hmacHasher, sha256Hex, type KeyedHasher } from '../lib/domain/hashing';
import { stringifyJson } from '../lib/domain/json';
import { nextActionAt, obligationsFor } from '../lib/domain/obligations';
import { objectKeyOf, recordKeyOf, type ActiveRecord } from '../lib/domain/records';
import { World } from '../lib/emulator';
import { collect, type SpecSourceBinding } from '../lib/jobs/collect';
import { mapLimit, type JobContext } from '../lib/jobs/context';
import type { CollectedItem, SpecSource } from '../lib/jobs/sources';
import { userRef } from '../lib/jobs/tiktok-sources';
import { makeLocalDynamoClients, makeLocalS3Client, startLocalServices } from '../lib/local';
import { wireJobContext } from '../lib/wiring/job-context';
import { CapacityMeter, ensureTables, recordItem, tableNames, type TableNames } from '../lib/store';
import { MeasurementError, median, type Benchmark, type BenchResult } from './harness';

const NOW = '2026-03-01T12:00:00Z';
const RECORDS = 10_000;
const WARMUP_RECORDS = 500;
/** floor, pipeline, floor, pipeline: ~1-2 minutes a round on 2 busy cores. */
const ROUNDS = 2;
const PAGE_SIZE = 100;
/** What collect uses for object PUTs (OBJECT_WRITE_CONCURRENCY in lib/jobs/collect.ts). */
const PUT_CONCURRENCY = 16;
/**
 * BatchWriteItem calls in flight in the floor: one, as the ledger adapter sends them (25 items a call, in turn).
 * DynamoDB Local on 2 cores gains little from more (measured: ~35 ms a call alone, ~18 ms with 4 in flight).
 */
const FLOOR_BATCH_CONCURRENCY = 1;
const SPEC = 'bench-videos';
const SECRET = 'steward-bench-secret-0123456789abcdef';

function benchConfig(): ProjectConfig {
  return parseProjectConfig(
    {
      project: { id: 'bench', title: 'Benchmark project', endDate: '2027-06-30' },
      members: [{ name: 'ada', role: 'pi' }],
      sources: {
        research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'TIKTOK_KEY', clientSecretEnv: 'TIKTOK_SECRET' }, refreshReserve: 0.3 },
      },
      specs: [
        {
          name: SPEC,
          source: 'research',
          kind: 'video',
          query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] },
          window: { rollingDays: 30 },
          schedule: 'rate(1 day)',
        },
      ],
    },
    'bench config',
  );
}

/** `count` visible videos of a deterministic world, as a video-query page item: full fields, lossless JSON. */
function videoItems(count: number, hasher: KeyedHasher, at: Date): CollectedItem[] {
  const world = new World(5, at, { users: 1_500, videosPerDay: 450, historyDays: 30, futureDays: 0, adsPerYear: 100, advertisers: 10 });
  const items: CollectedItem[] = [];
  for (const truth of world.listVideos()) {
    const video = world.video(truth.id, at);
    if (!video) continue;
    items.push({
      ref: { platform: 'tiktok', kind: 'video', id: truth.id },
      body: stringifyJson(video),
      platformCreatedAt: Number(video.create_time),
      parentKey: recordKeyOf(userRef(hasher, String(video.username))),
    });
    if (items.length === count) return items;
  }
  throw new MeasurementError(`the bench world holds only ${items.length} visible videos; ${count} needed`);
}

/** The platform stand-in: fixed pages of PAGE_SIZE, resumable by page index, counting requests like a client. */
function fakeSource(items: readonly CollectedItem[]): SpecSourceBinding {
  let requests = 0;
  let records = 0;
  const source: SpecSource = {
    queryFingerprint: 'b'.repeat(64),
    pages: (state: unknown) =>
      (async function* () {
        for (let page = (state as { page: number } | undefined)?.page ?? 0; page * PAGE_SIZE < items.length; page++) {
          const slice = items.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
          requests += 1;
          records += slice.length;
          yield { items: slice, endpoint: '/v2/research/video/query/', logId: `20260301120000${String(page).padStart(6, '0')}`, stateAfter: { page: page + 1 } };
        }
      })(),
  };
  return { source, usage: { requests: () => requests, records: () => records } };
}

/** The ledger items collect registers for `items` (same builder, same fields), for the floor to write directly. */
function ledgerItems(items: readonly CollectedItem[], config: ProjectConfig, at: Date): Record<string, unknown>[] {
  const policy = effectivePolicies(config)[policyIdForApi('tiktok-research')];
  const end = projectEnd(config);
  const iso = at.toISOString();
  return items.map((item, i) => {
    const o = obligationsFor(at, at, policy, end);
    const record: ActiveRecord = {
      ref: item.ref,
      status: 'active',
      objectKey: objectKeyOf(item.ref),
      contentSha256: sha256Hex(item.body),
      sizeBytes: Buffer.byteLength(item.body),
      provenance: {
        runId: 'collect-20260301T120000Z-bench0',
        specName: SPEC,
        queryFingerprint: 'b'.repeat(64),
        endpoint: '/v2/research/video/query/',
        logId: `20260301120000${String(Math.floor(i / PAGE_SIZE)).padStart(6, '0')}`,
        retrievedAt: iso,
        collectorVersion: 'bench',
        collectedBy: 'schedule',
      },
      firstCollectedAt: iso,
      lastSeenAt: iso,
      policyId: policy.id,
      policyVersion: policy.version,
      refreshDueAt: o.refreshDueAt.toISOString(),
      expiresAt: o.expiresAt.toISOString(),
      missCount: 0,
      ...(item.platformCreatedAt !== undefined ? { platformCreatedAt: item.platformCreatedAt } : {}),
      ...(item.parentKey ? { parentKey: item.parentKey } : {}),
    };
    return recordItem(record, nextActionAt(o, policy).toISOString());
  });
}

interface Clients {
  /** CPU time so far (ms) of this process (all threads, s3rver's worker included) and of the DynamoDB Local JVM. */
  readonly cpuMs: () => number;
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly meter: CapacityMeter;
}

let serial = 0;

async function freshResources(clients: Clients, phase: string): Promise<{ bucket: string; tables: TableNames }> {
  serial += 1;
  const prefix = `bench-${phase}-${serial}`;
  const tables = tableNames(prefix);
  await ensureTables(clients.dynamo, tables);
  const bucket = `${prefix}-data`;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { bucket, tables };
}

async function dropTables(clients: Clients, tables: TableNames): Promise<void> {
  for (const name of Object.values(tables)) await clients.dynamo.send(new DeleteTableCommand({ TableName: name }));
}

/**
 * CPU time (ms) of a process from /proc (Linux): user + system clock ticks at the usual 100 Hz. Undefined elsewhere;
 * only the cross-check in the note uses it.
 */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

interface Timed {
  readonly ms: number;
  readonly cpuMs: number;
}

/** Storage floor: the PUTs and the ledger BatchWrites, straight through the SDK. */
async function floorPhase(clients: Clients, items: readonly CollectedItem[], ledger: readonly Record<string, unknown>[]): Promise<Timed> {
  const { bucket, tables } = await freshResources(clients, 'floor');
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < ledger.length; i += 25) batches.push(ledger.slice(i, i + 25));
  const cpu0 = clients.cpuMs();
  const t0 = performance.now();
  await mapLimit(items, PUT_CONCURRENCY, (item) =>
    clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKeyOf(item.ref), Body: item.body, ContentType: 'application/json' })),
  );
  await mapLimit(batches, FLOOR_BATCH_CONCURRENCY, async (batch) => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 10) throw new MeasurementError(`floor: BatchWriteItem left ${pending.length} items unprocessed after ${attempt} attempts`);
      const out = await clients.doc.send(new BatchWriteCommand({ RequestItems: { [tables.ledger]: pending } }));
      pending = (out.UnprocessedItems?.[tables.ledger] ?? []) as typeof pending;
    }
  });
  const elapsed = { ms: performance.now() - t0, cpuMs: clients.cpuMs() - cpu0 };
  await dropTables(clients, tables);
  return elapsed;
}

interface PipelineFigures extends Timed {
  readonly newRecords: number;
  readonly puts: number;
  readonly tableWrite: number;
  readonly indexWrite: number;
  /** Table write units of the ledger and of the audit log, apart. */
  readonly ledgerWrite: number;
  readonly auditWrite: number;
  /** Write units per index, `<table>/<index>` (ledger or audit). */
  readonly indexWrites: Readonly<Record<string, number>>;
}

/** The whole collect pipeline on fresh tables and bucket, metered. */
async function pipelinePhase(clients: Clients, items: readonly CollectedItem[], config: ProjectConfig, hasher: KeyedHasher): Promise<PipelineFigures> {
  const { bucket, tables } = await freshResources(clients, 'pipe');
  const clock = new ManualClock(NOW);
  // As lib/local/runtime.ts wires them (s3rver keeps no versions: 'auto').
  const { ctx } = wireJobContext({ config, clock, s3: clients.s3, dynamo: clients.dynamo, bucket, ledgerTable: tables.ledger, auditTable: tables.audit, hasher, versioning: 'auto', onUnversionedFallback: () => {}, collectorVersion: 'bench' });
  const binding = fakeSource(items);
  clients.meter.reset();
  const cpu0 = clients.cpuMs();
  const t0 = performance.now();
  const report = await collect(ctx, { specName: SPEC, sourceFor: () => binding });
  const ms = performance.now() - t0;
  const cpuMs = clients.cpuMs() - cpu0;
  const capacity = clients.meter.report();

  const spec = report.specs[0];
  if (!spec || spec.outcome !== 'finished' || spec.newRecords !== items.length) {
    throw new MeasurementError(`pipeline: expected ${items.length} new records and outcome "finished", got ${JSON.stringify(spec)}`);
  }
  if (capacity.responsesWithoutCapacity > 0) throw new MeasurementError(`pipeline: ${capacity.responsesWithoutCapacity} DynamoDB responses carried no ConsumedCapacity`);
  let stored = 0;
  let token: string | undefined;
  do {
    const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'records/', ContinuationToken: token }));
    stored += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  if (stored !== items.length) throw new MeasurementError(`pipeline: ${stored} objects stored, expected ${items.length}`);
  await dropTables(clients, tables);
  const indexWrites: Record<string, number> = {};
  for (const [role, name] of Object.entries(tables)) {
    for (const [index, units] of Object.entries(capacity.byTable[name]?.indexes ?? {})) indexWrites[`${role}/${index}`] = units.write;
  }
  return {
    indexWrites,
    ledgerWrite: capacity.byTable[tables.ledger]?.table.write ?? 0,
    auditWrite: capacity.byTable[tables.audit]?.table.write ?? 0,
    ms,
    cpuMs,
    newRecords: spec.newRecords,
    puts: capacity.commands.PutObjectCommand ?? 0,
    tableWrite: capacity.table.write,
    indexWrite: capacity.indexes.write,
  };
}

export const benchmark: Benchmark = {
  name: 'ingest',
  async run(): Promise<BenchResult[]> {
    const at = new Date(NOW);
    const hasher = hmacHasher(SECRET);
    const config = benchConfig();
    const items = videoItems(RECORDS, hasher, at);
    const ledger = ledgerItems(items, config, at);
    const sizes = items.map((i) => Buffer.byteLength(i.body)).sort((a, b) => a - b);

    const services = await startLocalServices({ buckets: [] });
    const { client: dynamo } = makeLocalDynamoClients(services);
    const s3 = makeLocalS3Client(services);
    const meter = new CapacityMeter();
    meter.attach(dynamo);
    meter.attach(s3);
    // The floor's document client is built like the stores' one (same marshalling), on the same metered client.
    const cpuMs = () => {
      const own = process.cpuUsage();
      return (own.user + own.system) / 1000 + (processCpuMs(services.dynamo.pid) ?? 0);
    };
    const clients: Clients = { cpuMs, dynamo, doc: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }), s3, meter };
    try {
      // Warm-up: JIT, JVM, connection pools; not timed.
      await floorPhase(clients, items.slice(0, WARMUP_RECORDS), ledger.slice(0, WARMUP_RECORDS));
      await pipelinePhase(clients, items.slice(0, WARMUP_RECORDS), config, hasher);

      const floors: Timed[] = [];
      const pipelines: PipelineFigures[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        floors.push(await floorPhase(clients, items, ledger));
        pipelines.push(await pipelinePhase(clients, items, config, hasher));
      }
      const first = pipelines[0]!;
      for (const p of pipelines) {
        if (p.puts !== first.puts || p.tableWrite !== first.tableWrite || p.indexWrite !== first.indexWrite) {
          throw new MeasurementError(`pipeline counts differ between rounds: ${JSON.stringify(pipelines.map(({ ms: _ms, ...counts }) => counts))}`);
        }
      }
      const pipeMs = median(pipelines.map((p) => p.ms));
      const floorMs = median(floors.map((f) => f.ms));
      const cpuRatio = median(pipelines.map((p) => p.cpuMs)) / median(floors.map((f) => f.cpuMs));
      const perRecord = (n: number) => n / first.newRecords;
      const ratios = pipelines.map((p, i) => (p.ms / floors[i]!.ms).toFixed(2)).join(', ');
      return [
        {
          name: 'ingest_vs_storage_floor',
          value: pipeMs / floorMs,
          unit: 'x floor',
          target: 1.5,
          better: 'lower',
          note: `median of ${ROUNDS} alternated rounds of ${RECORDS} records (bodies ${sizes[0]}-${sizes[sizes.length - 1]} B, median ${sizes[sizes.length >> 1]} B); floor = PUTs x${PUT_CONCURRENCY} + BatchWriteItem x${FLOOR_BATCH_CONCURRENCY}; per-round ratios ${ratios}; CPU-time ratio (node incl. s3rver worker + DynamoDB Local JVM) ${cpuRatio.toFixed(2)}`,
        },
        {
          name: 's3_puts_per_new_record',
          value: perRecord(first.puts),
          unit: 'PUT/record',
          target: 1,
          better: 'lower',
          note: `PutObject commands counted by middleware over ${first.newRecords} new records`,
        },
        {
          name: 'ddb_write_units_per_new_record',
          value: perRecord(first.tableWrite),
          unit: 'WCU/record',
          target: 2,
          better: 'lower',
          note: `ledger + audit table write units (ConsumedCapacity, DynamoDB Local), indexes excluded: ledger ${perRecord(first.ledgerWrite).toFixed(3)}, audit ${perRecord(first.auditWrite).toFixed(3)}`,
        },
        {
          name: 'ddb_index_write_units_per_new_record',
          value: perRecord(first.indexWrite),
          unit: 'WCU/record',
          target: 4,
          better: 'lower',
          note: 'informational (no DESIGN.md target): GSI write units of ledger + audit tables',
        },
        {
          name: 'ddb_billed_write_units_per_new_record',
          value: perRecord(first.tableWrite + first.indexWrite),
          unit: 'WCU/record',
          target: 4,
          better: 'lower',
          note: `what AWS bills: table ${perRecord(first.tableWrite).toFixed(3)} (ledger ${perRecord(first.ledgerWrite).toFixed(3)}, audit ${perRecord(first.auditWrite).toFixed(3)}) + every index ${perRecord(first.indexWrite).toFixed(3)} (${Object.entries(first.indexWrites).sort().map(([name, units]) => `${name} ${perRecord(units).toFixed(3)}`).join(', ')}) write units per new video (ConsumedCapacity, DynamoDB Local; a GSI write is at least 1 unit per item, 1 per KB of projected item)`,
        },
      ];
    } finally {
      dynamo.destroy();
      s3.destroy();
      await services.stop();
    }
  },
};
