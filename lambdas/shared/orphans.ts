/**
 * Orphaned objects: a collect run that crashed between writing objects and registering them leaves objects without
 * a ledger record, which its next run removes. The collector may not delete objects (least privilege), so it hands
 * those deletions to the purge function, which deletes an object only when the ledger holds no active record for it:
 * the collector cannot use the purger to delete a record it could not delete itself.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { parseJson } from '../../lib/domain/json';
import { objectKeyOf, recordKeyOf, type RecordRef } from '../../lib/domain/records';
import { RECORDS_PREFIX, recordRefOfObjectKey } from '../../lib/jobs/audit-read';
import type { JobContext } from '../../lib/jobs/context';
import type { ObjectStore } from '../../lib/store';

/** The purge function's event for orphans. */
export const OrphansEventSchema = z.object({ orphanObjectKeys: z.array(z.string().startsWith(RECORDS_PREFIX)).min(1).max(100) }).strict();
export type OrphansEvent = z.infer<typeof OrphansEventSchema>;

export interface OrphansReport {
  /** Object versions and delete markers removed. */
  readonly versionsRemoved: number;
  /** Keys refused because an active record owns them. */
  readonly refused: number;
}
const OrphansReportSchema = z.object({ versionsRemoved: z.number().int().min(0), refused: z.number().int().min(0) });

/** The record an object key belongs to; refuses keys that are not the object key of a record. */
export function refOfObjectKey(objectKey: string): RecordRef {
  const ref = recordRefOfObjectKey(objectKey);
  if (!ref || objectKeyOf(ref) !== objectKey) throw new BadInputError(`"${objectKey}" is not the object key of a record`);
  return ref;
}

/** Delete every version of each object that no active ledger record owns (the purge side). */
export async function deleteOrphanObjects(ctx: JobContext, objectKeys: readonly string[]): Promise<OrphansReport> {
  const refs = objectKeys.map(refOfObjectKey);
  const known = await ctx.ledger.getRecords(refs);
  let versionsRemoved = 0;
  let refused = 0;
  for (const ref of refs) {
    if (known.get(recordKeyOf(ref))?.status === 'active') {
      refused += 1;
      continue;
    }
    versionsRemoved += await ctx.objects.deleteAllVersions(objectKeyOf(ref));
  }
  return { versionsRemoved, refused };
}

const lambdaClient = new LambdaClient({});

/** Ask the purge function `functionName` to delete orphans; returns what it did. */
export async function invokeOrphanDeletion(functionName: string, objectKeys: readonly string[]): Promise<OrphansReport> {
  const out = await lambdaClient.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify({ orphanObjectKeys: [...objectKeys] } satisfies OrphansEvent)) }),
  );
  const payload = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError) throw new Error(`the purge function refused the orphan deletion (${out.FunctionError}): ${payload.slice(0, 500)}`);
  return OrphansReportSchema.parse(parseJson(payload));
}

/** The collector's object store: everything as `objects`, except deletions, which go through `deleteOrphans`. */
export function withDelegatedDeletes(objects: ObjectStore, deleteOrphans: (objectKeys: readonly string[]) => Promise<OrphansReport>): ObjectStore {
  const deleteAllVersions = async (key: string) => (await deleteOrphans([key])).versionsRemoved;
  return new Proxy(objects, {
    get(target, property, receiver) {
      if (property === 'deleteAllVersions') return deleteAllVersions;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
