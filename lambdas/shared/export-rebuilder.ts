/**
 * The jobs that purge (purge, refresh-shard, expire, erase) may not read record content, so they do not rebuild
 * exports themselves: they invoke the export function with the keys they purged, synchronously, within their run,
 * and fail when it fails (the record is tombstoned by then; `verify` flags the export until a rebuild succeeds,
 * and the hourly purge asks the export function to reconcile: rebuild every export still holding a tombstoned record).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { parseJson } from '../../lib/domain/json';
import type { ExportReconciler, ExportRebuilder } from '../../lib/jobs/context';

const REBUILD_COUNTS = {
  exportsRebuilt: z.number(),
  partsRewritten: z.number(),
  rowsRewritten: z.number(),
  rowsRemoved: z.number(),
  filesDeleted: z.number(),
  staleCopies: z.number(),
};
const RebuildAnswerSchema = z.looseObject(REBUILD_COUNTS);
const ReconcileAnswerSchema = z.looseObject({ ...REBUILD_COUNTS, exportsChecked: z.number(), rowsChecked: z.number(), purgedRecordsFound: z.number(), exportsHoldingPurged: z.number(), leftoverFilesDeleted: z.number() });

/** Keys per invocation: a synchronous Lambda payload is at most 6 MB. */
const KEYS_PER_CALL = 10_000;

let lambdaClient: LambdaClient | undefined;

/** Invoke the export function (unqualified: a job's request, no member's) and parse its answer. */
async function invokeExport<S extends z.ZodType>(functionName: string, client: LambdaClient | undefined, payload: object, schema: S): Promise<z.infer<S>> {
  const lambda = client ?? (lambdaClient ??= new LambdaClient({}));
  const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError) throw new Error(`the export function failed to rebuild exports (${out.FunctionError}): ${text.slice(0, 500)}`);
  return schema.parse(parseJson(text));
}

/** The hourly purge's reconciliation, run by the export function (which may read the records a rebuild rewrites). */
export function exportReconcilerOf(functionName: string, client?: LambdaClient): ExportReconciler {
  return async ({ runId }) => {
    const answer = await invokeExport(functionName, client, { action: 'reconcile', purgeRunId: runId }, ReconcileAnswerSchema);
    const { exportsRebuilt, partsRewritten, rowsRewritten, rowsRemoved, filesDeleted, staleCopies, exportsChecked, rowsChecked, purgedRecordsFound, exportsHoldingPurged, leftoverFilesDeleted } = answer;
    return { exportsRebuilt, partsRewritten, rowsRewritten, rowsRemoved, filesDeleted, staleCopies, exportsChecked, rowsChecked, purgedRecordsFound, exportsHoldingPurged, leftoverFilesDeleted };
  };
}

export function exportRebuilderOf(functionName: string, client?: LambdaClient): ExportRebuilder {
  return async (keys, origin) => {
    const total = { exportsRebuilt: 0, partsRewritten: 0, rowsRewritten: 0, rowsRemoved: 0, filesDeleted: 0, staleCopies: 0 };
    const all = [...keys];
    for (let i = 0; i < all.length; i += KEYS_PER_CALL) {
      const answer = await invokeExport(functionName, client, { action: 'rebuild', keys: all.slice(i, i + KEYS_PER_CALL), purgeRunId: origin.runId }, RebuildAnswerSchema);
      for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += answer[k];
    }
    return total;
  };
}

/** Both ports through the export function: what the jobs that purge are wired with (./purging-deployment.ts). */
export function lambdaExportPorts(functionName: string, client?: LambdaClient): { exportRebuilder: ExportRebuilder; exportReconciler: ExportReconciler } {
  return { exportRebuilder: exportRebuilderOf(functionName, client), exportReconciler: exportReconcilerOf(functionName, client) };
}
