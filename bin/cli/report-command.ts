/** `steward report [--format md|html|json] [--out FILE]`: the compliance report; exit 1 if anything is overdue. */
import { holdText } from '../../lib/jobs/report/render';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import * as z from 'zod';
import { EXIT_OK, EXIT_VIOLATION } from '../../lib/domain/errors';
import type { JobContext, ProgressSink } from '../../lib/jobs/context';
import { complianceReport, type ComplianceReport } from '../../lib/jobs/report';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../lib/jobs/report/render';
import { action } from './action';
import { registerAttritionCommand } from './attrition-command';
import { OutFileSchema, parseOptions } from './options';
import type { CliIo, CommandResult } from './output';
import { answerSchema } from './deployed';
import { onTarget } from './runtime';
import { withJobProgress } from './job-progress';

const ReportOptionsSchema = z
  .object({
    format: z.enum(REPORT_FORMATS, { message: `must be one of ${REPORT_FORMATS.join(', ')}` }).default('md'),
    out: OutFileSchema.optional(),
  })
  .strict();

export function reportSummary(r: ComplianceReport): string {
  return [
    `report ${r.project.id} at ${r.generatedAt}: ${r.records.active} active, ${r.records.tombstoned} purged, ${r.records.pendingPurge} pending purge(s)`,
    `  refreshes ${r.refreshes.onTime} on time, ${r.refreshes.late} late; purges ${Object.entries(r.purges.byReason).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    r.badge ? `  ${r.badge.text}${r.pulledCopies?.overdue ? ` (${r.pulledCopies.overdue} overdue pulled cop(ies))` : ''}` : r.ok ? '  compliant: nothing is overdue' : `  NOT compliant: ${r.overdue.count} overdue obligation(s)${r.pulledCopies?.overdue ? `, ${r.pulledCopies.overdue} overdue pulled cop(ies)` : ''}`,
    ...(r.pulledCopies?.stale ?? []).map((line) => `  pulled copy: ${line}`),
    ...(r.holds ?? []).map((hold) => `  ${holdText(hold)}`),
  ].join('\n');
}

const ReportAnswerSchema = answerSchema<ComplianceReport>({ ok: z.boolean(), generatedAt: z.string(), project: z.looseObject({ id: z.string() }) });

/** The command's work on a job context (tests call this directly). */
export async function runReport(ctx: JobContext, options: { format: ReportFormat; out?: string }, progress?: ProgressSink): Promise<CommandResult> {
  return presentReport(await complianceReport(ctx, progress ? { progress } : {}), options);
}

/** Render a report as asked, to the terminal or to `--out`; exit 1 when anything is overdue. */
async function presentReport(report: ComplianceReport, options: { format: ReportFormat; out?: string }): Promise<CommandResult> {
  const rendered = renderReport(report, options.format);
  const exitCode = report.ok ? EXIT_OK : EXIT_VIOLATION;
  if (options.out) {
    await writeFile(options.out, rendered);
    return { exitCode, json: { ...report, writtenTo: options.out }, text: `${reportSummary(report)}\n  written to ${options.out} (${options.format})` };
  }
  return { exitCode, json: report, text: rendered };
}

export function registerReportCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const report = program
    .command('report')
    .description('compliance report: records by status, refreshes on time and late, purges by reason, obligations per day against the quota, overdue items (exit 1 if anything is overdue)')
    .option('--format <format>', `md, html (one self-contained file with charts) or json`, 'md')
    .option('--out <file>', 'write the report to this file (default: print it)')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(ReportOptionsSchema, raw);
        return onTarget(context, {
          local: (runtime) => withJobProgress(io, context.globals.json, 'report', (sink) => runReport(runtime.ctx, options, sink)),
          // The report function answers the JSON report; it is rendered here, so every format works deployed too.
          deployed: async (stack) => presentReport(await stack.invoke('report', {}, ReportAnswerSchema), options),
        });
      }),
    );
  registerAttritionCommand(report, io, setExit);
}
