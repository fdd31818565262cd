/**
 * Audit query (on demand): one page of the answer to one question of the audit log, by record
 * (`PLATFORM:KIND:ID`, hashed here with the project key), action and time range, researcher, or run. The event has
 * the options of `steward audit`; events carry keyed hashes and counts, never content.
 */
import { auditQueryOf, AuditOptionsSchema, queryAudit } from '../lib/jobs/audit-query';
import { deployment } from './shared/deployment';
import { jobHandler } from './shared/handler';
import { logger } from './shared/powertools';

export const handler = jobHandler(AuditOptionsSchema, async (event) => {
  const { spec, page } = auditQueryOf(event);
  const { ctx } = await deployment();
  const result = await queryAudit(ctx, spec, page);
  logger.info('audit query answered', { by: spec.by, events: result.events.length, more: result.cursor !== undefined });
  return result;
});
