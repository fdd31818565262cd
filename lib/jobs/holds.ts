/**
 * Purge holds: what the purge fuse (fuse.ts, domain/purge-fuse.ts) kept instead of purging, and the PI's decision
 * on it.
 *
 * - `listHolds`: every hold with its records, reason, evidence and decision deadline (the policy's purge window
 *   after it opened: the terms still oblige deletion of what really is gone, so an open hold past it is a
 *   compliance violation that `verify` and `report` list).
 * - `releaseHold`: the PI accepts the evidence. Each held record is looked up once more: one the platform serves
 *   again is kept (back to active, due at once); one still absent is purged with its evidence and the release; one
 *   whose lookup fails stays held (the hold stays open; release again).
 * - `dismissHold`: the PI rejects the evidence (an outage, a wrong key). Every held record returns to active, its
 *   misses forgotten, due at once for a fresh look.
 * Both are audited (`purge.released` / `purge.dismissed`, per record and for the hold) with the actor who decided.
 */
import type { AuditEvent } from '../domain/audit';
import { BadInputError } from '../domain/errors';
import { holdDecisionDue, HoldIdSchema, type Hold } from '../domain/purge-fuse';
import type { PolicyId } from '../domain/policy';
import { parseRecordKey, recordKeyOf, type ActiveRecord, type RecordKey } from '../domain/records';
import { policyIdForApi } from '../config/load';
import type { AuditChainWriter } from '../store/ports';
import { mapLimit, newRunId, type JobContext } from './context';
import { purgeRecords, type PurgeTarget } from './purge';
import { lookUpRecords, type RefreshClients } from './refresh';

/** A hold as listed: with its decision deadline. */
export interface HoldView extends Hold {
  /** When the PI must have decided (the policy's `purgeWithinHours` after its first record was held); none while it holds none. */
  readonly decisionDueAt?: string;
  /** Open past its decision deadline: a compliance violation. */
  readonly overdue: boolean;
}

export interface HoldList {
  readonly checkedAt: string;
  readonly holds: readonly HoldView[];
  readonly open: number;
  /** Open holds past their decision deadline. */
  readonly overdue: number;
}

function purgeWindowHours(ctx: JobContext, source: string): number {
  const api = ctx.config.sources[source]?.api ?? 'tiktok-research';
  return ctx.policies[policyIdForApi(api) as PolicyId].purgeWithinHours;
}

function viewOf(ctx: JobContext, hold: Hold, now: Date): HoldView {
  const due = holdDecisionDue(hold, purgeWindowHours(ctx, hold.source));
  return { ...hold, ...(due ? { decisionDueAt: due.toISOString() } : {}), overdue: hold.status === 'open' && due !== undefined && due.getTime() <= now.getTime() };
}

/** Every hold, newest first; `openOnly` for what still waits for the PI. */
export async function listHolds(ctx: JobContext, options: { openOnly?: boolean } = {}): Promise<HoldList> {
  const now = ctx.clock.now();
  const holds = (await ctx.ledger.holds.listHolds()).filter((h) => !options.openOnly || h.status === 'open').map((h) => viewOf(ctx, h, now));
  const open = holds.filter((h) => h.status === 'open');
  return { checkedAt: now.toISOString(), holds, open: open.length, overdue: open.filter((h) => h.overdue).length };
}

/**
 * Who may decide a hold. Release and dismiss are the PI's acts (issue 11 section 4): the member-roles check plugs
 * in here. Until roles land every named actor may, and the decision is audited with the actor's name.
 */
export type HoldDecider = (ctx: JobContext, decision: 'release' | 'dismiss', hold: Hold) => void;
export const anyNamedActor: HoldDecider = () => {};

export interface HoldDecisionOptions {
  /** Checks the actor may decide (throws BadInputError otherwise). @default anyNamedActor */
  readonly decider?: HoldDecider;
}

export interface ReleaseOptions extends HoldDecisionOptions {
  /** The platform clients the re-check looks up with. */
  readonly clients: RefreshClients;
  readonly pollIntervalMs?: number;
}

