/**
 * Exports on the embedded services (DynamoDB Local + s3rver), measured in one run:
 *
 * - `export_vs_read_floor`: `createExport` of 10,000 videos to Parquet (ledger walk, object reads, rows, Parquet,
 *   parts, manifest) / reading the same 10,000 objects from S3 alone (GetObject, same concurrency). Median of
 *   alternated rounds.
 * - `export_rebuild_rows_per_purged_record`: a 100,000-row export, one record purged through `purgeRecords`: the
 *   rows the rebuild rewrote (its report), which the partitioning bounds by one part. The 100,000 record bodies
 *   are answered from memory (the ledger, the export's parts and manifests are real).
 *
 *   node --import tsx bench/exports.ts      (alone; `npm run bench` runs it with the others)
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { effectivePolicies, parseProjectConfig } from '../lib/config/load';
import type { ProjectConfig } from '../lib/config/schema';
import { ManualClock } from '../lib/domain/clock';
import { MAX_ROWS_PER_PART } from '../lib/domain/exports';
import { hmacHasher, sha256Hex } from '../lib/domain/hashing';
import { nextActionAt, obligationsFor } from '../lib/domain/obligations';
import { newActiveRecord, objectKeyOf, recordKeyOf, type ActiveRecord } from '../lib/domain/records';
import { mapLimit, type JobContext } from '../lib/jobs/context';
import { createExport, exportStoreOf } from '../lib/jobs/export';
import { purgeRecords } from '../lib/jobs/purge';
import { makeLocalDynamoClients, makeLocalS3Client, startLocalServices } from '../lib/local';
import { ensureTables, tableNames } from '../lib/store';
import type { ObjectStore } from '../lib/store/ports';
import { wireJobContext } from '../lib/wiring/job-context';
import { MeasurementError, median, type Benchmark, type BenchResult } from './harness';

const NOW = '2026-03-01T12:00:00Z';
const SPEC = 'climate-videos';
const SECRET = 'steward-bench-secret-0123456789abcdef';
const READ_RECORDS = 10_000;
const REBUILD_RECORDS = 100_000;
const ROUNDS = 2;
/** The export reads objects 32 at a time (lib/jobs/export/build.ts); the floor reads them the same way. */
const READ_CONCURRENCY = 32;

function benchConfig(): ProjectConfig {
  return parseProjectConfig(
    {
      project: { id: 'bench-exports', title: 'Export bench', endDate: '2027-06-30' },
      members: [{ name: 'ada', role: 'pi' }],
      sources: { research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' } } },
      specs: [{ name: SPEC, source: 'research', kind: 'video', query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] }, window: { rollingDays: 30 }, schedule: 'rate(1 day)' }],
    },
    'bench config',
  );
}

/** A video as the API returns it (about 600 bytes): a 64-bit id, counts, lists. */
function videoBody(n: number): string {
  const id = 7_320_000_000_000_000_000n + BigInt(n);
  return `{"id":${id},"username":"author${n % 997}","create_time":${1_772_000_000 + n},"region_code":"DE","video_description":"a video about the climate, number ${n}, with a longer caption as real ones have #climate #weather","music_id":${7_100_000_000_000_000_000n + BigInt(n % 5000)},"like_count":${n * 7},"comment_count":${n % 300},"share_count":${n % 90},"view_count":${n * 113},"favorites_count":${n % 700},"hashtag_names":["climate","weather","n${n % 50}"],"effect_ids":[],"is_stem_verified":false,"video_duration":${15 + (n % 60)},"voice_to_text":"spoken words of the video ${n}"}`;
}

/** The bench's record bodies, by object key: what `seed` would have stored (no S3 round trip). */
function synthesizedBody(key: string): Buffer | undefined {
  const match = /^records\/tiktok\/video\/(\d+)\.json$/.exec(key);
  return match ? Buffer.from(videoBody(Number(BigInt(match[1]!) - 7_320_000_000_000_000_000n)), 'utf8') : undefined;
}

/**
 * `objects` whose record reads answer the bench's bodies from memory (the rest, exports included, goes to S3):
 * the 100k-row rebuild bench seeds the ledger only, since 100,000 PUTs to s3rver took minutes and the figure (rows
 * a rebuild rewrites) does not depend on where the bodies come from.
 */
