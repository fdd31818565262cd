/**
 * A job in a process of its own, for the randomized crash test (test/integ/jobs/random-crash.test.ts), which kills
 * it with SIGKILL at a random moment. It reads one JSON task from stdin (stores, clock, emulator, job), opens the
 * same adapters the CLI and Lambda use on the test's local services, prints `ready` and runs the job when told
 * `go`, then prints `done` and exits.
 *
 * Run with `node --import tsx test/support/crash-child.ts` (the local services' endpoints come from the env).
 */
import { createInterface } from 'node:readline';
import { parseProjectConfig } from '../../lib/config/load';
import { ManualClock } from '../../lib/domain/clock';
import { hmacHasher } from '../../lib/domain/hashing';
import { collect } from '../../lib/jobs/collect';
import { erase, type ErasureTarget } from '../../lib/jobs/erase';
import { expire } from '../../lib/jobs/expire';
import { purge } from '../../lib/jobs/purge';
import { refresh } from '../../lib/jobs/refresh';
import { tiktokSources } from '../../lib/jobs/tiktok-sources';
import { localEndpointsFromEnv, makeLocalDynamoClients, makeLocalS3Client } from '../../lib/local/aws-clients';
import { CommercialContentClient, ResearchApiClient } from '../../lib/platforms/tiktok';
import { wireJobContext } from '../../lib/wiring/job-context';

export type CrashJob =
  | { readonly job: 'collect' }
  | { readonly job: 'refresh' }
  | { readonly job: 'purge' }
  | { readonly job: 'expire' }
  | { readonly job: 'erase'; readonly target: ErasureTarget };

export interface CrashTask {
  readonly config: unknown;
  readonly tables: { readonly ledger: string; readonly audit: string };
  readonly bucket: string;
  readonly secret: string;
  readonly emulatorUrl: string;
  readonly client: { readonly clientKey: string; readonly clientSecret: string };
  readonly now: string;
  readonly run: CrashJob;
}

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const task = JSON.parse(String((await lines.next()).value)) as CrashTask;
  const endpoints = localEndpointsFromEnv();
  if (!endpoints) throw new Error('crash-child: no local AWS endpoints in the environment');
  const { client } = makeLocalDynamoClients(endpoints);
  const s3 = makeLocalS3Client(endpoints);
  const clock = new ManualClock(task.now);
  const hasher = hmacHasher(task.secret);
  const config = parseProjectConfig(task.config, 'crash task');
  const { ctx } = wireJobContext({
    config,
    clock,
    s3,
    dynamo: client,
    bucket: task.bucket,
    ledgerTable: task.tables.ledger,
    auditTable: task.tables.audit,
    hasher,
    versioning: 'auto',
    onUnversionedFallback: () => {},
    collectorVersion: 'crash-child',
    abandonedRunAfterMs: 0,
  });
  const clientOptions = { ...task.client, baseUrl: task.emulatorUrl, clock, sleep: async () => {} };
  const research = new ResearchApiClient(clientOptions);
  const commercial = new CommercialContentClient(clientOptions);
  const clients = { research: () => research, commercial: () => commercial };
  process.stdout.write('ready\n');
  await lines.next(); // `go`
  const run = task.run;
  switch (run.job) {
    case 'collect':
      await collect(ctx, { sourceFor: tiktokSources({ ...ctx, ...clients }) });
      break;
    case 'refresh':
      await refresh(ctx, { clients, dueBefore: new Date('2100-01-01T00:00:00Z'), pollIntervalMs: 0 });
      break;
    case 'purge':
      await purge(ctx);
      break;
    case 'expire':
      await expire(ctx);
      break;
    case 'erase':
      await erase({ ...ctx, actor: { type: 'researcher', name: 'ada' } }, run.target);
      break;
  }
  process.stdout.write('done\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`crash-child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
