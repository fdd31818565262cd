/** What every job gets: ports, clock, config, identity. Built by the CLI, a Lambda handler or a test. */
import type { Policy, PolicyId } from '../domain/policy';
import type { Clock } from '../domain/clock';
import type { KeyedHasher } from '../domain/hashing';
import type { ProjectConfig } from '../config/schema';
import type { AuditChainWriter, AuditLog, Ledger, ObjectStore, SealAnchors, Signer } from '../store/ports';

export interface Actor {
  readonly type: 'schedule' | 'researcher';
  readonly name: string;
}

export interface JobContext {
  readonly clock: Clock;
  readonly config: ProjectConfig;
  readonly policies: Readonly<Record<PolicyId, Policy>>;
  readonly ledger: Ledger;
  readonly objects: ObjectStore;
  readonly audit: AuditLog;
  readonly hasher: KeyedHasher;
  readonly actor: Actor;
  /** Version of the code that collected a record, for provenance. */
  readonly collectorVersion: string;
  /**
   * A run still `running` this long after it started is taken as dead and closed by the next run (runs.ts).
   * Default: 30 minutes (twice the Lambda limit); 0 where one command runs at a time (the `--local` runtime).
   */
  readonly abandonedRunAfterMs?: number;
  /**
   * Rebuilds the exports holding records a purge just removed. Locally the purge rebuilds them in its own run
   * (lib/jobs/export/in-process.ts, wired by lib/wiring/job-context.ts); deployed purgers invoke the export
   * function, which may read what they may not (lambdas/shared/export-rebuilder.ts). A port, so that the jobs that
   * purge do not carry the export writers (and their Parquet library) into their Lambda bundles.
   */
  readonly exportRebuilder: ExportRebuilder;
  /**
   * Rebuilds every export that still holds a tombstoned record (what a purge that died before its rebuild left);
   * the hourly purge calls it. Wired like `exportRebuilder`.
   */
  readonly exportReconciler: ExportReconciler;
  /** Signs certificates; its public key checks them and the seal anchors. Absent: nothing is signed. */
  readonly signer?: Signer;
  /** The seal anchors outside the audit table; `verify` holds the table's seal log against them. */
  readonly anchors?: SealAnchors;
}

/** What rebuilding the exports after a purge did (lib/jobs/export): counts only. */
export interface RebuildReport {
  /** Exports (spec and format) rebuilt. */
  exportsRebuilt: number;
  partsRewritten: number;
  rowsRewritten: number;
  /** Rows that left the exports (the purged records, and any other record no longer active). */
  rowsRemoved: number;
  filesDeleted: number;
  /** Pulled copies (not released) that hold a record purged by this call. */
  staleCopies: number;
}

/** The purge an export rebuild serves: its context (who acts), run and audit chain. */
export interface ExportRebuildOrigin {
  readonly ctx: JobContext;
  readonly runId: string;
  readonly chain: AuditChainWriter;
}

/** Rebuild every export holding one of `keys` without it; answers counts. */
export type ExportRebuilder = (keys: ReadonlySet<string>, origin: ExportRebuildOrigin) => Promise<RebuildReport>;

/** What reconciling the exports with the tombstones did: what was checked, and the rebuilds (counts only). */
export interface ReconcileReport extends RebuildReport {
  /** Current export versions whose manifests were looked up against the tombstones. */
  exportsChecked: number;
  rowsChecked: number;
  /** Distinct tombstoned records found in them (0 when every export is clean). */
  purgedRecordsFound: number;
  exportsHoldingPurged: number;
  /** Part files no current version lists, left by a build or rebuild that died, deleted (all their versions). */
  leftoverFilesDeleted: number;
}

/** Rebuild every export that holds a tombstoned record; answers counts. */
export type ExportReconciler = (origin: ExportRebuildOrigin) => Promise<ReconcileReport>;

/** Progress of a long job, for a progress bar or structured logs. Never carries content. */
export interface ProgressEvent {
  readonly job: string;
  readonly phase: string;
  readonly done: number;
  readonly total?: number;
  readonly counts?: Readonly<Record<string, number>>;
}
export type ProgressSink = (event: ProgressEvent) => void;

/** A run id that sorts by time and is unique across concurrent workers. */
export function newRunId(job: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${job}-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Run async work over items with at most `limit` in flight (S3 PUTs are latency-bound). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
