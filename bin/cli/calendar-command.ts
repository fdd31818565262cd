/** `steward calendar [--days N] [--ics FILE]`: the lab's obligations per day; `--ics` writes them as an iCalendar file. */
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { calendarText, MAX_CALENDAR_DAYS, obligationsCalendar, type CalendarReport } from '../../lib/jobs/calendar';
import { calendarIcs } from '../../lib/jobs/calendar-ics';
import { action } from './action';
import { answerSchema } from './deployed';
import { parseOptions } from './options';
import type { CliIo, CommandResult } from './output';
import { onTarget } from './runtime';

const CalendarOptionsSchema = z
  .object({
    days: z.coerce
      .number({ message: 'must be a whole number of days' })
      .int({ message: 'must be a whole number of days' })
      .min(1, { message: 'must be at least 1' })
      .max(MAX_CALENDAR_DAYS, { message: `must be at most ${MAX_CALENDAR_DAYS}` })
      .default(30),
    ics: z.string().min(1).optional(),
  })
  .strict();

const CalendarAnswerSchema = answerSchema<CalendarReport>({ kind: z.literal('steward.calendar'), items: z.array(z.looseObject({ uid: z.string() })) });

/** The .ics goes into an existing directory and never over a directory: checked before anything opens. */
function checkIcsPath(file: string): void {
  const dir = dirname(resolve(file));
  const isDir = (p: string) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isDir(dir)) throw new BadInputError(`--ics: the directory ${dir} does not exist; create it or name a file in an existing one`);
  if (isDir(resolve(file))) throw new BadInputError(`--ics: ${file} is a directory; name a file such as ${file.replace(/\/$/, '')}/obligations.ics`);
}

async function present(calendar: CalendarReport, ics: string | undefined): Promise<CommandResult> {
  if (ics === undefined) return { exitCode: 0, json: calendar, text: calendarText(calendar) };
  await writeFile(ics, calendarIcs(calendar));
  return { exitCode: 0, json: { ...calendar, writtenTo: ics }, text: `${calendarText(calendar)}\n  ${calendar.items.length} event(s) written to ${ics} (iCalendar; import it again to update them)` };
}

export function registerCalendarCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('calendar')
    .description('obligations per day: refresh deadlines per source, expiries, open purge holds, pulled copies to replace, project end, content-key deletion')
    .option('--days <n>', 'days from today (default 30)')
    .option('--ics <file>', 'also write the obligations as an iCalendar (.ics) file')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(CalendarOptionsSchema, raw);
        if (options.ics !== undefined) checkIcsPath(options.ics);
        return onTarget(context, {
          local: async (runtime) => present(await obligationsCalendar(runtime.ctx, { days: options.days }), options.ics),
          deployed: async (stack) => present(await stack.invoke('calendar', { days: options.days }, CalendarAnswerSchema), options.ics),
        });
      }),
    );
}
