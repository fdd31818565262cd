/** The refresh job's entry points: a whole sweep (`refresh`) and the lookups a purge hold's release uses. */
import { SWEEP_STEP } from '../../domain/quota-plan';
import { recordKeyOf, type ActiveRecord, type RecordKey } from '../../domain/records';
import { MAX_IDS_PER_VALIDATION_TASK } from '../../platforms/tiktok';
import type { AuditChainWriter } from '../../store/ports';
import { newRunId, type JobContext } from '../context';
import { dueRecords, sweepShards } from '../due';
import { readPolicyMarkers, reconcilePolicies } from '../policy-change';
import { startRun } from '../runs';
import { SweepGroups } from '../../domain/sweep-groups';
import { Sweep } from './sweep';
import { StopSweep, type LookupVerdict, type RefreshOptions, type RefreshReport } from './types';

export async function refresh(ctx: JobContext, options: RefreshOptions): Promise<RefreshReport> {
  const { clock, ledger } = ctx;
  const shards = sweepShards(ledger, options.shards);
  const batchSize = options.batchSize ?? SWEEP_STEP;
  // A policy that changed a duty but kept its version is refused here, before the run writes anything.
  const markers = await readPolicyMarkers(ctx, shards);
  const start = clock.now();
  const runId = newRunId('refresh', start);
  const startedAt = start.toISOString();
  // The run item, the chain's registry, run.started and the open seal: one transaction (runs.ts, `first`).
  const chain = await startRun(ctx, 'refresh', runId, startedAt, { first: [{ at: startedAt, action: 'run.started', actor: ctx.actor, runId, counts: { shards: shards.length } }] });

  const report: RefreshReport = {
    runId,
    shards,
    due: 0,
    unchanged: 0,
    changed: 0,
    validated: 0,
    missed: 0,
    failed: 0,
    failures: {},
    purged: 0,
    cascaded: 0,
    held: 0,
    completedPending: 0,
    skippedExpired: 0,
    restamped: 0,
    requests: {},
    unprocessed: 0,
    alongside: 0,
  };
  const sweep = new Sweep(ctx, options, runId, chain, report);

  // A policy whose version changed: records it covers get their due dates recomputed (see policy-change.ts).
  report.restamped = await reconcilePolicies(ctx, shards, chain, runId, markers);

  const before = options.dueBefore ?? clock.now();
  sweep.before = before;
  // Steps grouped across the whole sweep (sweep-groups.ts): videos by creation window, comments by parent video (one
  // listing per video per sweep), compliance-task records in steps as large as one task may be; none waits behind a
  // lookup step.
  const groups = new SweepGroups<ActiveRecord>((r) => sweep.laneOf(r), {
    stepSize: batchSize,
    checkStepSize: Math.max(batchSize, MAX_IDS_PER_VALIDATION_TASK),
  });
  let stepped = 0;
  const runStep = async (records: ActiveRecord[]) => {
    // A step may count due comments it found through their video (comment-listing.ts): they were handed over too.
    const counted = report.due;
    stepped += records.length;
    try {
      await sweep.step(records);
    } finally {
      stepped += report.due - counted;
    }
  };
  try {
    for await (const page of dueRecords(ledger, before, shards)) {
      for (const record of page.records) {
        // Already refreshed (or tried) this sweep with its video's listing, and counted then.
        if (sweep.countedWithListing(record)) continue;
        report.due += 1;
        const { steps, covered } = groups.add(record);
        if (covered) {
          // Its video was listed in this sweep without it (stored since, or not yet in the index): next sweep.
          stepped += 1;
          sweep.coveredLater();
        }
        for (const step of steps) await runStep(step);
      }
    }
    for (const step of groups.finish()) await runStep(step);
  } catch (error) {
    if (!(error instanceof StopSweep)) throw error;
    // The stopping step counted what it left; records read but never handed to a step are left too.
    report.unprocessed += report.due - stepped;
    report.stopped = error.reason;
    if (error.resetsAt) report.resetsAt = error.resetsAt.toISOString();
  }
  await sweep.bookUsage();

  const counts = countsOf(report);
  const finishedAt = clock.now().toISOString();
  await chain.append([{ at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts, ...(report.stopped ? { reason: report.stopped } : {}) }]);
  await ledger.putRun({
    runId,
    job: 'refresh',
    startedAt,
    finishedAt,
    actor: ctx.actor.name,
    status: report.stopped ? 'stopped' : 'finished',
    counts,
    ...(report.stopped ? { stopReason: report.stopped } : {}),
  });
  return report;
}


/**
 * Look records up exactly as a sweep does, judging and writing nothing but the quota book: a purge hold's release
 * re-checks its records with it (holds.ts), so a record the platform serves again is kept.
 */
export async function lookUpRecords(
  ctx: JobContext,
  options: Pick<RefreshOptions, 'clients' | 'pollIntervalMs'>,
  records: readonly ActiveRecord[],
  chain: AuditChainWriter,
): Promise<Map<RecordKey, LookupVerdict>> {
  const report: RefreshReport = {
    ...{ runId: chain.chainId, shards: [], due: 0, unchanged: 0, changed: 0, validated: 0, missed: 0, failed: 0, failures: {} },
    ...{ purged: 0, cascaded: 0, held: 0, completedPending: 0, skippedExpired: 0, restamped: 0, requests: {}, unprocessed: 0, alongside: 0 },
  };
  const sweep = new Sweep(ctx, options, chain.chainId, chain, report);
  const outcomes = await sweep.lookUp(records);
  const out = new Map<RecordKey, LookupVerdict>();
  for (const record of records) {
    const key = recordKeyOf(record.ref);
    const outcome = outcomes.get(key);
    if (outcome === undefined || (outcome.kind === 'observed' && outcome.observation.kind === 'failed')) out.set(key, 'failed');
    else out.set(key, outcome.kind === 'found' || outcome.kind === 'valid' ? 'served' : 'absent');
  }
  return out;
}

function countsOf(report: RefreshReport): Record<string, number> {
  const { due, unchanged, changed, validated, missed, failed: f, purged, cascaded, held, completedPending, skippedExpired, restamped, unprocessed, alongside } = report;
  const requests = Object.values(report.requests).reduce((a, b) => a + b, 0);
  return { due, unchanged, changed, validated, missed, failed: f, purged, cascaded, held, completedPending, skippedExpired, restamped, unprocessed, alongside, requests };
}
