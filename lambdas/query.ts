/**
 * Query handler: a member's SQL over the current exports, on Athena (`steward query "SQL"` without --local).
 *
 * The only way a member runs a query deployed: member roles may invoke this function and read the workgroup's
 * results, never start a query themselves. The function checks the SQL with the shared read-only guard (nothing
 * is written or run for a refused statement), runs it in the project workgroup (which enforces its result location
 * and encryption), writes `query.run` (actor, keyed SQL digest, rows returned) and answers the execution id and the
 * row count; the CLI then reads the results with the member's role.
 *
 * A refused or failed query is answered as `{ ok: false, error }`, not thrown: a thrown error's message lands in
 * the function's log, and Athena's message may quote the SQL's literals. Logs carry counts and states only.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { JOB_ENV } from '../lib/config/deployed';
import { BadInputError } from '../lib/domain/errors';
import type { JobContext } from '../lib/jobs/context';
import { QueryEngineError, runAuditedQuery } from '../lib/jobs/query/audited';
import { AthenaSqlEngine } from '../lib/store/athena-queries';
import { deployment } from './shared/deployment';
import { requireEnv } from './shared/env';
import { jobHandler } from './shared/handler';
import { logger, metrics } from './shared/powertools';

/** Stop waiting (and stop the query) this long before the function's own limit, to audit and answer. */
const STOP_BEFORE_LIMIT_MS = 20_000;

const workGroup = requireEnv(JOB_ENV.queryWorkGroup);
const database = requireEnv(JOB_ENV.queryDatabase);
const engine = new AthenaSqlEngine(new AthenaClient({}), { workGroup, database });

export const QueryEventSchema = z
  .object({
    sql: z.string().min(1, { message: 'write one SELECT over the views' }).max(100_000, { message: 'the SQL is too long (at most 100,000 characters)' }),
    member: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { message: 'name the lab member who asks (lowercase), e.g. "grace"' }),
  })
  .strict();
export type QueryEvent = z.infer<typeof QueryEventSchema>;

/** What the function answers: the execution to read results from, or why the query did not run to its end. */
export type QueryAnswer =
  | { readonly ok: true; readonly executionId: string; readonly rows: number; readonly bytesScanned: number; readonly engineMillis: number; readonly runId: string; readonly workGroup: string }
  | { readonly ok: false; readonly error: { readonly kind: 'bad-input' | 'engine'; readonly message: string } };

function asMember(ctx: JobContext, member: string): JobContext {
  if (!ctx.config.members.some((m) => m.name === member)) throw new BadInputError(`member: "${member}" is not a member of this project (members: ${ctx.config.members.map((m) => m.name).join(', ')})`);
  return { ...ctx, actor: { type: 'researcher', name: member } };
}

export const handler = jobHandler(QueryEventSchema, async (event, context): Promise<QueryAnswer> => {
  const { ctx } = await deployment();
  try {
    const acting = asMember(ctx, event.member);
    const report = await runAuditedQuery(acting, engine, { sql: event.sql, deadline: () => context.getRemainingTimeInMillis() < STOP_BEFORE_LIMIT_MS });
    metrics.addMetric('QueryRows', MetricUnit.Count, report.rows);
    metrics.addMetric('QueryBytesScanned', MetricUnit.Bytes, report.bytesScanned);
    logger.info('query answered', { runId: report.runId, executionId: report.executionId, rows: report.rows, bytesScanned: report.bytesScanned, member: event.member });
    return { ok: true, executionId: report.executionId, rows: report.rows, bytesScanned: report.bytesScanned, engineMillis: report.engineMillis, runId: report.runId, workGroup };
  } catch (error) {
    if (error instanceof BadInputError || error instanceof QueryEngineError) {
      const kind = error instanceof BadInputError ? 'bad-input' : 'engine';
      metrics.addMetric('QueryRefused', MetricUnit.Count, 1);
      logger.warn('query not answered', { kind, member: event.member });
      return { ok: false, error: { kind, message: error.message } };
    }
    throw error;
  }
});
