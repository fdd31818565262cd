/**
 * Export rebuilds in the process that purges (the `--local` runtime, tests, the export function itself): the
 * rebuild joins the purge's own run and audit chain. Wired by lib/wiring/job-context.ts; deployed purgers get the
 * Lambda ones instead (lambdas/shared/export-rebuilder.ts), so their bundles never hold the export writers.
 */
import type { ExportReconciler, ExportRebuilder } from '../context';
import { rebuildExportsWithout } from './build';
import { exportStoreOf } from './store';
import { reconcileExports } from './reconcile';

export const inProcessExportRebuilder: ExportRebuilder = (keys, { ctx, chain, runId }) => rebuildExportsWithout(ctx, exportStoreOf(ctx), keys, chain, { runId });

export const inProcessExportReconciler: ExportReconciler = ({ ctx, chain, runId }) => reconcileExports(ctx, exportStoreOf(ctx), chain, { runId });

/** Both ports, in process. */
export const IN_PROCESS_EXPORT_PORTS = { exportRebuilder: inProcessExportRebuilder, exportReconciler: inProcessExportReconciler } as const;
