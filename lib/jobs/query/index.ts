/**
 * `steward query "SQL"` locally: DuckDB over the current Parquet export versions (views in
 * lib/domain/query-views.ts), read-only, audited. The steps, in this order so that a refused query writes nothing:
 *
 * 1. the guard (lib/domain/query-guard.ts), DuckDB's parser, and binding against empty views of the same columns in
 *    a locked scratch session (no file readable): bad SQL, an unknown view or column, or anything but one SELECT is
 *    bad input;
 * 2. the query's run is opened with its evidence (run item, then the chain with `run.started`: keyed SQL digest,
 *    views, engine; lib/jobs/query/audited-run.ts), at once when the caller checked the SQL before, while
 * 3. the outlines of the newest export versions (read while DuckDB starts) name the part files of the views the
 *    query reads; those files are opened (in place or staged into a private temp dir, `PartFiles`), and purges are
 *    read from the audit log only when the query reads `purges`; the views it reads are defined over those files
 *    (the others empty), file access limited to those files, external access disabled, configuration locked; the
 *    statement bound again and run, interrupted after the timeout;
 * 4. the answer is handed out once both the result and the evidence are stored; `close` then writes `query.run`
 *    (rows, outcome; never the SQL) and `run.finished` (`answerQuery`: the caller's, after printing; `runQuery`:
 *    before it returns). A query that fails once its run is open is closed as failed or timed out before the error.
 *    Staged files are removed whatever happens.
 */
import { BadInputError } from '../../domain/errors';
import { checkReadOnlySql, sqlDigest } from '../../domain/query-guard';
import { QUERY_VIEW_NAMES, viewOfKind, type QueryViewName } from '../../domain/query-views';
import { RECORD_KINDS } from '../../domain/records';
import type { ObjectStore } from '../../store/ports';
import type { JobContext, ProgressSink } from '../context';
import { exportStoreOf } from '../export';
import { openQueryRun } from './audited-run';
import { QuerySession, type PurgeRow, type ResultTable } from './engine';
import { stagedPartFiles, type OpenedPartFiles, type PartFiles } from './files';
import { DEFAULT_QUERY_TIMEOUT_MS } from './limits';
import { EMPTY_PLAN, kindsRead, partKeysOf, planExports, viewStatements, type ExportPlan } from './plan';

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
  /** Where the export catalog (manifests, outlines) is read; default the vault (`ctx.objects`). */
  readonly catalog?: ObjectStore;
  readonly progress?: ProgressSink;
  /** What `checkQuerySql` answered for this very SQL just before (the CLI checks before it opens anything). */
  readonly checkedViews?: readonly QueryViewName[];
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

/** A query's answer, handed out once its evidence is stored; `close` writes how it ended (call it once printed). */
export interface AnsweredQuery {
  readonly answer: QueryAnswer;
  /** `query.run` (rows, outcome) and `run.finished` with the close seal, then the run item; once. */
  close(): Promise<void>;
}

/**
 * Run one read-only query over the current exports; see the steps above. The answer is returned once both the
 * result and the run's evidence (`run.started`) are stored; the close is the caller's to await after it has handed
 * the answer on (the CLI: after printing). A query that fails once its run is open is closed before the error.
 */
