/**
 * The shape of every job handler: Powertools context and metrics around a function that receives the event
 * already parsed by its zod schema. An event that does not match fails with every problem named.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { formatIssues } from '../../lib/config/load';
import { BadInputError } from '../../lib/domain/errors';
import { DUE_SHARDS } from '../../lib/store/tables';
import { logger, metrics, tracer } from './powertools';

/** The part of the Lambda context handlers use. */
export interface LambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  /** The ARN the caller invoked, with its qualifier (a member alias names the member: ./member-identity.ts). */
  readonly invokedFunctionArn?: string;
  getRemainingTimeInMillis(): number;
}

/** What EventBridge Scheduler adds to every invocation (lib/infra/schedules.ts). */
export const schedulerFields = {
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  executionId: z.string().min(1).optional(),
};

/** What the sweeps that purge (purge, expire) take: some due-index shards only, or a dry run that counts. */
export const sweepFields = {
  /** Due-index shards to sweep; all when absent. */
  shards: z.array(z.int().min(0).max(DUE_SHARDS - 1)).min(1).optional(),
  /** Count what would go; change nothing. */
  dryRun: z.boolean().optional(),
};

/** Parse `event` with `schema`, or throw a BadInputError listing every problem with its JSON path. */
export function parseEvent<S extends z.ZodType>(schema: S, event: unknown): z.infer<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw new BadInputError('the event is invalid:', formatIssues(parsed.error.issues));
  return parsed.data;
}

/**
 * A Lambda handler for one job: parse, run, with logger context, a trace segment per invocation (X-Ray; no response
 * or error captured into it: answers may name records) and metrics flushed after every invocation.
 */
export function jobHandler<S extends z.ZodType, R>(schema: S, run: (event: z.infer<S>, context: LambdaContext) => Promise<R>) {
  return middy<unknown, R>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics())
    .handler(async (event: unknown, context: LambdaContext) => run(parseEvent(schema, event), context));
}

/**
 * Metrics as Powertools' logMetrics middleware sends them (the cold-start metric on the first invocation, the
 * invocation's metrics flushed after it, also on error), except that an invocation that added none publishes
 * nothing: jobs add metrics only when they have something to count, and Powertools warns "No application metrics
 * to publish" on every empty flush. Its other warnings (e.g. a metric added twice past the limit) still show.
 */
export function publishMetrics(): middy.MiddlewareObj<unknown, unknown, Error, LambdaContext> {
  const flush = (): void => {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
      return;
    }
    metrics.clearDimensions();
    metrics.clearMetadata();
  };
  return {
    before: (request) => metrics.captureColdStartMetric(request.context.functionName),
    after: flush,
    onError: flush,
  };
}
