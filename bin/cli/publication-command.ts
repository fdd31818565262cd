/**
 * `steward publication add|list|show|done`: planned publications, their advance-notice duty, and the export
 * version frozen as each paper's dataset (lib/jobs/publications.ts). With `--local` on the embedded services; without,
 * through the deployed `publication` function (the member `--as` names acts; the function checks the role again).
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { PlannedDateSchema, PublicationIdSchema } from '../../lib/domain/publications';
import { addPublication, listPublications, markPublicationDone, publicationText, showPublication, type PublicationStanding } from '../../lib/jobs/publications';
import { action } from './action';
import { answerSchema } from './deployed';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { actingMember, onTarget } from './runtime';

const AddSchema = z
  .object({
    title: z.string({ message: 'is required: the working title of the paper' }).trim().min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' }),
    plannedDate: PlannedDateSchema,
    export: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}@v?\d{1,6}$/, { message: 'must be NAME@vN, an export version (steward export list shows them)' }).optional(),
  })
  .strict();

const StandingAnswer = answerSchema<PublicationStanding>({ publication: z.looseObject({ id: PublicationIdSchema, title: z.string(), noticeDueAt: z.string() }), noticeOverdue: z.boolean() });
type Listed = PublicationStanding['publication'];
const ListAnswer = answerSchema<{ publications: Listed[] }>({ publications: z.array(z.looseObject({ id: PublicationIdSchema })) });

const standingResult = (standing: PublicationStanding) => ({ exitCode: 0, json: standing, text: publicationText(standing) });

function listResult(all: readonly Listed[]) {
  const text =
    all.length === 0
      ? 'no publications planned (steward publication add --title T --planned-date D)'
      : all.map((p) => `${p.id}  ${p.plannedDate}  ${p.status.padEnd(7)}  notice by ${p.noticeDueAt.slice(0, 10)}  ${p.dataset ? `${p.dataset.export}@v${p.dataset.version}` : '-'}  "${p.title}"`).join('\n');
  return { exitCode: 0, json: { publications: all }, text };
}

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
              return standingResult(await showPublication(runtime.ctx, p.id));
            },
            deployed: async (stack, config) =>
              standingResult(await stack.invoke('publication', { action: 'add', ...input }, StandingAnswer, { as: actingMember(context.globals, config, 'publication.add').name })),
          },
          { act: 'publication.add' },
        );
      }),
    );
  publication
    .command('list')
    .description('planned and published papers, with their notice dates')
    .action(
      action(io, setExit, async (_raw: unknown, context) =>
        onTarget(context, {
          local: async (runtime) => listResult(await listPublications(runtime.ctx)),
          // Through the member's alias (the only way a member's role may invoke this function).
          deployed: async (stack, config) => listResult((await stack.invoke('publication', { action: 'list' }, ListAnswer, { as: actingMember(context.globals, config, 'read').name })).publications),
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
          local: async (runtime) => standingResult(await showPublication(runtime.ctx, checked)),
          deployed: async (stack, config) => standingResult(await stack.invoke('publication', { action: 'show', id: checked }, StandingAnswer, { as: actingMember(context.globals, config, 'read').name })),
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
              return standingResult(await showPublication(runtime.ctx, checked));
            },
            deployed: async (stack, config) =>
              standingResult(await stack.invoke('publication', { action: 'done', id: checked }, StandingAnswer, { as: actingMember(context.globals, config, 'publication.done').name })),
          },
          { act: 'publication.done' },
        );
      })(rawOptions, command),
    );
}
