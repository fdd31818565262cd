/**
 * An audited query on an SQL engine (deployed: Athena, lib/store/athena-queries.ts): the SQL is checked by the
 * shared read-only guard before anything is written or run, the run is opened in the member's name (run item and
 * `run.started` with the SQL's keyed digest) before the engine sees the SQL, and `query.run` (digest, rows,
 * bytes scanned, how it ended) closes it (lib/jobs/query/audited-run.ts, shared with `steward query --local`). A run cut short (a crash, a timeout) is closed by the next run as
 * `run.interrupted`, so no query leaves no trace. Events hold the digest and counts, never the SQL or Athena's
 * message (either may quote literals such as usernames).
 */
import { BadInputError, StewardError } from '../../domain/errors';
import { checkReadOnlySql, sqlDigest, sqlTokens } from '../../domain/query-guard';
import { QUERY_VIEW_NAMES, type QueryViewName } from '../../domain/query-views';
import type { QueryOutcome, SqlEngine } from '../../store/athena-queries';
import type { JobContext } from '../context';
import { openQueryRun } from './audited-run';

/** The engine failed on its side (not the SQL's fault): retry later. */
export class QueryEngineError extends StewardError {}

export interface AuditedQueryInput {
  readonly sql: string;
  /** True once the caller must stop waiting (the engine then stops the query). */
  readonly deadline?: () => boolean;
  /** Which engine, for the audit event. @default 'athena' */
  readonly engine?: string;
  /** Views this engine has no source for, with what to do instead (deployed: `purges` lives in the audit log). */
  readonly unavailable?: Readonly<Partial<Record<QueryViewName, string>>>;
}

export interface AuditedQueryReport {
  readonly executionId: string;
  readonly rows: number;
  readonly bytesScanned: number;
  readonly engineMillis: number;
  readonly sqlDigest: string;
  /** The views the SQL names, sorted. */
  readonly views: readonly QueryViewName[];
  readonly runId: string;
}

/** Deployed (Athena), `purges` has no Parquet source: it is read from the audit log. */
export const ATHENA_UNAVAILABLE_VIEWS: Readonly<Partial<Record<QueryViewName, string>>> = {
  purges: 'the purges view is built from the audit log and is not served by Athena; run the query with --local, or list purges with steward audit --action record.purged --since YYYY-MM-DD',
};

/** How a query ended, in the words of `query.run` (the same as `steward query --local`'s). */
const OUTCOMES = { succeeded: 'ok', failed: 'failed', cancelled: 'cancelled', 'timed-out': 'timed-out' } as const;

/** The views `sql` names (as a word or a quoted identifier outside string literals), sorted. */
export function viewsNamed(sql: string): QueryViewName[] {
  const names = new Set(sqlTokens(sql).filter((t) => t.type === 'word' || t.type === 'quoted').map((t) => t.text.toLowerCase()));
  return QUERY_VIEW_NAMES.filter((v) => names.has(v));
}

/** The SQL as it will run and the views it names, or a BadInputError naming the problem; writes nothing. */
export function checkDeployedSql(sql: string, unavailable: AuditedQueryInput['unavailable'] = {}): { sql: string; views: QueryViewName[] } {
  const check = checkReadOnlySql(sql);
  if (!check.ok) throw new BadInputError(`SQL: ${check.reason}`);
  const views = viewsNamed(check.sql);
  for (const view of views) if (unavailable[view]) throw new BadInputError(`SQL: ${unavailable[view]}`);
  return { sql: check.sql, views };
}

/** Run `sql` on `engine` as `ctx.actor`, audited; a failed query is audited too, then thrown. */
export async function runAuditedQuery(ctx: JobContext, engine: SqlEngine, input: AuditedQueryInput): Promise<AuditedQueryReport> {
  const { sql, views } = checkDeployedSql(input.sql, input.unavailable);
  // The digest of the text as written, as `steward query --local` computes it.
  const digest = sqlDigest(ctx.hasher, input.sql);
  const engineName = input.engine ?? 'athena';
  // Evidence first: the run and run.started (digest, views, engine) are stored before the engine sees the SQL.
  const run = await openQueryRun(ctx, { sqlDigest: digest, views, engine: engineName });
  const { runId } = run;

  let outcome: QueryOutcome;
  try {
    outcome = await engine.run(sql, input.deadline ? { deadline: input.deadline } : {});
  } catch (error) {
    // The engine refused to start it (throttled, misconfigured): the run says so, without the engine's words.
    await run.close({ stopped: 'the query engine could not run the query' });
    throw new QueryEngineError(`the query engine could not run the query: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
  }

  // A Lambda may be frozen once it answers: deployed, the close is stored before the answer.
  await run.close({
    outcome: OUTCOMES[outcome.state],
    counts: { rows: outcome.rows, bytesScanned: outcome.bytesScanned, engineMillis: outcome.engineMillis },
    evidence: { executionId: outcome.executionId, ...(outcome.errorCategory ? { errorCategory: outcome.errorCategory } : {}) },
  });

  switch (outcome.state) {
    case 'succeeded':
      return { executionId: outcome.executionId, rows: outcome.rows, bytesScanned: outcome.bytesScanned, engineMillis: outcome.engineMillis, sqlDigest: digest, views, runId };
    case 'timed-out':
      throw new BadInputError('SQL: the query ran past the time limit and was stopped; narrow it (a WHERE on spec or create_time, fewer columns) or aggregate');
    case 'cancelled':
      throw new BadInputError(`SQL: ${engineName} cancelled the query${outcome.reason ? `: ${outcome.reason}` : ''}`);
    case 'failed':
      if (outcome.errorCategory === 'user' || outcome.errorCategory === undefined) throw new BadInputError(`SQL: ${engineName}: ${outcome.reason ?? 'the query failed'}`);
      throw new QueryEngineError(`${engineName} failed on its side (${outcome.errorCategory}): ${outcome.reason ?? 'no reason given'}; run the query again later`);
  }
}
