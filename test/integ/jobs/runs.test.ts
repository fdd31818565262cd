/**
 * Runs end, whatever happens to their writer: an open run whose writer is gone is closed by the next run
 * (jobs/runs.ts), with a `run.interrupted` event that carries its chain's close seal; a live one is left alone.
 */
import { readChain } from '../../../lib/jobs/audit-read';
import { erase } from '../../../lib/jobs/erase';
import { openQueryRun } from '../../../lib/jobs/query/audited-run';
import { closeAbandonedRuns } from '../../../lib/jobs/runs';
import { verify } from '../../../lib/jobs/verify';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';

describe('interrupted runs are closed by the next run', () => {
  let fx: LocalJobFixture;
  beforeEach(async () => {
    fx = await localJobContext();
  });
  afterEach(() => fx.destroy());

  it('a chain opened but empty (killed before its first event) gets run.interrupted and verify is OK again', async () => {
    // Prepare: what startRun leaves when the process dies right after opening the chain
    const ctx = { ...fx.ctx, abandonedRunAfterMs: 0 };
    await ctx.ledger.putRun({ runId: 'erase-dead', job: 'erase', startedAt: fx.clock.now().toISOString(), actor: 'ada', status: 'running', counts: {} });
    await ctx.audit.chain('erase-dead');
    expect((await verify(ctx)).violations.map((v) => v.message)).toEqual([expect.stringContaining('chain erase-dead: opened at seal')]);

    // Act: any later run
    const report = await erase(ctx, { video: '7000000000000000001' });

    // Assess
    const events = await readChain(ctx.audit, 'erase-dead');
    expect(events.map((e) => e.action)).toEqual(['run.interrupted']);
    expect(events[0]!.evidence).toMatchObject({ closedBy: report.runId, job: 'erase', lastSeq: 0 });
    expect(await ctx.ledger.getRun('erase-dead')).toMatchObject({ status: 'interrupted', stopReason: `interrupted; closed by ${report.runId}` });
    expect(await ctx.ledger.openRuns()).toEqual([]);
    expect((await verify(ctx)).violations).toEqual([]);
  });

  it('a run whose chain finished but whose run item did not is marked finished, without a new event', async () => {
    const ctx = { ...fx.ctx, abandonedRunAfterMs: 0 };
    const at = fx.clock.now().toISOString();
    await ctx.ledger.putRun({ runId: 'purge-late', job: 'purge', startedAt: at, actor: 'schedule', status: 'running', counts: {} });
    const chain = await ctx.audit.chain('purge-late');
    await chain.append([{ at, action: 'run.finished', actor: ctx.actor, runId: 'purge-late', counts: { purged: 0 } }]);

    const closed = await closeAbandonedRuns(ctx, 'someone-else');

    expect(closed).toEqual([{ runId: 'purge-late', job: 'purge', outcome: 'finished' }]);
    expect((await readChain(ctx.audit, 'purge-late')).map((e) => e.action)).toEqual(['run.finished']);
    expect(await ctx.ledger.getRun('purge-late')).toMatchObject({ status: 'finished', counts: { purged: 0 } });
    expect((await verify(ctx)).violations).toEqual([]);
  });

  it('a local query opens its run and chain in one write and closes abandoned runs only after its own close', async () => {
    // Prepare: a collect killed mid-run, and a clock that lets it count as abandoned
    const ctx = { ...fx.ctx, abandonedRunAfterMs: 0 };
    const at = fx.clock.now().toISOString();
    await ctx.ledger.putRun({ runId: 'collect-dead', job: 'collect', startedAt: at, actor: 'schedule', status: 'running', counts: {} });
    await ctx.audit.chain('collect-dead');

    // Act
    const run = await openQueryRun(ctx, { sqlDigest: 'd'.repeat(32), views: ['videos'], engine: 'duckdb' }, { repair: 'later' });
    const whileOpen = { query: await ctx.ledger.getRun(run.runId), dead: await ctx.ledger.getRun('collect-dead'), open: (await ctx.ledger.openRuns()).map((r) => r.runId) };
    await run.close({ outcome: 'ok', counts: { rows: 3 } });

    // Assess: the query's run item and run.started were stored; the dead run was left alone until the query closed
    expect(whileOpen.query).toMatchObject({ status: 'running', job: 'query' });
    expect(whileOpen.dead).toMatchObject({ status: 'running' });
    expect(whileOpen.open.sort()).toEqual(['collect-dead', run.runId].sort());
    expect((await readChain(ctx.audit, run.runId)).map((e) => e.action)).toEqual(['run.started', 'query.run', 'run.finished']);
    expect(await ctx.ledger.getRun(run.runId)).toMatchObject({ status: 'finished', counts: { rows: 3 } });
    expect((await readChain(ctx.audit, 'collect-dead')).map((e) => [e.action, e.evidence?.closedBy])).toEqual([['run.interrupted', run.runId]]);
    expect(await ctx.ledger.openRuns()).toEqual([]);
    expect((await verify(ctx)).violations).toEqual([]);
  });

  it('a deployed query closes abandoned runs before its own opens; a local query whose later repair fails still closes', async () => {
    // Prepare: two dead runs
    const ctx = { ...fx.ctx, abandonedRunAfterMs: 0 };
    const at = fx.clock.now().toISOString();
    for (const runId of ['refresh-dead', 'expire-dead']) {
      await ctx.ledger.putRun({ runId, job: runId.split('-')[0]!, startedAt: at, actor: 'schedule', status: 'running', counts: {} });
      await ctx.audit.chain(runId);
    }

    // Act 1: deployed (repair now)
    const deployed = await openQueryRun(ctx, { sqlDigest: 'a'.repeat(32), views: ['videos'], engine: 'athena' });
    const deadWhileOpen = await ctx.ledger.getRun('refresh-dead');
    await deployed.close({ outcome: 'ok', counts: { rows: 1 } });

    // Act 2: local (repair later), with the open-runs read failing after the query's own writes
    await ctx.ledger.putRun({ runId: 'collect-dead', job: 'collect', startedAt: at, actor: 'schedule', status: 'running', counts: {} });
    const failing = Object.assign(Object.create(ctx.ledger) as typeof ctx.ledger, { openRuns: () => Promise.reject(new Error('throttled')) });
    const local = await openQueryRun({ ...ctx, ledger: failing }, { sqlDigest: 'b'.repeat(32), views: ['videos'], engine: 'duckdb' }, { repair: 'later' });
    await expect(local.close({ outcome: 'ok', counts: { rows: 2 } })).resolves.toBeUndefined();

    // Assess
    expect(deadWhileOpen).toMatchObject({ status: 'interrupted' });
    expect(await ctx.ledger.getRun('expire-dead')).toMatchObject({ status: 'interrupted' });
    expect(await ctx.ledger.getRun(local.runId)).toMatchObject({ status: 'finished', counts: { rows: 2 } });
    expect((await ctx.ledger.openRuns()).map((r) => r.runId)).toEqual(['collect-dead']);
  });

  it('deployed default: a run started minutes ago may be alive and is left open; after 30 minutes it is closed', async () => {
    const at = fx.clock.now().toISOString();
    await fx.ctx.ledger.putRun({ runId: 'refresh-live', job: 'refresh', startedAt: at, actor: 'schedule', status: 'running', counts: {} });
    await fx.ctx.audit.chain('refresh-live');

    fx.clock.advance(10 * 60_000);
    expect(await closeAbandonedRuns(fx.ctx, 'other')).toEqual([]);
    fx.clock.advance(25 * 60_000);
    expect(await closeAbandonedRuns(fx.ctx, 'other')).toEqual([{ runId: 'refresh-live', job: 'refresh', outcome: 'interrupted' }]);
    // A second repairer finds nothing left to do.
    expect(await closeAbandonedRuns(fx.ctx, 'third')).toEqual([]);
  });
});
