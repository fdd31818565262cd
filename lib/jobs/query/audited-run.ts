/**
 * The audit of one query, whatever the engine (DuckDB locally, Athena deployed): its own run, evidence first.
 *
 * - `openQueryRun`: the run item (`running`) and its chain opened WITH `run.started` carrying the evidence (the
 *   SQL's keyed digest, the views it names, the engine), in one transaction (lib/jobs/runs.ts `startRun`). The caller
 *   starts it before (deployed) or while (locally) the engine works, and hands out no answer before it is stored.
 * - `close`: `query.run` (the same evidence, how it ended, rows and other counts) and `run.finished` with the
 *   chain's close seal, then the run item `finished`; or, when the engine could not run the query at all,
 *   `run.finished` with the reason and the run item `stopped`. Locally it is written after the answer was handed
 *   out; a run whose writer died before (a crash, Ctrl-C) is closed by the next run as `run.interrupted`. Runs
 *   that others abandoned are closed before the run is opened (deployed) or after its close (locally, best effort:
 *   the answer does not wait for them).
 *
 * Events hold the digest, view names and counts, never the SQL or an engine's message (either may quote literals
 * such as usernames).
 */
import type { QueryViewName } from '../../domain/query-views';
import { newRunId, type JobContext } from '../context';
import { closeAbandonedRuns, startRun, type StartRunOptions } from '../runs';

export interface QueryEvidence {
  /** Keyed hash of the SQL as written (lib/domain/query-guard.ts `sqlDigest`). */
  readonly sqlDigest: string;
  /** The views the SQL reads, sorted. */
  readonly views: readonly QueryViewName[];
  /** `duckdb` or `athena`. */
  readonly engine: string;
}

/** How a query ended, in the words of `query.run`. */
export type QueryRunOutcome = 'ok' | 'failed' | 'timed-out' | 'cancelled';

export type QueryRunEnd =
  | {
      readonly outcome: QueryRunOutcome;
      readonly counts: Readonly<Record<string, number>> & { readonly rows: number };
      /** Further scalar evidence of the engine (Athena's execution id, its error category). */
      readonly evidence?: Readonly<Record<string, string>>;
    }
  /** The engine refused to start the query (throttled, misconfigured): `run.finished` with this reason. */
  | { readonly stopped: string };

export interface QueryRun {
  readonly runId: string;
  readonly startedAt: string;
  /** Close the run (once); see above. */
  close(end: QueryRunEnd): Promise<void>;
}

export interface OpenQueryRunOptions {
  /**
   * When runs that others abandoned (a crash) are closed: `now`, before the run is opened (deployed: before the
   * engine, with the function's whole time budget), or `later`, after the query's own close, best effort (locally:
   * after the answer is printed). A query changes nothing, so nothing it reads depends on that repair; a repair that
   * fails or is cut off is redone by the next run of any job. @default 'now'
   */
  readonly repair?: StartRunOptions['repair'];
}

/** Open the query's run with its evidence (`run.started`); resolves once both are stored. */
export async function openQueryRun(ctx: JobContext, evidence: QueryEvidence, options: OpenQueryRunOptions = {}): Promise<QueryRun> {
  const repair = options.repair ?? 'now';
  const now = ctx.clock.now();
  const runId = newRunId('query', now);
  const startedAt = now.toISOString();
  const base = { sqlDigest: evidence.sqlDigest, views: evidence.views.join(',') || 'none', engine: evidence.engine };
  const chain = await startRun(ctx, 'query', runId, startedAt, { first: [{ at: startedAt, action: 'run.started', actor: ctx.actor, runId, evidence: base }], repair });
  let closing: Promise<void> | undefined;
  const close = async (end: QueryRunEnd): Promise<void> => {
    const at = ctx.clock.now().toISOString();
    if ('stopped' in end) {
      await chain.append([{ at, action: 'run.finished', actor: ctx.actor, runId, reason: end.stopped, counts: { rows: 0 } }]);
      await ctx.ledger.putRun({ runId, job: 'query', startedAt, finishedAt: at, actor: ctx.actor.name, status: 'stopped', counts: { rows: 0 }, stopReason: 'engine error' });
      return;
    }
    const counts = { ...end.counts };
    await chain.append([
      { at, action: 'query.run', actor: ctx.actor, runId, evidence: { ...base, outcome: end.outcome, ...end.evidence }, counts },
      { at, action: 'run.finished', actor: ctx.actor, runId, counts },
    ]);
    await ctx.ledger.putRun({ runId, job: 'query', startedAt, finishedAt: at, actor: ctx.actor.name, status: 'finished', counts });
  };
  const closeAndRepair = async (end: QueryRunEnd): Promise<void> => {
    await close(end);
    // Not the query's own duty: its outcome (stored above) does not depend on it, and the next run tries again.
    if (repair === 'later') await closeAbandonedRuns(ctx, runId).catch(() => undefined);
  };
  return {
    runId,
    startedAt,
    close(end) {
      closing ??= closeAndRepair(end);
      return closing;
    },
  };
}
