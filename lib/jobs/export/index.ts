/**
 * Analysis exports (`steward export create|list|show|pull|release`): versioned datasets of a spec's records in
 * the vault's `exports/` prefix, with manifests (lineage), pulled copies tracked as their holders' obligations, and
 * rebuilds that take purged records out of every export in the purge's own run. Rules: lib/domain/exports.ts.
 */
export { checkExportInput, createExport, emptyRebuildReport, rebuildExportsWithout, type CreateExportInput, type ExportSummary, type RebuildReport } from './build';
export { checkRelease, copyFiles, copyStandings, recordPull, releaseCopy, resolveExport, staleCopies, type PullRecord, type ReleaseReport } from './copies';
export { exportFactsByHash, listExports, showExport, verifyExports, type ExportFactsOfRecord, type ExportDetail, type ExportListing, type ExportVerification, type ExportViolation } from './catalog';
export { fieldsOfKind, PROVENANCE_COLUMNS } from './columns';
export { deleteLeftoverParts, findPurgedInExports, reconcileExports, reconcileWith, tombstonedKeysOf, type PurgedInExports } from './reconcile';
export type { ReconcileReport } from '../context';

export { exportStoreOf } from './store';
export { rebuildExportsAfterPurge, reconcileExportsAfterPurge } from './after-purge';
export { IN_PROCESS_EXPORT_PORTS, inProcessExportReconciler, inProcessExportRebuilder } from './in-process';
