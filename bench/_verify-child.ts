/**
 * One `verify` in a process of its own, for bench/verify-memory.ts: the real job on the local services the parent
 * started (their endpoints in the environment), then one JSON line with the process's peak RSS and what verify saw.
 * Not a benchmark module itself (the leading `_` keeps bench/run.ts from loading it).
 */
import { parseProjectConfig } from '../lib/config/load';
import { ManualClock } from '../lib/domain/clock';
import { hmacHasher } from '../lib/domain/hashing';
import { verify } from '../lib/jobs/verify';
import { localEndpointsFromEnv, makeLocalDynamoClients, makeLocalS3Client } from '../lib/local/aws-clients';
import { wireJobContext } from '../lib/wiring/job-context';

export interface VerifyChildTask {
  readonly config: unknown;
  readonly tables: { readonly ledger: string; readonly audit: string };
  readonly bucket: string;
  readonly secret: string;
  readonly now: string;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.env.STEWARD_BENCH_VERIFY_TASK ?? '') as VerifyChildTask;
  const endpoints = localEndpointsFromEnv();
  if (!endpoints) throw new Error('no local AWS endpoints in the environment');
  const { client } = makeLocalDynamoClients(endpoints);
  const { ctx } = wireJobContext({
    config: parseProjectConfig(task.config, 'bench config'),
    clock: new ManualClock(task.now),
    s3: makeLocalS3Client(endpoints),
    dynamo: client,
    bucket: task.bucket,
    ledgerTable: task.tables.ledger,
    auditTable: task.tables.audit,
    hasher: hmacHasher(task.secret),
    versioning: 'auto',
    onUnversionedFallback: () => {},
    collectorVersion: 'bench',
  });
  const report = await verify(ctx);
  const out = {
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ok: report.ok,
    active: report.ledger.active,
    events: report.audit.events,
    objects: report.storage.objects,
    violations: report.violations.slice(0, 5).map((v) => `${v.kind}: ${v.message}`),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`verify child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
