/**
 * `steward query "SQL"` locally: DuckDB over the current Parquet export versions (views in
 * lib/domain/query-views.ts), read-only, audited. The steps, in this order so that a refused query writes nothing:
 *
 * 1. the guard (lib/domain/query-guard.ts), DuckDB's parser, and binding against empty views of the same columns in
 *    a locked scratch session (no file readable): bad SQL, an unknown view or column, or anything but one SELECT is
 *    bad input;
 * 2. the query's run is opened (run item, chain; no event yet; at once when the caller checked the SQL before) while
 * 3. the manifests of the newest export versions name the part files of the views the query reads; those files
 *    are opened (in place or staged into a private temp dir, `PartFiles`), and purges are read from the audit log
 *    only when the query reads `purges`; views defined, file access limited to those files, external access
 *    disabled, configuration locked; the statement bound again and run, interrupted after the timeout;
 * 4. `query.run` closes the run (actor, keyed SQL digest, views read, rows returned, outcome; never the SQL), also
 *    for a query that failed or timed out once it ran. Staged files are removed whatever happens.
 */
import { BadInputError } from '../../domain/errors';
import { checkReadOnlySql, sqlDigest } from '../../domain/query-guard';
import { QUERY_VIEW_NAMES, viewOfKind, type QueryViewName } from '../../domain/query-views';
import { RECORD_KINDS } from '../../domain/records';
import type { AuditChainWriter } from '../../store/ports';
import { newRunId, type JobContext, type ProgressSink } from '../context';
import { exportStoreOf } from '../export';
import { startRun } from '../runs';
import { QuerySession, type PurgeRow, type ResultTable } from './engine';
import { stagedPartFiles, type OpenedPartFiles, type PartFiles } from './files';
import { DEFAULT_QUERY_TIMEOUT_MS } from './limits';
import { EMPTY_PLAN, kindsRead, planExports, viewStatements } from './plan';

export { stagedPartFiles, type OpenedPartFiles, type PartFiles } from './files';
export type { ResultColumn, ResultTable } from './engine';

export { DEFAULT_QUERY_TIMEOUT_MS } from './limits';

export interface QueryInput {
  readonly sql: string;
  readonly timeoutMs?: number;
}

export interface QueryOptions {
  /** Where DuckDB reads parts from; default: staged out of the export store into a temp dir. */
  readonly files?: PartFiles;
  readonly progress?: ProgressSink;
  /** The caller ran `checkQuerySql` on this very SQL just before (the CLI does, before it opens anything). */
  readonly sqlChecked?: boolean;
}

export interface QueryAnswer extends ResultTable {
  readonly rowCount: number;
  /** The views the query read, sorted. */
  readonly views: readonly QueryViewName[];
  /** Keyed hash of the SQL, as audited. */
  readonly sqlDigest: string;
  /** Export versions read (`climate-videos@v3`). */
  readonly exports: readonly string[];
  /** Why a view read is empty, and what to run (no Parquet export of that kind yet). */
  readonly notes: readonly string[];
  readonly runId: string;
}

/**
 * Check the SQL without reading anything: the guard, DuckDB's parser, and binding against empty views of the same
 * columns (an unknown view or column is caught here). Bad input (exit 2) when refused; the views it reads otherwise.
 * The CLI calls it before it opens the local services, so bad SQL is answered at once.
 */
export async function checkQuerySql(sql: string): Promise<QueryViewName[]> {
  const session = await QuerySession.open();
  try {
    const check = checkReadOnlySql(sql);
    const views = await session.viewsOf(sql, check.ok ? undefined : check.reason);
    await session.defineViews(viewStatements(EMPTY_PLAN, new Map()), [], []);
    (await session.prepare(check.ok ? check.sql : sql)).destroySync();
    return QUERY_VIEW_NAMES.filter((v) => views.has(v));
  } finally {
    session.close();
  }
}

