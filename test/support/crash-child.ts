/**
 * A job in a process of its own, for the randomized crash test (test/integ/jobs/random-crash.test.ts), which kills
 * it with SIGKILL at a random moment. It reads one JSON task from stdin (stores, clock, emulator, job), opens the
 * same adapters the CLI and Lambda use on the test's local services, prints `ready` and runs the job when told
 * `go`, then prints `done` and exits.
 *
 * The test runs it compiled into one file by esbuild; by hand: `node --import tsx test/support/crash-child.ts` (the
 * local services' endpoints come from the env).
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
import { EXPORT_DATA_PREFIX, EXPORT_MANIFEST_PREFIX } from '../../lib/domain/exports';
import type { JobContext } from '../../lib/jobs/context';

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
  /**
   * Kill the process (SIGKILL, itself) right after the `after`-th call of one step completes, instead of at a random
   * moment: a tombstone written, an export part or manifest put (test/integ/jobs/export-crash.test.ts).
   */
  readonly killAt?: { readonly on: KillPoint; readonly after: number };
}

export type KillPoint = 'tombstone' | 'export-part' | 'export-manifest';

/** `ctx` whose ledger and object store die (SIGKILL) right after the `after`-th completed call of `on`. */
function dyingAt(ctx: JobContext, killAt: NonNullable<CrashTask['killAt']>): JobContext {
  let calls = 0;
  const matches = (method: string | symbol, args: unknown[]): boolean =>
    killAt.on === 'tombstone'
      ? method === 'tombstone'
      : method === 'put' && String(args[0]).startsWith(killAt.on === 'export-part' ? EXPORT_DATA_PREFIX : EXPORT_MANIFEST_PREFIX);
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        if (prop !== 'tombstone' && prop !== 'put') return value.bind(obj);
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
          if (matches(prop, args) && ++calls === killAt.after) process.kill(process.pid, 'SIGKILL');
          return result;
        };
      },
    });
  return { ...ctx, ledger: wrap(ctx.ledger), objects: wrap(ctx.objects) };
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
  const { ctx: wired } = wireJobContext({
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
  const ctx = task.killAt ? dyingAt(wired, task.killAt) : wired;
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