export interface HoldDecisionReport {
  readonly runId: string;
  readonly hold: string;
  readonly source: string;
  readonly decision: 'release' | 'dismiss';
  /** Records the hold listed when the decision began. */
  readonly records: number;
  /** Purged (still absent on the re-check; cascades apart). */
  readonly purged: number;
  readonly cascaded: number;
  /** Back to active: served again (release) or every record (dismiss). */
  readonly kept: number;
  /** Re-check failed: still held, the hold stays open. */
  readonly failed: number;
  /** The hold's status afterwards. */
  readonly status: Hold['status'];
}

/** The open hold `id`, or BadInputError (exit 2) naming what is wrong. Reads only. */
async function openHold(ctx: JobContext, id: string, decision: 'release' | 'dismiss', decider: HoldDecider): Promise<Hold> {
  const parsed = HoldIdSchema.safeParse(id);
  if (!parsed.success) throw new BadInputError(`HOLD "${id}" ${parsed.error.issues[0]?.message ?? 'is not a hold id'}`);
  const hold = await ctx.ledger.holds.getHold(id);
  if (!hold) throw new BadInputError(`HOLD: no hold ${id}; \`steward purge holds\` lists them`);
  if (hold.status !== 'open') throw new BadInputError(`HOLD: hold ${id} was already ${hold.status}${hold.closedBy ? ` by ${hold.closedBy}` : ''} at ${hold.closedAt ?? 'an earlier time'}; nothing to ${decision}`);
  decider(ctx, decision, hold);
  return hold;
}

async function allMembers(ctx: JobContext, holdId: string): Promise<RecordKey[]> {
  const keys: RecordKey[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.ledger.holds.members(holdId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys);
    cursor = page.cursor;
  } while (cursor);
  return keys;
}

/** Records of a hold's listing still held in it; the rest (purged, erased meanwhile) are dropped from the listing. */
async function heldRecords(ctx: JobContext, holdId: string, keys: readonly RecordKey[]): Promise<ActiveRecord[]> {
  const known = await ctx.ledger.getRecords(keys.map((k) => parseRecordKey(k)));
  const held: ActiveRecord[] = [];
  for (const key of keys) {
    const record = known.get(key);
    if (record?.status === 'active' && record.hold?.holdId === holdId) held.push(record);
    else await ctx.ledger.holds.dropMember(holdId, key);
  }
  return held;
}

/** Records looked up (and purged) per step of a release. */
const RELEASE_STEP = 1_000;

interface DecisionRun {
  readonly runId: string;
  readonly chain: AuditChainWriter;
  readonly startedAt: string;
}

async function startRun(ctx: JobContext, job: string, hold: Hold): Promise<DecisionRun> {
  const now = ctx.clock.now();
  const runId = newRunId(job, now);
  const chain = await ctx.audit.chain(runId);
  const startedAt = now.toISOString();
  await ctx.ledger.putRun({ runId, job, startedAt, actor: ctx.actor.name, status: 'running', counts: {} });
  await chain.append([{ at: startedAt, action: 'run.started', actor: ctx.actor, runId, evidence: { hold: hold.id }, counts: { records: hold.records } }]);
  return { runId, chain, startedAt };
}

async function finishRun(ctx: JobContext, job: string, run: DecisionRun, hold: Hold, report: Omit<HoldDecisionReport, 'runId' | 'status'>): Promise<HoldDecisionReport> {
  const now = ctx.clock.now();
  const counts = { records: report.records, purged: report.purged, cascaded: report.cascaded, kept: report.kept, failed: report.failed };
  const closed = report.failed === 0 && (await ctx.ledger.holds.closeHold(hold.id, report.decision === 'release' ? 'released' : 'dismissed', now, ctx.actor.name));
  const status: Hold['status'] = closed ? (report.decision === 'release' ? 'released' : 'dismissed') : 'open';
  const at = now.toISOString();
  await run.chain.append([
    {
      at,
      action: report.decision === 'release' ? 'purge.released' : 'purge.dismissed',
      actor: ctx.actor,
      runId: run.runId,
      reason: `hold ${hold.id} ${report.decision === 'release' ? 'released' : 'dismissed'} by ${ctx.actor.name}${closed ? '' : ` (${report.failed} record(s) could not be re-checked: the hold stays open)`}`.slice(0, 256),
      evidence: { hold: hold.id, source: hold.source, status, openedAt: hold.openedAt, rule: hold.reason },
      counts,
    },
    { at, action: 'run.finished', actor: ctx.actor, runId: run.runId, counts },
  ]);
  await ctx.ledger.putRun({ runId: run.runId, job, startedAt: run.startedAt, finishedAt: at, actor: ctx.actor.name, status: 'finished', counts });
  return { runId: run.runId, ...report, status };
}