export async function answerQuery(ctx: JobContext, input: QueryInput, options: QueryOptions = {}): Promise<AnsweredQuery> {
  const timeoutMs = input.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const check = checkReadOnlySql(input.sql);
  const store = exportStoreOf(ctx);
  const progress = (phase: string, done: number, total?: number) => options.progress?.({ job: 'query', phase, done, ...(total !== undefined ? { total } : {}) });
  const digest = sqlDigest(ctx.hasher, input.sql);
  // The current export versions are found (reads only) while DuckDB starts on its own thread; the listing goes out
  // first, so that the audit's writes (below) queue behind it.
  const catalog = options.catalog ?? ctx.objects;
  const planning = planExports(exportStoreOf({ objects: catalog }), catalog);
  planning.catch(() => {});
  const starting = QuerySession.open();
  // Checked by the caller (the CLI, before it opened anything): the run is opened at once, while DuckDB works.
  const open = (views: readonly QueryViewName[]) => {
    // Runs others abandoned are closed after this one (best effort), so the answer does not wait for them.
    const opening = openQueryRun(ctx, { sqlDigest: digest, views, engine: 'duckdb' }, { repair: 'later' });
    opening.catch(() => {});
    return opening;
  };
  let opening = options.checkedViews ? open(options.checkedViews) : undefined;
  let session: QuerySession | undefined;
  let opened: OpenedPartFiles | undefined;
  try {
    let views: Set<QueryViewName>;
    try {
      session = await starting;
      // The caller's check parsed this very SQL already (DuckDB's statement type is checked again at prepare).
      views = options.checkedViews && check.ok ? new Set(options.checkedViews) : await session.viewsOf(input.sql, check.ok ? undefined : check.reason);
    } catch (error) {
      // Only when the caller's check let through what this one refuses: the opened run is closed as failed.
      if (opening) await (await opening).close({ outcome: 'failed', counts: { rows: 0 } });
      throw error;
    }
    const sql = check.ok ? check.sql : input.sql;
    const read = QUERY_VIEW_NAMES.filter((v) => views.has(v));
    // Bound first against empty views of the same columns, in a locked scratch session that can read no file: a
    // query that cannot bind is refused with nothing written.
    if (!opening) await checkQuerySql(input.sql);
    // The query is valid from here on: its run is opened with its evidence while the files are found and DuckDB works.
    const run = (opening ??= open(read));
    let result: ResultTable;
    let plan: ExportPlan;
    const kinds = kindsRead(views);
    try {
      progress('reading manifests', 0);
      plan = await planning;
      const keys = partKeysOf(plan, kinds);
      progress('opening export files', 0, keys.length);
      opened = await (options.files ?? stagedPartFiles(store)).open(keys, (done, total) => progress('opening export files', done, total));
      const purges = views.has('purges') ? await purgeRows(ctx) : [];
      await session.defineViews(viewStatements(plan, opened.paths, views), purges, [...new Set(opened.paths.values())]);
      const prepared = await session.prepare(sql);
      progress('running', 0);
      try {
        result = await session.run(prepared, timeoutMs);
      } finally {
        prepared.destroySync();
      }
    } catch (error) {
      const outcome = error instanceof BadInputError && error.message.startsWith('--timeout') ? 'timed-out' : 'failed';
      await (await run).close({ outcome, counts: { rows: 0 } });
      throw error;
    }
    // No answer before its evidence is stored (a failure here is thrown: the run stays open and is closed by the next).
    const audited = await run;
    const notes: string[] = [];
    for (const kind of RECORD_KINDS) {
      const view = viewOfKind(kind).name;
      if (views.has(view) && !plan.kinds.has(kind)) notes.push(`${view} is empty: no Parquet export of ${kind}s yet (steward export create --spec NAME)`);
    }
    if (plan.notParquet.length > 0 && kinds.some((kind) => !plan.kinds.has(kind))) notes.push(`not read (views read Parquet exports only): ${plan.notParquet.join(', ')}; export those specs as Parquet to query them`);
    const rows = result.rows.length;
    // The session is torn down after the answer (closing DuckDB costs tens of ms at 1M rows): with the close.
    const done = session;
    session = undefined;
    return {
      answer: {
        ...result,
        rowCount: rows,
        views: read,
        sqlDigest: digest,
        exports: kinds.flatMap((kind) => plan.kinds.get(kind)?.exports ?? []),
        notes,
        runId: audited.runId,
      },
      close: async () => {
        try {
          done.close();
        } finally {
          await audited.close({ outcome: 'ok', counts: { rows } });
        }
      },
    };
  } finally {
    try {
      await opened?.release();
    } finally {
      session?.close();
    }
  }
}

/** Run one read-only query and close its run: the answer once everything of it is stored. */
export async function runQuery(ctx: JobContext, input: QueryInput, options: QueryOptions = {}): Promise<QueryAnswer> {
  const { answer, close } = await answerQuery(ctx, input, options);
  await close();
  return answer;
}
