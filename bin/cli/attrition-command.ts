/** `steward report attrition [--spec NAME] [--csv]`: shares removed by reason and survival by age since posting. */
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { attritionCsv, attritionReport, attritionText, type AttritionReport } from '../../lib/jobs/attrition';
import { action } from './action';
import { answerSchema } from './deployed';
import { parseOptions } from './options';
import type { CommandResult } from './output';
import type { CliIo } from './output';
import { onTarget } from './runtime';

const AttritionOptionsSchema = z
  .object({
    spec: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'must be a spec name from the config (lowercase letters, digits, -)' }).optional(),
    csv: z.boolean().default(false),
  })
  .strict();

const AttritionAnswerSchema = answerSchema<AttritionReport>({ kind: z.literal('steward.attrition-report'), shares: z.array(z.looseObject({ spec: z.string() })) });

/** A spec the config names (checked before anything opens, so bad input writes nothing). */
function checkSpec(names: readonly string[], spec: string | undefined): void {
  if (spec !== undefined && !names.includes(spec)) throw new BadInputError(`--spec: no spec "${spec}" in the config; use one of: ${names.join(', ') || '(none)'}`);
}

function present(report: AttritionReport, csv: boolean): CommandResult {
  return { exitCode: 0, json: report, text: csv ? attritionCsv(report).trimEnd() : attritionText(report) };
}

export function registerAttritionCommand(report: Command, io: CliIo, setExit: (code: number) => void): void {
  report
    .command('attrition')
    .description('attrition of the sample: per spec and kind, the share of collected records removed by reason, and survival by age since posting (Kaplan-Meier); counts and ages only')
    .option('--spec <name>', 'one spec only')
    .option('--csv', 'print the shares as CSV', false)
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(AttritionOptionsSchema, raw);
        if (options.csv && context.globals.json) throw new BadInputError('--csv and --json: choose one output format');
        return onTarget(context, {
          local: async (runtime) => present(await attritionReport(runtime.ctx, options.spec !== undefined ? { spec: options.spec } : {}), options.csv),
          deployed: async (stack) => present(await stack.invoke('report', { attrition: options.spec !== undefined ? { spec: options.spec } : {} }, AttritionAnswerSchema), options.csv),
        }, { validate: (config) => checkSpec(config.specs.map((s) => s.name), options.spec) });
      }),
    );
}
