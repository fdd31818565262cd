/**
 * Export handler: analysis datasets in the vault's `exports/` prefix (lib/jobs/export).
 *
 * - `create` (a member, or a schedule for a standing export), `list`, `show`, `release`: as `steward export ...`.
 * - `pull`: records the copy as held by the member (`export.pulled`) and answers the manifest with the part keys;
 *   the CLI then reads the parts with the member's role, which may read `exports/` and never `records/`.
 * - `rebuild`: invoked by the jobs that purge (purge, refresh-shard, expire, erase) with the keys they purged: every
 *   export holding one is rebuilt without it. This function reads record objects; the purgers never do.
 * - `reconcile`: invoked by the hourly purge: every export that still holds a tombstoned record (a purge died
 *   before its rebuild) is rebuilt without it.
 *
 * Who acts comes from the member alias invoked (lambdas/shared/member-identity.ts): pull and release need one, a
 * create through none is a schedule's standing export, a rebuild through one is refused; an event's `member` is only
 * a claim, refused when it disagrees.
 *
 * Logs counts and export names only (spec names, versions, copy ids), never content or record ids.
 */
import { randomBytes } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { EXPORT_FORMATS } from '../lib/domain/exports';
import { parseRecordKey } from '../lib/domain/records';
import {
  checkRelease,
  createExport,
  exportStoreOf,
  listExports,
  rebuildExportsWithout,
  reconcileWith,
  recordPull,
  releaseCopy,
  resolveExport,
  showExport,
} from '../lib/jobs/export';
import type { JobContext, RebuildReport } from '../lib/jobs/context';
import type { AuditChainWriter } from '../lib/store/ports';
import { startRun } from '../lib/jobs/runs';
import { deployment } from './shared/deployment';
import { jobHandler, schedulerFields } from './shared/handler';
import { identifyMember, memberIfAny, refuseMemberAlias } from './shared/member-identity';
import { logger, metrics } from './shared/powertools';

const Member = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { message: 'name the lab member who acts (lowercase), e.g. "grace"' });
const Name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}(@v\d{1,6})?$/, { message: 'an export name (a spec name), optionally NAME@vN' });
const Format = z.enum(EXPORT_FORMATS);

export const ExportEventSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('create'),
      spec: z.string().min(1),
      format: Format.optional(),
      fields: z.array(z.string().min(1)).min(1).optional(),
      /** A claim checked against the member alias invoked; absent for a scheduled (standing) export. */
      member: Member.optional(),
      ...schedulerFields,
    })
    .strict(),
  z.object({ action: z.literal('list') }).strict(),
  z.object({ action: z.literal('show'), name: Name }).strict(),
  /** `member`: a claim, checked against the member alias invoked (which decides who acts). */
  z.object({ action: z.literal('pull'), name: Name, format: Format.optional(), member: Member.optional() }).strict(),
  z.object({ action: z.literal('release'), name: Name, copy: z.string().regex(/^[a-z0-9-]{1,64}$/), member: Member.optional() }).strict(),
  z
    .object({
      action: z.literal('rebuild'),
      keys: z.array(z.string().refine((k) => { try { parseRecordKey(k); return true; } catch { return false; } }, { message: 'a record key PLATFORM:KIND:ID' })).min(1).max(20_000),
      /** The purge run whose records these are. */
      purgeRunId: z.string().min(1).max(64),
    })
    .strict(),
  /** The hourly purge's: rebuild every export that still holds a tombstoned record (lib/jobs/export/reconcile.ts). */
  z.object({ action: z.literal('reconcile'), purgeRunId: z.string().min(1).max(64) }).strict(),
]);
export type ExportEvent = z.infer<typeof ExportEventSchema>;

/** The context of a member's request: the member (identified by the alias invoked) acts. */
function asMember(ctx: JobContext, member: { readonly name: string }): JobContext {
  return { ...ctx, actor: { type: 'researcher', name: member.name } };
}

