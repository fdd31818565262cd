/**
 * Erasure requests: a researcher asks for everything by an account, or one video or comment, to go. The request is
 * filed in the audit log (`erasure.requested`, the researcher as actor, the target only as a keyed hash), then the
 * target and its children are purged with reason `erasure` (account -> videos -> comments). An erased target always
 * leaves a tombstone, stored before or not, so collection never stores it again; collection also skips videos whose
 * author was erased (collect.ts).
 */
import { BadInputError } from '../domain/errors';
import { isPlatformId, MAX_PLATFORM_ID, parseRecordKey, recordKeyOf, type RecordKey, type RecordKind } from '../domain/records';
import { newRunId, type JobContext, type ProgressSink } from './context';
import { purgeRecords, type CountsBy } from './purge';
import { startRun } from './runs';
import { userRef } from './tiktok-sources';

export type ErasureTarget = { readonly user: string } | { readonly video: string } | { readonly comment: string };

export interface EraseReport {
  readonly runId: string;
  readonly kind: RecordKind;
  /** Keyed hash of the target: what the audit log knows it by. */
  readonly recordHash: string;
  /**
   * The target's record key, for `steward audit --record KEY` (an account's id is the keyed hash of its username,
   * never the name).
   */
  readonly recordKey: RecordKey;
  /** The target had an active record. */
  readonly wasStored: boolean;
  /** Records purged, the target (tombstoned in any case) and cascades included. */
  readonly purged: number;
  readonly cascaded: number;
  readonly alreadyPurged: number;
  readonly versionsRemoved: number;
  readonly byKind: CountsBy;
}

const USERNAME = /^[A-Za-z0-9._]{1,64}$/;
const PLATFORM_ID = /^\d{1,20}$/;

/** Check an erasure target's form (no `@`, digits for ids); throws BadInputError naming the option and the fix. */
export function parseErasureTarget(target: ErasureTarget): ErasureTarget {
  if ('user' in target) {
    const name = target.user.replace(/^@/, '');
    if (!USERNAME.test(name)) throw new BadInputError(`--user: "${target.user}" is not a TikTok username (1-64 of A-Z a-z 0-9 . _)`);
    return { user: name };
  }
  const [kind, id] = 'video' in target ? (['video', target.video] as const) : (['comment', target.comment] as const);
  if (!PLATFORM_ID.test(id)) throw new BadInputError(`--${kind}: "${id}" is not a TikTok ${kind} id (decimal digits, e.g. 7320768196569599275)`);
  if (!isPlatformId(id)) throw new BadInputError(`--${kind}: "${id}" is not a TikTok ${kind} id: ids are unsigned 64-bit numbers, at most ${MAX_PLATFORM_ID}`);
  return kind === 'video' ? { video: id } : { comment: id };
}

/** The record key an erasure target names (accounts by the keyed hash of their username, as collect keys them). */
export function erasureKey(ctx: Pick<JobContext, 'hasher'>, target: ErasureTarget): RecordKey {
  const checked = parseErasureTarget(target);
  if ('user' in checked) return recordKeyOf(userRef(ctx.hasher, checked.user));
  return 'video' in checked ? recordKeyOf({ platform: 'tiktok', kind: 'video', id: checked.video }) : recordKeyOf({ platform: 'tiktok', kind: 'comment', id: checked.comment });
}

export async function erase(ctx: JobContext, target: ErasureTarget, options: { progress?: ProgressSink } = {}): Promise<EraseReport> {
  const key = erasureKey(ctx, target);
  const { kind, id } = parseRecordKey(key);
  const recordHash = ctx.hasher.hash(key);
  const now = ctx.clock.now();
  const runId = newRunId('erase', now);
  const startedAt = now.toISOString();
  const chain = await startRun(ctx, 'erase', runId, startedAt);
  const before = (await ctx.ledger.getRecords([{ platform: 'tiktok', kind, id }])).get(key);
  const [filed] = await chain.append([
    { at: startedAt, action: 'erasure.requested', actor: ctx.actor, runId, recordHash, kind, reason: `erase ${kind} and everything that belongs to it` },
  ]);
  const report = await purgeRecords(ctx, [{ key, reason: 'erasure', evidence: { rule: 'erasure-request', request: `${filed!.chainId}#${filed!.seq}` } }], chain, {
    runId,
    progress: options.progress,
  });
  const counts = { purged: report.purged, cascaded: report.cascaded, alreadyPurged: report.alreadyPurged, versionsRemoved: report.versionsRemoved };
  const finishedAt = ctx.clock.now().toISOString();
  await chain.append([{ at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts }]);
  await ctx.ledger.putRun({ runId, job: 'erase', startedAt, finishedAt, actor: ctx.actor.name, status: 'finished', counts });
  return { runId, kind, recordHash, recordKey: key, wasStored: before?.status === 'active', ...counts, byKind: report.byKind };
}
