/**
 * wireJobContext: the job context of every runtime but Lambda (the `--local` runtime, the benchmarks, the tests):
 * ./job-context-core.ts with exports rebuilt in process, in the purge's own run. Lambda handlers call
 * wireJobContextWith with the ports that invoke the export function (lambdas/shared/wiring.ts).
 *
 * @example
 * const { ctx, stores } = wireJobContext({ config, clock, hasher, s3, dynamo, bucket, ledgerTable, auditTable, versioning: 'auto' });
 */
import type { JobContext } from '../jobs/context';
import { IN_PROCESS_EXPORT_PORTS } from '../jobs/export/in-process';
import type { AwsStores } from '../store';
import { wireJobContextWith, type JobContextWiring } from './job-context-core';

export { SCHEDULE_ACTOR, wireJobContextWith, type ExportPorts, type JobContextWiring } from './job-context-core';

export function wireJobContext(wiring: JobContextWiring): { ctx: JobContext; stores: AwsStores } {
  return wireJobContextWith(wiring, IN_PROCESS_EXPORT_PORTS);
}
