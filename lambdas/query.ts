/**
 * Query handler: a member's SQL over the current exports, on Athena (`steward query "SQL"` without --local).
 *
 * The only way a member runs a query deployed: member roles may invoke their own alias of this function
 * (`member-<name>`, which tells the function who asks: lambdas/shared/member-identity.ts) and read the workgroup's
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
import { ATHENA_UNAVAILABLE_VIEWS, QueryEngineError, runAuditedQuery } from '../lib/jobs/query/audited';
import { identifyMember } from './shared/member-identity';
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
    /** A claim only: who asks is the member whose alias was invoked (a name that disagrees is refused). */
    member: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { message: 'name the lab member who asks (lowercase), e.g. "grace"' }).optional(),
    /** Stop the query after this long (the function's own limit applies too). */
    timeoutSeconds: z.number().positive().max(3600).optional(),
  })
  .strict();
export type QueryEvent = z.infer<typeof QueryEventSchema>;

/** What the function answers: the execution to read results from, or why the query did not run to its end. */
export type QueryAnswer =
  | {
      readonly ok: true;
      readonly executionId: string;
      readonly rows: number;
      readonly bytesScanned: number;
      readonly engineMillis: number;
      readonly sqlDigest: string;
      readonly views: readonly string[];
      readonly runId: string;
      readonly workGroup: string;
    }
  | { readonly ok: false; readonly error: { readonly kind: 'bad-input' | 'engine'; readonly message: string } };

export const handler = jobHandler(QueryEventSchema, async (event, context): Promise<QueryAnswer> => {
  const { ctx } = await deployment();
  const started = Date.now();
  let member: string | undefined;
  try {
    // Who asks is the member whose alias was invoked (Lambda states it); the event's `member` is only a claim.
    member = identifyMember(context, ctx.config.members, { action: 'query', claimed: event.member }).name;
    const acting: JobContext = { ...ctx, actor: { type: 'researcher', name: member } };
    const timeoutMs = (event.timeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    const deadline = () => context.getRemainingTimeInMillis() < STOP_BEFORE_LIMIT_MS || Date.now() - started > timeoutMs;
    const report = await runAuditedQuery(acting, engine, { sql: event.sql, deadline, unavailable: ATHENA_UNAVAILABLE_VIEWS });
    metrics.addMetric('QueryRows', MetricUnit.Count, report.rows);
    metrics.addMetric('QueryBytesScanned', MetricUnit.Bytes, report.bytesScanned);
    logger.info('query answered', { runId: report.runId, executionId: report.executionId, rows: report.rows, bytesScanned: report.bytesScanned, member });
    return { ok: true, ...report, workGroup };
  } catch (error) {
    if (error instanceof BadInputError || error instanceof QueryEngineError) {
      const kind = error instanceof BadInputError ? 'bad-input' : 'engine';
      metrics.addMetric('QueryRefused', MetricUnit.Count, 1);
      logger.warn('query not answered', { kind, ...(member ? { member } : {}) });
      return { ok: false, error: { kind, message: error.message } };
    }
    throw error;
  }
});