function recordEvent(ctx: JobContext, run: DecisionRun, record: ActiveRecord, action: AuditEvent['action'], evidence: Record<string, string | number>): AuditEvent {
  const key = recordKeyOf(record.ref);
  return {
    at: ctx.clock.now().toISOString(),
    action,
    actor: ctx.actor,
    runId: run.runId,
    recordHash: ctx.hasher.hash(key),
    kind: record.ref.kind,
    specName: record.provenance.specName,
    evidence,
  };
}

/** Release a hold: re-check each held record, purge what is still gone, keep what the platform serves again. */
export async function releaseHold(ctx: JobContext, holdId: string, options: ReleaseOptions): Promise<HoldDecisionReport> {
  const hold = await openHold(ctx, holdId, 'release', options.decider ?? anyNamedActor);
  const run = await startRun(ctx, 'hold-release', hold);
  const keys = await allMembers(ctx, hold.id);
  let purged = 0;
  let cascaded = 0;
  let kept = 0;
  let failed = 0;
  for (let i = 0; i < keys.length; i += RELEASE_STEP) {
    const records = await heldRecords(ctx, hold.id, keys.slice(i, i + RELEASE_STEP));
    if (records.length === 0) continue;
    const verdicts = await lookUpRecords(ctx, { clients: options.clients, ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}) }, records, run.chain);
    const now = ctx.clock.now().toISOString();
    const targets: PurgeTarget[] = [];
    const events: AuditEvent[] = [];
    await mapLimit(records, 8, async (record) => {
      const key = recordKeyOf(record.ref);
      const verdict = verdicts.get(key) ?? 'failed';
      if (verdict === 'failed') {
        failed += 1;
        return;
      }
      if (verdict === 'served') {
        if (await ctx.ledger.holds.unholdRecord(hold.id, key, now)) {
          kept += 1;
          events.push(recordEvent(ctx, run, record, 'purge.released', { hold: hold.id, outcome: 'served-again: kept, due now' }));
        }
        return;
      }
      targets.push({ key, reason: 'unavailable', evidence: { ...record.hold!.evidence, hold: hold.id, releasedBy: ctx.actor.name, recheck: 'absent' } });
    });
    if (events.length > 0) await run.chain.append(events);
    if (targets.length > 0) {
      const done = await purgeRecords(ctx, targets, run.chain, { runId: run.runId });
      purged += done.purged - done.cascaded;
      cascaded += done.cascaded;
      await mapLimit(targets, 16, (t) => ctx.ledger.holds.dropMember(hold.id, t.key));
    }
  }
  return finishRun(ctx, 'hold-release', run, hold, { hold: hold.id, source: hold.source, decision: 'release', records: keys.length, purged, cascaded, kept, failed });
}

/** Dismiss a hold: every held record back to active, misses forgotten, due at once. */
export async function dismissHold(ctx: JobContext, holdId: string, options: HoldDecisionOptions = {}): Promise<HoldDecisionReport> {
  const hold = await openHold(ctx, holdId, 'dismiss', options.decider ?? anyNamedActor);
  const run = await startRun(ctx, 'hold-dismiss', hold);
  const keys = await allMembers(ctx, hold.id);
  let kept = 0;
  for (let i = 0; i < keys.length; i += RELEASE_STEP) {
    const records = await heldRecords(ctx, hold.id, keys.slice(i, i + RELEASE_STEP));
    const now = ctx.clock.now().toISOString();
    const events: AuditEvent[] = [];
    await mapLimit(records, 16, async (record) => {
      if (!(await ctx.ledger.holds.unholdRecord(hold.id, recordKeyOf(record.ref), now))) return;
      kept += 1;
      events.push(recordEvent(ctx, run, record, 'purge.dismissed', { hold: hold.id, outcome: 'active again, due now' }));
    });
    if (events.length > 0) await run.chain.append(events);
  }
  return finishRun(ctx, 'hold-dismiss', run, hold, { hold: hold.id, source: hold.source, decision: 'dismiss', records: keys.length, purged: 0, cascaded: 0, kept, failed: 0 });
}
