/** `steward purge [--dry-run]`: complete the purges that were decided and left pending. */
import type { Command } from 'commander';
import * as z from 'zod';
import { purge, type PurgeJobReport } from '../../lib/jobs/purge';
import { action } from './action';
import { countsText, jobProgress } from './job-progress';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { ShardsSchema } from './refresh-command';
import { answerSchema } from './deployed';
import { registerHoldCommands } from './holds-command';
import { onTarget } from './runtime';

const PurgeOptionsSchema = z.object({ dryRun: z.boolean().default(false), shard: ShardsSchema });

const PurgeAnswerSchema = answerSchema<PurgeJobReport>({ dryRun: z.boolean(), pending: z.number(), purged: z.number(), cascaded: z.number() });

export function purgeText(r: PurgeJobReport): string {
  const head = r.dryRun
    ? `purge --dry-run: ${r.pending} pending purge(s); ${r.purged} record(s) would go (${r.cascaded} by cascade). Nothing was changed.`
    : `purge run ${r.runId}: ${r.pending} pending purge(s) completed; ${r.purged} record(s) purged (${r.cascaded} by cascade), ${r.versionsRemoved} object version(s) removed` +
      (r.exportsRepaired ? `; ${r.exportsRepaired} export(s) still holding purged records rebuilt` : '') +
      (r.exportFilesLeftDeleted ? `; ${r.exportFilesLeftDeleted} leftover export file(s) deleted` : '');
  return [head, `  by reason  ${countsText(r.byReason)}`, `  by kind    ${countsText(r.byKind)}`, `  by spec    ${countsText(r.bySpec)}`].join('\n');
}

export function registerPurgeCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const command = program
    .command('purge')
    .description('complete pending purges (object versions, cascades, tombstones, audit events); --dry-run only counts')
    .option('--dry-run', 'show what would go, by reason, spec and kind, without touching anything', false)
    .option('--shard <n...>', 'sweep only these due-index shards')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(PurgeOptionsSchema, raw);
        const shards = options.shard ? { shards: options.shard } : {};
        const present = (report: PurgeJobReport) => ({ exitCode: 0, json: report, text: purgeText(report) });
        return onTarget(context, {
          local: async (runtime) => {
            const progress = jobProgress(io, context.globals.json, 'purge');
            try {
              return present(await purge(runtime.ctx, { dryRun: options.dryRun, progress: progress.sink, ...shards }));
            } finally {
              progress.stop();
            }
          },
          deployed: async (stack) => present(await stack.invoke('purge', { dryRun: options.dryRun, ...shards }, PurgeAnswerSchema)),
        }, options.dryRun ? {} : { act: 'purge' });
      }),
    );
  registerHoldCommands(command, io, setExit);
}
