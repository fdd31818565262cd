/**
 * The jobs that purge (purge, refresh-shard, expire, erase) may not read record content, so they do not rebuild
 * exports themselves: they invoke the export function with the keys they purged, synchronously, within their run,
 * and fail when it fails (the record is tombstoned by then; `verify` flags the export until a rebuild succeeds).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { parseJson } from '../../lib/domain/json';
import type { ExportRebuilder } from '../../lib/jobs/context';

const RebuildAnswerSchema = z.looseObject({
  exportsRebuilt: z.number(),
  partsRewritten: z.number(),
  rowsRewritten: z.number(),
  rowsRemoved: z.number(),
  filesDeleted: z.number(),
  staleCopies: z.number(),
});

/** Keys per invocation: a synchronous Lambda payload is at most 6 MB. */
const KEYS_PER_CALL = 10_000;

let lambdaClient: LambdaClient | undefined;

export function exportRebuilderOf(functionName: string, client?: LambdaClient): ExportRebuilder {
  return async (keys, origin) => {
    const total = { exportsRebuilt: 0, partsRewritten: 0, rowsRewritten: 0, rowsRemoved: 0, filesDeleted: 0, staleCopies: 0 };
    const all = [...keys];
    for (let i = 0; i < all.length; i += KEYS_PER_CALL) {
      const lambda = client ?? (lambdaClient ??= new LambdaClient({}));
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify({ action: 'rebuild', keys: all.slice(i, i + KEYS_PER_CALL), purgeRunId: origin.runId })) }),
      );
      const payload = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      if (out.FunctionError) throw new Error(`the export function failed to rebuild exports (${out.FunctionError}): ${payload.slice(0, 500)}`);
      const answer = RebuildAnswerSchema.parse(parseJson(payload));
      for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += answer[k];
    }
    return total;
  };
}
