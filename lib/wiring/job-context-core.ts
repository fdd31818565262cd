/**
 * The one place a JobContext is wired: the AWS adapters (S3, DynamoDB ledger and audit log) on the clients a
 * runtime brings, the project's policies, the keyed hasher and who acts. Lambda handlers (lambdas/shared/wiring.ts),
 * the `--local` runtime (lib/local/runtime.ts), the benchmarks and the tests all call it, so a context is built
 * the same way everywhere and only the clients and the versioning mode differ.
 *
 * It sits beside lib/jobs, lib/store and lib/config (it imports all three) and below lib/local and lambdas/, which
 * may both import it; lib/jobs itself stays free of the AWS SDK.
 *
 * This file takes the export ports (who rebuilds exports after a purge) from its caller: Lambda handlers pass the
 * ones that invoke the export function, so their bundles hold no export writer. Everything else calls
 * wireJobContext (./job-context.ts), which rebuilds in process.
 *
 * @example
 * const { ctx, stores } = wireJobContextWith({ config, clock, hasher, s3, dynamo, bucket, ledgerTable, auditTable, versioning: 'auto' }, ports);
 */
import { effectivePolicies } from '../config/load';
import type { ProjectConfig } from '../config/schema';
import type { Actor, ExportReconciler, ExportRebuilder, JobContext } from '../jobs/context';
import { makeAwsStores, type AwsStores, type AwsStoresConfig, type Signer } from '../store';
import type { Clock } from '../domain/clock';

export interface JobContextWiring extends Omit<AwsStoresConfig, 'clock'> {
  readonly config: ProjectConfig;
  readonly clock: Clock;
  /** Default: the schedules (`@schedule`). */
  readonly actor?: Actor;
  /** Version of the code that collects, for provenance. */
  readonly collectorVersion: string;
  /** See JobContext.abandonedRunAfterMs (default there: 30 minutes). */
  readonly abandonedRunAfterMs?: number;
  /** Signs certificates and seal anchors (see JobContext.signer); `anchors` (AwsStoresConfig) go to the audit log and the context. */
  readonly signer?: Signer;
}

/** The schedules' identity: what acts when nobody is named. */
export const SCHEDULE_ACTOR: Actor = Object.freeze({ type: 'schedule', name: 'schedule' });

/** Who rebuilds exports after a purge, and reconciles them hourly (JobContext). */
export interface ExportPorts {
  readonly exportRebuilder: ExportRebuilder;
  readonly exportReconciler: ExportReconciler;
}

export function wireJobContextWith(wiring: JobContextWiring, ports: ExportPorts): { ctx: JobContext; stores: AwsStores } {
  const { config, clock, actor, collectorVersion, abandonedRunAfterMs, signer, ...storeConfig } = wiring;
  const stores = makeAwsStores({ ...storeConfig, clock });
  const ctx: JobContext = {
    clock,
    config,
    policies: effectivePolicies(config),
    ledger: stores.ledger,
    objects: stores.objects,
    audit: stores.audit,
    hasher: storeConfig.hasher,
    actor: actor ?? SCHEDULE_ACTOR,
    collectorVersion,
    exportRebuilder: ports.exportRebuilder,
    exportReconciler: ports.exportReconciler,
    ...(abandonedRunAfterMs !== undefined ? { abandonedRunAfterMs } : {}),
    ...(signer ? { signer } : {}),
    ...(storeConfig.anchors ? { anchors: storeConfig.anchors } : {}),
  };
  return { ctx, stores };
}