function withSynthesizedRecords(objects: ObjectStore): ObjectStore {
  return new Proxy(objects, {
    get(target, prop, receiver) {
      if (prop === 'get') return async (key: string) => {
        const body = synthesizedBody(key);
        return body ? { key, body, metadata: {} } : target.get(key);
      };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function seed(ctx: JobContext, s3: S3Client, bucket: string, count: number, options: { objects: boolean } = { objects: true }): Promise<void> {
  const now = ctx.clock.now();
  const policy = ctx.policies['tiktok-research'];
  const o = obligationsFor(now, now, policy, new Date('2027-06-30T00:00:00Z'));
  const at = now.toISOString();
  for (let start = 0; start < count; start += 5000) {
    const records: ActiveRecord[] = [];
    const bodies: Array<{ key: string; body: string }> = [];
    for (let n = start; n < Math.min(count, start + 5000); n++) {
      const ref = { platform: 'tiktok' as const, kind: 'video' as const, id: String(7_320_000_000_000_000_000n + BigInt(n)) };
      const body = videoBody(n);
      bodies.push({ key: objectKeyOf(ref), body });
      records.push(
        newActiveRecord({
          ref,
          contentSha256: sha256Hex(body),
          sizeBytes: body.length,
          provenance: { runId: 'bench-seed', specName: SPEC, queryFingerprint: 'f'.repeat(64), endpoint: '/v2/research/video/query/', logId: `L${n}`, retrievedAt: at, collectorVersion: 'bench', collectedBy: 'schedule' },
          at,
          policy,
          obligations: o,
        }),
      );
    }
    if (options.objects) await mapLimit(bodies, 32, ({ key, body }) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' })));
    await ctx.ledger.putRecords(records, () => nextActionAt(o, policy).toISOString());
  }
}

async function readFloor(s3: S3Client, bucket: string, count: number): Promise<number> {
  const keys = Array.from({ length: count }, (_, n) => objectKeyOf({ platform: 'tiktok', kind: 'video', id: String(7_320_000_000_000_000_000n + BigInt(n)) }));
  const t0 = performance.now();
  let bytes = 0;
  await mapLimit(keys, READ_CONCURRENCY, async (key) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    bytes += (await out.Body!.transformToByteArray()).byteLength;
  });
  if (bytes === 0) throw new MeasurementError('floor read no bytes');
  return performance.now() - t0;
}

export const benchmark: Benchmark = {
  name: 'exports',
  async run(): Promise<BenchResult[]> {
    const services = await startLocalServices({ buckets: [] });
    const { client: dynamo } = makeLocalDynamoClients(services);
    const s3 = makeLocalS3Client(services);
    const config = benchConfig();
    const open = async (name: string) => {
      const tables = tableNames(`bench-${name}`);
      await ensureTables(dynamo, tables);
      const bucket = `bench-${name}-data`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const clock = new ManualClock(NOW);
      const { ctx } = wireJobContext({ config, clock, s3, dynamo, bucket, ledgerTable: tables.ledger, auditTable: tables.audit, hasher: hmacHasher(SECRET), versioning: 'auto', onUnversionedFallback: () => {}, collectorVersion: 'bench' });
      return { ctx: { ...ctx, policies: effectivePolicies(config), actor: { type: 'researcher' as const, name: 'ada' } }, bucket, clock };
    };
    try {
      // 1. Export vs reading the objects alone.
      const small = await open('export-read');
      await seed(small.ctx, s3, small.bucket, READ_RECORDS);
      await readFloor(s3, small.bucket, 1000); // warm-up
      const floors: number[] = [];
      const exports: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        floors.push(await readFloor(s3, small.bucket, READ_RECORDS));
        const t0 = performance.now();
        const summary = await createExport(small.ctx, exportStoreOf(small.ctx), { spec: SPEC });
        exports.push(performance.now() - t0);
        if (summary.rows !== READ_RECORDS) throw new MeasurementError(`export wrote ${summary.rows} rows, expected ${READ_RECORDS}`);
      }
      const ratios = exports.map((e, i) => (e / floors[i]!).toFixed(2)).join(', ');

      // 2. One purge from a 100k-row export.
      const opened = await open('export-rebuild');
      const large = { ...opened, ctx: { ...opened.ctx, objects: withSynthesizedRecords(opened.ctx.objects) } };
      await seed(large.ctx, s3, large.bucket, REBUILD_RECORDS, { objects: false });
      const created = await createExport(large.ctx, exportStoreOf(large.ctx), { spec: SPEC });
      if (created.rows !== REBUILD_RECORDS) throw new MeasurementError(`export wrote ${created.rows} rows, expected ${REBUILD_RECORDS}`);
      const victim = recordKeyOf({ platform: 'tiktok', kind: 'video', id: String(7_320_000_000_000_000_000n + 4242n) });
      const chain = await large.ctx.audit.chain('bench-purge');
      const purged = await purgeRecords(large.ctx, [{ key: victim, reason: 'unavailable', evidence: { rule: 'bench' } }], chain);
      const rebuilt = purged.exports;
      if (!rebuilt || rebuilt.exportsRebuilt !== 1 || rebuilt.rowsRemoved !== 1) throw new MeasurementError(`rebuild: ${JSON.stringify(rebuilt)}`);
      const rowsRewrittenPlusRemoved = rebuilt.rowsRewritten + rebuilt.rowsRemoved;
      return [
        {
          name: 'export_vs_read_floor',
          value: median(exports) / median(floors),
          unit: 'x floor',
          target: 1.5,
          better: 'lower',
          note: `${READ_RECORDS} videos to Parquet (${created.parts} parts at 100k; ${Math.ceil(READ_RECORDS / 5000)} here) vs GetObject of the same objects x${READ_CONCURRENCY}; median of ${ROUNDS} alternated rounds; per-round ratios ${ratios}`,
        },
        {
          name: 'export_rebuild_rows_per_purged_record',
          value: rowsRewrittenPlusRemoved,
          unit: 'rows',
          target: MAX_ROWS_PER_PART,
          better: 'lower',
          note: `one purge from a ${REBUILD_RECORDS}-row export in ${created.parts} parts: ${rebuilt.partsRewritten} part rewritten (${rebuilt.rowsRewritten} rows kept + ${rebuilt.rowsRemoved} removed), ${rebuilt.filesDeleted} old file deleted; record bodies answered from memory (ledger and export files real)`,
        },
      ];
    } finally {
      dynamo.destroy();
      s3.destroy();
      await services.stop();
    }
  },
};

if (require.main === module) {
  void benchmark.run().then((results) => {
    for (const r of results) process.stdout.write(`${r.name}: ${r.value} ${r.unit} (target ${r.target}) — ${r.note}\n`);
  });
}
