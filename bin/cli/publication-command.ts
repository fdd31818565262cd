/**
 * `steward publication add|list|show|done`: planned publications, their advance-notice duty, and the export
 * version frozen as each paper's dataset (lib/jobs/publications.ts). Runs on the local services (`--local`).
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { PlannedDateSchema, PublicationIdSchema } from '../../lib/domain/publications';
import { addPublication, listPublications, markPublicationDone, publicationText, showPublication } from '../../lib/jobs/publications';
import { action } from './action';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { onTarget } from './runtime';

const AddSchema = z
  .object({
    title: z.string({ message: 'is required: the working title of the paper' }).trim().min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' }),
    plannedDate: PlannedDateSchema,
    export: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}@v?\d{1,6}$/, { message: 'must be NAME@vN, an export version (steward export list shows them)' }).optional(),
  })
  .strict();

function checkId(id: string): string {
  const parsed = PublicationIdSchema.safeParse(id);
  if (!parsed.success) throw new BadInputError(`ID: "${id}" ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export function registerPublicationCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const publication = program.command('publication').description('planned publications: advance notice to the platform, and the export version frozen as the paper\'s dataset');
  publication
    .command('add')
    .description('plan a publication: its notice to the platform becomes an obligation (steward calendar); --export freezes that export version as its dataset')
    .option('--title <title>', 'working title of the paper')
    .option('--planned-date <date>', 'planned publication date (YYYY-MM-DD)')
    .option('--export <name@vN>', 'the export version the paper uses')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(AddSchema, raw);
        const input = { title: options.title, plannedDate: options.plannedDate, ...(options.export ? { export: options.export.replace(/@(\d)/, '@v$1') } : {}) };
        return onTarget(
          context,
          {
            local: async (runtime) => {
              const p = await addPublication(runtime.ctx, input);
              const standing = await showPublication(runtime.ctx, p.id);
              return { exitCode: 0, json: standing, text: publicationText(standing) };
            },
          },
          { act: 'export' },
        );
      }),
    );
  publication
    .command('list')
    .description('planned and published papers, with their notice dates')
    .action(
      action(io, setExit, async (_raw: unknown, context) =>
        onTarget(context, {
          local: async (runtime) => {
            const all = await listPublications(runtime.ctx);
            const text = all.length === 0 ? 'no publications planned (steward publication add --title T --planned-date D)' : all.map((p) => `${p.id}  ${p.plannedDate}  ${p.status.padEnd(7)}  notice by ${p.noticeDueAt.slice(0, 10)}  ${p.dataset ? `${p.dataset.export}@v${p.dataset.version}` : '-'}  "${p.title}"`).join('\n');
            return { exitCode: 0, json: { publications: all }, text };
          },
        }),
      ),
    );
  publication
    .command('show <id>')
    .description('a publication: its notice, its dataset, and how many of its records were deleted since')
    .action((id: string, rawOptions: unknown, command: Command) =>
      action(io, setExit, async (_raw: unknown, context) => {
        const checked = checkId(id);
        return onTarget(context, {
          local: async (runtime) => {
            const standing = await showPublication(runtime.ctx, checked);
            return { exitCode: 0, json: standing, text: publicationText(standing) };
          },
        });
      })(rawOptions, command),
    );
  publication
    .command('done <id>')
    .description('mark a publication published: its notice is no longer an obligation')
    .action((id: string, rawOptions: unknown, command: Command) =>
      action(io, setExit, async (_raw: unknown, context) => {
        const checked = checkId(id);
        return onTarget(
          context,
          {
            local: async (runtime) => {
              await markPublicationDone(runtime.ctx, checked);
              const standing = await showPublication(runtime.ctx, checked);
              return { exitCode: 0, json: standing, text: publicationText(standing) };
            },
          },
          { act: 'export' },
        );
      })(rawOptions, command),
    );
}
