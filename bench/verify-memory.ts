/**
 * `verify_rss_ratio_100k_vs_10k`: peak RSS of `verify` (the real job, in a process of its own, on the embedded
 * local services) over a corpus of 100,000 records divided by its peak over 10,000 records. Target <= 1.3: verify
 * reads the log chain by chain and everything page by page, letting each page go as it works through it, and keeps
 * ~45 bytes per record and per object key outside the JS heap (domain/hash-table.ts), so memory hardly grows with
 * the corpus (once, it held every event and every record: ~11 KB per record). What still varies from run to run is
 * garbage V8 has not collected yet: a copy of every event or record made while checking it (a spread, a
 * copy-and-delete) was enough to fill old space to V8's limit at 100k (~1.6x the 10k peak) and is avoided.
 *
 * The corpus is loaded directly through the store adapters (what collect writes, without the API): per record an
 * object, a ledger item and a `record.collected` event, in chains of 5,000 events like collect runs; every run
 * finished and sealed. Verify must find it all consistent (else the measurement fails).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseProjectConfig } from '../lib/config/load';
import { MS_PER_DAY, ManualClock } from '../lib/domain/clock';
import { hmacHasher, sha256Hex } from '../lib/domain/hashing';
import { objectKeyOf, recordKeyOf, type ActiveRecord, type RecordRef } from '../lib/domain/records';
import { mapLimit } from '../lib/jobs/context';
import { startLocalServices, makeLocalDynamoClients, makeLocalS3Client, type LocalServices } from '../lib/local';
import { ensureTables, tableNames } from '../lib/store';
import { wireJobContext } from '../lib/wiring/job-context';
import type { VerifyChildTask } from './_verify-child';
import { MeasurementError, type Benchmark, type BenchResult } from './harness';

const NOW = '2026-03-01T12:00:00Z';
const SECRET = 'steward-bench-verify-secret-0123456789';
const BUCKET = 'steward-bench-verify-data';
const SMALL = 10_000;
const LARGE = 100_000;
const CHAIN_SIZE = 5_000;
const CONFIG = {
  project: { id: 'bench-verify', title: 'Verify benchmark', endDate: '2027-12-31' },
  members: [{ name: 'ada', role: 'pi' }],
  sources: { research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' } } },
  specs: [
    {
      name: 'bench-videos',
      source: 'research',
      kind: 'video',
      query: { and: [{ operation: 'EQ', field_name: 'region_code', field_values: ['DE'] }] },
      window: { rollingDays: 30 },
      schedule: 'rate(1 day)',
    },
  ],
};

function log(message: string): void {
  process.stderr.write(`bench: verify-memory: ${message}\n`);
}

const refOf = (n: number): RecordRef => ({ platform: 'tiktok', kind: 'video', id: String(7_500_000_000_000_000_000n + BigInt(n)) });

/** Records `from`..`to-1`: objects, ledger items and one finished collect chain per CHAIN_SIZE records. */
async function load(services: LocalServices, from: number, to: number): Promise<void> {
  const { client } = makeLocalDynamoClients(services);
  const s3 = makeLocalS3Client(services);
  const names = tableNames('steward-bench-verify');
  await ensureTables(client, names);
  const clock = new ManualClock(NOW);
  const hasher = hmacHasher(SECRET);
  const { ctx } = wireJobContext({
    config: parseProjectConfig(CONFIG, 'bench config'),
    clock,
    s3,
    dynamo: client,
    bucket: BUCKET,
    ledgerTable: names.ledger,
    auditTable: names.audit,
    hasher,
    versioning: 'auto',
    onUnversionedFallback: () => {},
    collectorVersion: 'bench',
  });
  const at = new Date(Date.parse(NOW) - MS_PER_DAY).toISOString();
  const starts: number[] = [];
  for (let n = from; n < to; n += CHAIN_SIZE) starts.push(n);
  try {
    await mapLimit(starts, 2, async (start) => {
      const end = Math.min(to, start + CHAIN_SIZE);
      const runId = `collect-bench-${String(start).padStart(7, '0')}`;
      const chain = await ctx.audit.chain(runId);
      await chain.append([{ at, action: 'run.started', actor: ctx.actor, runId, counts: { specs: 1 } }]);
      for (let page = start; page < end; page += 500) {
        const records: ActiveRecord[] = [];
        const bodies: string[] = [];
        for (let n = page; n < Math.min(end, page + 500); n++) {
          const ref = refOf(n);
          const body = `{"id":${ref.id},"create_time":1764000000,"view_count":${n % 1000}}`;
          bodies.push(body);
          records.push({
            ref,
            status: 'active',
            objectKey: objectKeyOf(ref),
            contentSha256: sha256Hex(body),
            sizeBytes: body.length,
            provenance: { runId, specName: 'bench-videos', queryFingerprint: 'b'.repeat(64), endpoint: '/v2/research/video/query/', logId: '20260228120000000000', retrievedAt: at, collectorVersion: 'bench', collectedBy: 'schedule' },
            firstCollectedAt: at,
            lastSeenAt: at,
            policyId: 'tiktok-research',
            policyVersion: 1,
            refreshDueAt: new Date(Date.parse(at) + 15 * MS_PER_DAY).toISOString(),
            expiresAt: '2027-12-31T00:00:00.000Z',
            missCount: 0,
            platformCreatedAt: 1_764_000_000,
          });
        }
        await mapLimit(records.map((r, i) => ({ key: r.objectKey, body: bodies[i]! })), 32, (o) => ctx.objects.put(o.key, o.body, { contentType: 'application/json' }));
        await ctx.ledger.putRecords(records, (r) => new Date(Date.parse(r.refreshDueAt) - 72 * 3_600_000).toISOString());
        await chain.append(
          records.map((r) => ({ at, action: 'record.collected' as const, actor: ctx.actor, runId, recordHash: hasher.hash(recordKeyOf(r.ref)), kind: 'video' as const, specName: 'bench-videos', evidence: { logId: r.provenance.logId } })),
        );
      }
      await chain.append([{ at, action: 'run.finished', actor: ctx.actor, runId, counts: { newRecords: end - start } }]);
    });
  } finally {
    client.destroy();
    s3.destroy();
  }
}

