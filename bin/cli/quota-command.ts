/** `steward quota plan`: what keeping every record fresh costs, and what is left for collection. */
import type { Command } from 'commander';
import { quotaPlan, type QuotaPlanReport } from '../../lib/jobs/quota-plan';
import { action } from './action';
import { countsText } from './job-progress';
import type { CliIo } from './output';
import * as z from 'zod';
import { answerSchema } from './deployed';
import { onTarget } from './runtime';

const QuotaPlanAnswerSchema = answerSchema<QuotaPlanReport>({ at: z.string(), sources: z.array(z.looseObject({ source: z.string() })) });

export function quotaPlanText(r: QuotaPlanReport): string {
  const lines = [`quota plan at ${r.at} (project ends ${r.projectEnd})`];
  for (const s of r.sources) {
    lines.push(
      `  ${s.source} (${s.policyId} v${s.policyVersion}: refresh within ${s.refreshWithinDays} days by ${s.refreshBy})`,
      `    active records               ${s.activeRecords} (${countsText(s.activeByKind)})`,
      `    requests/day to stay fresh   ${s.requestsPerDayNeeded} of ${s.dailyRequests}`,
      `    needed today                 ${s.requestsNeededToday} (used today: ${s.usedToday})`,
      `    headroom for collection      ${s.headroomForCollection} requests/day`,
      `    largest compliant corpus     ${s.maxCompliantRecords} ${s.policyId === 'tiktok-commercial' ? 'ads' : 'videos'} (${s.maxCompliantCorpusAtMix} at today's mix)`,
      `    net growth                   ${s.growthPerDay} records/day`,
      `    first missed deadline        ${s.firstMissedDeadline ?? 'none before the project ends'}${s.overdue ? ` (${s.overdue} overdue now)` : ''}`,
    );
    for (const spec of s.specs ?? []) lines.push(`    spec ${spec.spec.padEnd(24)} ${spec.records} records, ${spec.requestsPerDay} requests/day`);
    const u = s.unsustainable;
    if (u) {
      lines.push(
        `    UNSUSTAINABLE: ${s.requestsPerDayNeeded} requests/day needed, ${u.overBy} over the quota of ${s.dailyRequests};` +
          ` spec ${u.spec} costs most (${u.specRequestsPerDay}/day): keep at most ${u.specRecordsThatFit} of its records, or raise the quota`,
      );
    }
  }
  return lines.join('\n');
}

export function registerQuotaCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const quota = program.command('quota').description('compliance-first quota planning');
  quota
    .command('plan')
    .description('requests/day to keep every record fresh, headroom for collection, largest compliant corpus, first missed deadline')
    .action(
      action(io, setExit, async (_raw: unknown, context) => {
        const present = (report: QuotaPlanReport) => ({ exitCode: 0, json: report, text: quotaPlanText(report) });
        return onTarget(context, {
          local: async (runtime) => present(await quotaPlan(runtime.ctx)),
          deployed: async (stack) => present(await stack.invoke('quota-plan', {}, QuotaPlanAnswerSchema)),
        });
      }),
    );
}
