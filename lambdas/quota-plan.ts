/**
 * Quota plan (on demand): what the active corpus needs from each source's daily API quota to stay fresh, and what
 * is left for collection, as `steward quota plan --json` prints it. Reads the due index; writes nothing.
 */
import * as z from 'zod';
import { quotaPlan } from '../lib/jobs/quota-plan';
import { deployment } from './shared/deployment';
import { jobHandler } from './shared/handler';
import { logger } from './shared/powertools';

export const QuotaPlanEventSchema = z.object({}).strict();

export const handler = jobHandler(QuotaPlanEventSchema, async () => {
  const { ctx } = await deployment();
  const plan = await quotaPlan(ctx);
  logger.info('quota plan computed', { sources: plan.sources.length });
  return plan;
});
