/**
 * Runs and their audit chains, from start to a guaranteed end.
 *
 * A run's chain is opened in several writes (the run item, the chain registry, an `open` seal, then events), so a
 * writer killed at any moment can leave a chain opened but empty, or with events but no `run.finished`. Such a
 * chain would read as deleted events for ever. So every run starts the same way (`startRun`):
 *
 * 1. the run item is written `running`, which also lists the run among the ledger's open runs (one transaction);
 * 2. (at the same time) every other open run that is abandoned (its writer cannot still be alive) is closed: its chain gets a
 *    `run.interrupted` event, which carries the chain's `close` seal in one transaction, and its run item becomes
 *    `interrupted` (or `finished`, when the chain had in fact finished and only the run item lagged behind);
 * 3. only then is the run's own chain opened. A run opened with `first` events skips 1: its run item, its chain's
 *    registry, the events and the `open` seal are ONE transaction (`AuditLog.openChain` with the ledger's prepared
 *    run writes; the seal log's head is read meanwhile), so the run is stored whole or not at all. A read-only run
 *    (a query) may also put 2 off until its own work is done (`repair: 'later'`, then `closeAbandonedRuns`): nothing
 *    it reads depends on the repair, and its answer does not wait for it.
 *
 * Because the run item is written before anything of the chain, a crash at any later moment leaves an open run
 * that the next run of any job closes. Closing is idempotent: a repair cut short is redone by the one after.
 * A run is abandoned once `JobContext.abandonedRunAfterMs` has passed since it started (default: twice the 15-minute
 * Lambda limit); the `--local` runtime, where one command runs at a time, uses 0. Two runs that both find the same
 * abandoned run race for a claim on it (ledger `claimOpenRun`); one closes it.
 */
import type { AuditEvent, ChainedAuditEvent } from '../domain/audit';
import { CLOSING_ACTIONS } from '../domain/audit';
import type { AuditChainWriter, OpenRun, RunRecord } from '../store/ports';
import type { JobContext } from './context';

/** Longest a deployed job runs (the Lambda limit, 15 min), twice over: a `running` run older than this is dead. */
export const DEFAULT_ABANDONED_RUN_AFTER_MS = 30 * 60_000;

export interface ClosedRun {
  readonly runId: string;
  readonly job: string;
  /** `interrupted`: a `run.interrupted` event closed its chain; `finished`: the chain had finished already. */
  readonly outcome: 'interrupted' | 'finished';
}

export interface StartRunOptions {
  /** Events the chain is opened with (no closing one), in one transaction with the run item and the open seal. */
  readonly first?: readonly AuditEvent[];
  /** `later`: abandoned runs are not closed here; the caller runs `closeAbandonedRuns` once its own work is done. */
  readonly repair?: 'now' | 'later';
}

/** Write the run item (`running`), close abandoned runs, open the run's chain (with its `first` events, when given). */
export async function startRun(ctx: JobContext, job: string, runId: string, startedAt: string, options: StartRunOptions = {}): Promise<AuditChainWriter> {
  const run: RunRecord = { runId, job, startedAt, actor: ctx.actor.name, status: 'running', counts: {} };
  const repair = options.repair === 'later' ? undefined : closeAbandonedRuns(ctx, runId);
  // Its failure reaches the caller through `after` (or Promise.all); openChain may refuse before it awaits it.
  repair?.catch(() => undefined);
  if (options.first && options.first.length > 0) {
    return ctx.audit.openChain(runId, options.first, { ...(repair ? { after: repair } : {}), with: ctx.ledger.prepareRun(run) });
  }
  // The run item and the repair of others go at once (the repair skips this run); the chain only after both.
  await Promise.all([ctx.ledger.putRun(run), repair]);
  return ctx.audit.chain(runId);
}

/** Close every open run but `currentRunId` whose writer is gone; returns what was closed. */
export async function closeAbandonedRuns(ctx: JobContext, currentRunId: string): Promise<ClosedRun[]> {
  const now = ctx.clock.now();
  const after = ctx.abandonedRunAfterMs ?? DEFAULT_ABANDONED_RUN_AFTER_MS;
  const closed: ClosedRun[] = [];
  for (const run of await ctx.ledger.openRuns()) {
    if (run.runId === currentRunId) continue;
    if (after > 0 && now.getTime() - Date.parse(run.startedAt) < after) continue;
    // A claim expires like an abandoned run does: a repairer that dies blocks the repair only that long.
    const claimedBefore = new Date(now.getTime() - Math.max(after, 60_000));
    if (!(await ctx.ledger.claimOpenRun(run.runId, currentRunId, now, claimedBefore))) continue;
    closed.push(await closeRun(ctx, run, currentRunId));
  }
  return closed;
}

async function closeRun(ctx: JobContext, run: OpenRun, closedBy: string): Promise<ClosedRun> {
  const last = await lastEvent(ctx, run.runId);
  const base = { runId: run.runId, job: run.job, startedAt: run.startedAt, actor: run.actor };
  if (last && CLOSING_ACTIONS.has(last.action)) {
    // The chain ended (its close seal went with that event); only the run item was not updated.
    const finished = last.action === 'run.finished';
    await ctx.ledger.putRun({
      ...base,
      finishedAt: last.at,
      status: finished ? (last.reason ? 'stopped' : 'finished') : 'interrupted',
      counts: last.counts ?? {},
      ...(finished && last.reason ? { stopReason: last.reason } : {}),
    });
    return { runId: run.runId, job: run.job, outcome: finished ? 'finished' : 'interrupted' };
  }
  const at = ctx.clock.now().toISOString();
  // Reopening the chain registers it and seals its head (an `open` seal), whatever the crash left of both.
  const chain = await ctx.audit.chain(run.runId);
  await chain.append([
    {
      at,
      action: 'run.interrupted',
      actor: ctx.actor,
      runId: run.runId,
      reason: 'its writer stopped before run.finished (killed, crashed or timed out); closed by a later run',
      evidence: { closedBy, job: run.job, lastSeq: last?.seq ?? 0 },
    },
  ]);
  await ctx.ledger.putRun({ ...base, finishedAt: at, status: 'interrupted', counts: {}, stopReason: `interrupted; closed by ${closedBy}` });
  return { runId: run.runId, job: run.job, outcome: 'interrupted' };
}

/** The newest event of a chain (read forward page by page; chains of crashed runs are read once, when closed). */
async function lastEvent(ctx: JobContext, chainId: string): Promise<ChainedAuditEvent | undefined> {
  let last: ChainedAuditEvent | undefined;
  let cursor: string | undefined;
  do {
    const page = await ctx.audit.byChain(chainId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    last = page.events[page.events.length - 1] ?? last;
    cursor = page.cursor;
  } while (cursor);
  return last;
}
