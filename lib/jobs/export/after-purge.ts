/**
 * What the jobs that purge call: through the context's ports (lib/jobs/context.ts `exportRebuilder`,
 * `exportReconciler`), never the export writers themselves, so a purger's Lambda bundle holds no Parquet library.
 */
import type { RecordKey } from '../../domain/records';
import type { AuditChainWriter } from '../../store/ports';
import type { JobContext, RebuildReport, ReconcileReport } from '../context';

/**
 * What a purge calls once its records are tombstoned: every export holding one is rebuilt without it, in the same
 * run (chain). Nothing to do, and no reads beyond the manifest listing, when no export exists.
 */
export async function rebuildExportsAfterPurge(ctx: JobContext, purged: ReadonlySet<RecordKey>, chain: AuditChainWriter, runId?: string): Promise<RebuildReport> {
  if (purged.size === 0) return { exportsRebuilt: 0, partsRewritten: 0, rowsRewritten: 0, rowsRemoved: 0, filesDeleted: 0, staleCopies: 0 };
  return ctx.exportRebuilder(purged, { ctx, chain, runId: runId ?? chain.chainId });
}

/**
 * What the hourly purge calls after its own purges: every export that still holds a tombstoned record (a purge that
 * died between tombstone and rebuild) is rebuilt without it. In process it joins the purge's run; deployed, the
 * export function does it in a run of its own (the purge function may not read records).
 */
export async function reconcileExportsAfterPurge(ctx: JobContext, chain: AuditChainWriter, runId: string): Promise<ReconcileReport> {
  return ctx.exportReconciler({ ctx, chain, runId });
}
