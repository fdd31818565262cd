/** `steward refresh`: the refresh sweep over the due index (every shard, or some). */
import type { Command } from 'commander';
import * as z from 'zod';
import { refresh, type RefreshReport } from '../../lib/jobs/refresh';
import { DUE_SHARDS } from '../../lib/store/tables';
import { action } from './action';
import { countsText, jobProgress } from './job-progress';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { withRuntime } from './runtime';

const isoTime = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), { message: 'must be an ISO 8601 time such as 2026-03-01T00:00:00Z' })
  .transform((s) => new Date(s));

export const ShardsSchema = z
  .array(z.string().regex(/^\d+$/, { message: `a shard is a number 0..${DUE_SHARDS - 1}` }).transform(Number).pipe(z.number().int().min(0).max(DUE_SHARDS - 1, { message: `shards are 0..${DUE_SHARDS - 1}` })))
  .min(1)
  .optional();

const RefreshOptionsSchema = z.object({
  shard: ShardsSchema,
  maxRequests: z.string().regex(/^\d+$/, { message: 'must be a whole number of API requests' }).transform(Number).pipe(z.number().int().min(1)).optional(),
  deadline: isoTime.optional(),
  dueBefore: isoTime.optional(),
});

export function refreshText(r: RefreshReport): string {
  const requests = Object.values(r.requests).reduce((a, b) => a + b, 0);
  const lines = [
    `refresh run ${r.runId} (${r.shards.length === DUE_SHARDS ? 'all shards' : `shards ${r.shards.join(', ')}`})`,
    `  due              ${r.due}`,
    `  unchanged        ${r.unchanged} (due date moved, no write)`,
    `  changed          ${r.changed} (object rewritten)`,
    ...(r.validated ? [`  still served     ${r.validated} (batch compliance)`] : []),
    `  missed           ${r.missed} (not returned, not yet confirmed)`,
    `  failed           ${r.failed}${r.failed ? ` (${countsText(r.failures)}; still due, retried next sweep)` : ''}`,
    `  purged           ${r.purged} confirmed unavailable, ${r.cascaded} with them${r.completedPending ? `, ${r.completedPending} pending purges completed` : ''}`,
    ...(r.skippedExpired ? [`  expired          ${r.skippedExpired} (left to steward expire)`] : []),
    ...(r.restamped ? [`  re-stamped       ${r.restamped} (policy change)`] : []),
    `  API requests     ${requests}${Object.keys(r.requests).length > 1 ? ` (${countsText(r.requests)})` : ''}`,
  ];
  if (r.stopped === 'quota') lines.push(`  stopped: daily quota exhausted, resumes after ${r.resetsAt}; ${r.unprocessed} due records left for the next sweep`);
  if (r.stopped === 'deadline') lines.push(`  stopped at --deadline; ${r.unprocessed} due records left for the next sweep`);
  if (r.stopped === 'max-requests') lines.push(`  stopped at --max-requests; ${r.unprocessed} due records left for the next sweep`);
  return lines.join('\n');
}

export function registerRefreshCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('refresh')
    .description('refresh every due record before its deadline; purge what the platform confirms is gone')
    .option('--shard <n...>', `sweep only these due-index shards (0..${DUE_SHARDS - 1})`)
    .option('--max-requests <n>', 'spend at most this many API requests')
    .option('--deadline <iso>', 'start no new work after this time')
    .option('--due-before <iso>', 'refresh records due before this time (default: now)')
    .action(
      action(io, setExit, async (raw: unknown, { globals }) => {
        const options = parseOptions(RefreshOptionsSchema, raw);
        return withRuntime(globals, async (runtime) => {
          const progress = jobProgress(io, globals.json, 'refresh');
          try {
            const report = await refresh(runtime.ctx, {
              clients: { research: runtime.research, commercial: runtime.commercial },
              progress: progress.sink,
              ...(options.shard ? { shards: options.shard } : {}),
              ...(options.maxRequests ? { maxRequests: options.maxRequests } : {}),
              ...(options.deadline ? { deadline: options.deadline } : {}),
              ...(options.dueBefore ? { dueBefore: options.dueBefore } : {}),
            });
            return { exitCode: 0, json: report, text: refreshText(report) };
          } finally {
            progress.stop();
          }
        });
      }),
    );
}
