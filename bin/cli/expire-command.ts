/** `steward expire [--dry-run]`: purge what has reached the project end or a policy's maximum retention. */
import type { Command } from 'commander';
import * as z from 'zod';
import { expire, type ExpireReport } from '../../lib/jobs/expire';
import { ReportingKeyManager } from '../../lib/store/key-manager';
import { action } from './action';
import { countsText, jobProgress } from './job-progress';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { answerSchema } from './deployed';
import { onTarget } from './runtime';

const ExpireOptionsSchema = z.object({ dryRun: z.boolean().default(false) });

const ExpireAnswerSchema = answerSchema<ExpireReport>({ dryRun: z.boolean(), expired: z.number(), purged: z.number(), projectEnd: z.string() });

export function expireText(r: ExpireReport): string {
  const lines = [
    r.dryRun
      ? `expire --dry-run: ${r.expired} expired record(s); ${r.purged} would go (${r.cascaded} by cascade). Nothing was changed.`
      : `expire run ${r.runId}: ${r.expired} expired record(s); ${r.purged} purged (${r.cascaded} by cascade), ${r.versionsRemoved} object version(s) removed`,
    `  project end ${r.projectEnd}${r.projectEnded ? ' (passed: everything goes)' : ''}`,
    `  by kind     ${countsText(r.byKind)}`,
    `  by spec     ${countsText(r.bySpec)}`,
  ];
  if (r.remaining !== undefined) lines.push(`  remaining   ${r.remaining} active record(s)`);
  if (r.keyDeletion) lines.push(`  key         ${r.keyDeletion.scheduled ? 'deletion scheduled' : 'not scheduled'}: ${r.keyDeletion.detail}`);
  return lines.join('\n');
}

export function registerExpireCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('expire')
    .description('purge records past the project end date or a policy maximum retention; at project end, report crypto-shredding')
    .option('--dry-run', 'count what would go without touching anything', false)
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(ExpireOptionsSchema, raw);
        const present = (report: ExpireReport) => ({ exitCode: 0, json: report, text: expireText(report) });
        return onTarget(context, {
          local: async (runtime) => {
            const progress = jobProgress(io, context.globals.json, 'expire');
            try {
              return present(await expire(runtime.ctx, { dryRun: options.dryRun, keyManager: new ReportingKeyManager(), progress: progress.sink }));
            } finally {
              progress.stop();
            }
          },
          // Deployed, the expiry function schedules the content key's deletion itself once the project has ended.
          deployed: async (stack) => present(await stack.invoke('expire', { dryRun: options.dryRun }, ExpireAnswerSchema)),
        }, options.dryRun ? {} : { act: 'expire' });
      }),
    );
}