/** Peak RSS of one verify in its own process, and what it saw. */
async function verifyInChild(services: LocalServices, expected: number): Promise<number> {
  const task: VerifyChildTask = { config: CONFIG, tables: tableNames('steward-bench-verify'), bucket: BUCKET, secret: SECRET, now: NOW };
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '_verify-child.ts')], {
    env: { ...process.env, ...services.env(), STEWARD_BENCH_VERIFY_TASK: JSON.stringify(task) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new MeasurementError(`verify child exited with ${code}`);
  const result = JSON.parse(out.trim().split('\n').pop()!) as { maxRssBytes: number; ok: boolean; active: number; events: number; violations: string[] };
  if (!result.ok) throw new MeasurementError(`verify found violations in the bench corpus: ${result.violations.join('; ')}`);
  if (result.active !== expected) throw new MeasurementError(`verify saw ${result.active} active records, expected ${expected}`);
  log(`${expected} records, ${result.events} events: peak RSS ${(result.maxRssBytes / 2 ** 20).toFixed(1)} MiB`);
  return result.maxRssBytes;
}

export const verifyMemory: Benchmark = {
  name: 'verify-memory',
  async run(): Promise<BenchResult[]> {
    const services = await startLocalServices({ buckets: [BUCKET] });
    try {
      let t0 = performance.now();
      await load(services, 0, SMALL);
      log(`loaded ${SMALL} records in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const small = await verifyInChild(services, SMALL);
      t0 = performance.now();
      await load(services, SMALL, LARGE);
      log(`loaded ${LARGE - SMALL} more in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const large = await verifyInChild(services, LARGE);
      return [
        {
          name: 'verify_rss_ratio_100k_vs_10k',
          value: large / small,
          unit: 'x',
          target: 1.3,
          better: 'lower',
          note: `peak RSS of verify (own process): ${(large / 2 ** 20).toFixed(0)} MiB at ${LARGE.toLocaleString('en-US')} records, ${(small / 2 ** 20).toFixed(0)} MiB at ${SMALL.toLocaleString('en-US')}`,
        },
      ];
    } finally {
      await services.stop();
    }
  },
};