/** The `record.purged` events of the audit log as purge rows (one per record), from the log's first day on. */
async function purgeRows(ctx: Pick<JobContext, 'audit' | 'clock'>): Promise<PurgeRow[]> {
  let since: string | undefined;
  for await (const seal of ctx.audit.seals()) {
    since = seal.at;
    break;
  }
  if (since === undefined) return [];
  const until = ctx.clock.now().toISOString();
  const rows = new Map<string, PurgeRow>();
  let cursor: string | undefined;
  do {
    const page = await ctx.audit.byAction('record.purged', { since, until, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const e of page.events) {
      if (!e.recordHash || !e.kind || rows.has(e.recordHash)) continue;
      rows.set(e.recordHash, { recordHash: e.recordHash, kind: e.kind, ...(e.specName ? { spec: e.specName } : {}), reason: e.reason ?? '', purgedAt: e.at, runId: e.runId });
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return [...rows.values()];
}

/**
 * Audit one query: its own run (run item, chain), opened once the query is known to be valid (while it runs), whose
 * three events (`run.started`, `query.run`, `run.finished`) then go in one append with the chain's close seal.
 */
async function openQueryRun(ctx: JobContext): Promise<{ runId: string; startedAt: string; chain: AuditChainWriter }> {
  const now = ctx.clock.now();
  const runId = newRunId('query', now);
  const startedAt = now.toISOString();
  return { runId, startedAt, chain: await startRun(ctx, 'query', runId, startedAt) };
}

async function closeQueryRun(
  ctx: JobContext,
  run: Awaited<ReturnType<typeof openQueryRun>>,
  q: { digest: string; views: readonly QueryViewName[]; rows: number; outcome: 'ok' | 'failed' | 'timed-out' },
): Promise<string> {
  const { runId, startedAt } = run;
  const at = ctx.clock.now().toISOString();
  await run.chain.append([
    { at: startedAt, action: 'run.started', actor: ctx.actor, runId },
    { at, action: 'query.run', actor: ctx.actor, runId, evidence: { sqlDigest: q.digest, views: q.views.join(',') || 'none', engine: 'duckdb', outcome: q.outcome }, counts: { rows: q.rows } },
    { at, action: 'run.finished', actor: ctx.actor, runId, counts: { rows: q.rows } },
  ]);
  await ctx.ledger.putRun({ runId, job: 'query', startedAt, finishedAt: at, actor: ctx.actor.name, status: 'finished', counts: { rows: q.rows } });
  return runId;
}

/** Run one read-only query over the current exports; see the steps above. */
export async function runQuery(ctx: JobContext, input: QueryInput, options: QueryOptions = {}): Promise<QueryAnswer> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const check = checkReadOnlySql(input.sql);
  const store = exportStoreOf(ctx);
  const progress = (phase: string, done: number, total?: number) => options.progress?.({ job: 'query', phase, done, ...(total !== undefined ? { total } : {}) });
  const digest = sqlDigest(ctx.hasher, input.sql);
  // Checked by the caller (the CLI, before it opened anything): the run is opened at once, while DuckDB starts.
  let opening = options.sqlChecked ? openQueryRun(ctx) : undefined;
  opening?.catch(() => {});
  let session: QuerySession | undefined;
  let opened: OpenedPartFiles | undefined;
  try {
    let views: Set<QueryViewName>;
    try {
      session = await QuerySession.open();
      views = await session.viewsOf(input.sql, check.ok ? undefined : check.reason);
    } catch (error) {
      // Only when the caller's check let through what this one refuses: the opened run is closed as failed.
      if (opening) await closeQueryRun(ctx, await opening, { digest, views: [], rows: 0, outcome: 'failed' });
      throw error;
    }
    const sql = check.ok ? check.sql : input.sql;
    const read = QUERY_VIEW_NAMES.filter((v) => views.has(v));
    // Bound first against empty views of the same columns, in a locked scratch session that can read no file: a
    // query that cannot bind is refused with nothing written.
    if (!options.sqlChecked) await checkQuerySql(input.sql);
    // The query is valid from here on: its run is opened (no event yet) while the files are found and DuckDB works.
    const run = opening ?? openQueryRun(ctx);
    run.catch(() => {});
    let result: ResultTable;
    let plan: Awaited<ReturnType<typeof planExports>>;
    const kinds = kindsRead(views);
    try {
      progress('reading manifests', 0);
      plan = await planExports(store, ctx.objects);
      const keys = kinds.flatMap((kind) => plan.kinds.get(kind)?.keys ?? []);
      progress('opening export files', 0, keys.length);
      opened = await (options.files ?? stagedPartFiles(store)).open(keys, (done, total) => progress('opening export files', done, total));
      const purges = views.has('purges') ? await purgeRows(ctx) : [];
      await session.defineViews(viewStatements(plan, opened.paths), purges, [...new Set(opened.paths.values())]);
      const prepared = await session.prepare(sql);
      progress('running', 0);
      try {
        result = await session.run(prepared, timeoutMs);
      } finally {
        prepared.destroySync();
      }
    } catch (error) {
      const outcome = error instanceof BadInputError && error.message.startsWith('--timeout') ? 'timed-out' : 'failed';
      await closeQueryRun(ctx, await run, { digest, views: read, rows: 0, outcome });
      throw error;
    }
    const runId = await closeQueryRun(ctx, await run, { digest, views: read, rows: result.rows.length, outcome: 'ok' });
    const notes: string[] = [];
    for (const kind of RECORD_KINDS) {
      const view = viewOfKind(kind).name;
      if (views.has(view) && !plan.kinds.has(kind)) notes.push(`${view} is empty: no Parquet export of ${kind}s yet (steward export create --spec NAME)`);
    }
    if (plan.notParquet.length > 0 && kinds.some((kind) => !plan.kinds.has(kind))) notes.push(`not read (views read Parquet exports only): ${plan.notParquet.join(', ')}; export those specs as Parquet to query them`);
    return {
      ...result,
      rowCount: result.rows.length,
      views: read,
      sqlDigest: digest,
      exports: kinds.flatMap((kind) => plan.kinds.get(kind)?.exports ?? []),
      notes,
      runId,
    };
  } finally {
    try {
      await opened?.release();
    } finally {
      session?.close();
    }
  }
}