export const handler = jobHandler(ExportEventSchema, async (event, context) => {
  const { ctx } = await deployment();
  const store = exportStoreOf(ctx);
  const members = ctx.config.members;
  switch (event.action) {
    case 'create': {
      const member = memberIfAny(context, members, { action: 'export', claimed: event.member });
      const acting = member ? asMember(ctx, member) : ctx;
      const summary = await createExport(acting, store, { spec: event.spec, ...(event.format ? { format: event.format } : {}), ...(event.fields ? { fields: event.fields } : {}) });
      metrics.addMetric('ExportRows', MetricUnit.Count, summary.rows);
      logger.info('export created', { name: summary.name, format: summary.format, version: summary.version, rows: summary.rows, parts: summary.parts, runId: summary.runId });
      return summary;
    }
    case 'list':
      return listExports(ctx, store);
    case 'show':
      return showExport(ctx, store, event.name.replace(/@v\d+$/, ''));
    case 'pull': {
      const member = identifyMember(context, members, { action: 'export', claimed: event.member });
      const acting = asMember(ctx, member);
      const manifest = await resolveExport(store, event.name, event.format);
      const pulled = await recordPull(acting, store, manifest);
      logger.info('export pulled', { name: manifest.name, format: manifest.format, version: manifest.version, copyId: pulled.copyId, member: member.name, rows: manifest.rowCount });
      return { copyId: pulled.copyId, runId: pulled.runId, manifest };
    }
    case 'release': {
      const acting = asMember(ctx, identifyMember(context, members, { action: 'export', claimed: event.member }));
      await checkRelease(acting, store, event.name, event.copy);
      const report = await releaseCopy(acting, store, event.name, event.copy);
      logger.info('export copy released', { name: report.name, version: report.version, copyId: report.copyId, member: report.member });
      return report;
    }
    case 'rebuild': {
      refuseMemberAlias(context, 'an export rebuild');
      const keys = new Set(event.keys);
      const report = await inRebuildRun(ctx, event.purgeRunId, (chain, runId) => rebuildExportsWithout(ctx, store, keys, chain, { runId }), { keys: event.keys.length });
      logger.info('exports rebuilt', { purgeRunId: event.purgeRunId, ...report, keys: event.keys.length });
      return report;
    }
    case 'reconcile': {
      refuseMemberAlias(context, 'an export reconciliation');
      // A run (and its audit events) only when some export holds a purged record.
      const report = await reconcileWith(ctx, store, (keys) => inRebuildRun(ctx, event.purgeRunId, (chain, runId) => rebuildExportsWithout(ctx, store, keys, chain, { runId })));
      logger.info('exports reconciled', { purgeRunId: event.purgeRunId, ...report });
      return report;
    }
  }
});

/**
 * Rebuild exports in a run of their own, named after the purge run they serve (their events name that run as their
 * cause).
 */
async function inRebuildRun<R extends RebuildReport>(ctx: JobContext, purgeRunId: string, work: (chain: AuditChainWriter, runId: string) => Promise<R>, extra: Record<string, number> = {}): Promise<R> {
  const at = ctx.clock.now().toISOString();
  const runId = `${purgeRunId.slice(0, 40)}-exports-${randomBytes(3).toString('hex')}`;
  const chain = await startRun(ctx, 'export-rebuild', runId, at);
  await chain.append([{ at, action: 'run.started', actor: ctx.actor, runId, evidence: { purgeRun: purgeRunId } }]);
  const report = await work(chain, runId);
  const counts = { ...report, ...extra };
  const finishedAt = ctx.clock.now().toISOString();
  await chain.append([{ at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts }]);
  await ctx.ledger.putRun({ runId, job: 'export-rebuild', startedAt: at, finishedAt, actor: ctx.actor.name, status: 'finished', counts });
  metrics.addMetric('ExportRowsRemoved', MetricUnit.Count, report.rowsRemoved);
  return report;
}
