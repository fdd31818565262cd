/**
 * Analysis exports (`steward export create|list|show|pull|release`): versioned datasets of a spec's records in
 * the vault's `exports/` prefix, with manifests (lineage), pulled copies tracked as their holders' obligations, and
 * rebuilds that take purged records out of every export in the purge's own run. Rules: lib/domain/exports.ts.
 */
import { ObjectExportStore, type ExportStore } from '../../store/export-store';
import type { RecordKey } from '../../domain/records';
import type { AuditChainWriter } from '../../store/ports';
import type { JobContext, ReconcileReport } from '../context';
import { emptyRebuildReport, rebuildExportsWithout, type RebuildReport } from './build';
import { reconcileExports } from './reconcile';

export { checkExportInput, createExport, emptyRebuildReport, rebuildExportsWithout, type CreateExportInput, type ExportSummary, type RebuildReport } from './build';
export { checkRelease, copyFiles, copyStandings, recordPull, releaseCopy, resolveExport, staleCopies, type PullRecord, type ReleaseReport } from './copies';
export { exportFactsByHash, listExports, showExport, verifyExports, type ExportFactsOfRecord, type ExportDetail, type ExportListing, type ExportVerification, type ExportViolation } from './catalog';
export { fieldsOfKind, PROVENANCE_COLUMNS } from './columns';
export { deleteLeftoverParts, findPurgedInExports, reconcileExports, reconcileWith, tombstonedKeysOf, type PurgedInExports } from './reconcile';
export type { ReconcileReport } from '../context';

/** The export store of a job context: the `exports/` prefix of the vault's object store. */
export function exportStoreOf(ctx: Pick<JobContext, 'objects'>): ExportStore {
  return new ObjectExportStore(ctx.objects);
}

/**
 * What a purge calls once its records are tombstoned: every export holding one is rebuilt without it, in the same
 * run (chain). Nothing to do, and no reads beyond the manifest listing, when no export exists.
 */
export async function rebuildExportsAfterPurge(ctx: JobContext, purged: ReadonlySet<RecordKey>, chain: AuditChainWriter, runId?: string): Promise<RebuildReport> {
  if (purged.size === 0) return emptyRebuildReport();
  if (ctx.exportRebuilder) return ctx.exportRebuilder(purged, { runId: runId ?? chain.chainId });
  return rebuildExportsWithout(ctx, exportStoreOf(ctx), purged, chain, runId === undefined ? {} : { runId });
}

/**
 * What the hourly purge calls after its own purges: every export that still holds a tombstoned record (a purge that
 * died between tombstone and rebuild) is rebuilt without it, in the purge's run. Deployed, the export function
 * does it (`ctx.exportReconciler`): the purge function may not read records.
 */
export async function reconcileExportsAfterPurge(ctx: JobContext, chain: AuditChainWriter, runId: string): Promise<ReconcileReport> {
  if (ctx.exportReconciler) return ctx.exportReconciler({ runId });
  return reconcileExports(ctx, exportStoreOf(ctx), chain, { runId });
}
