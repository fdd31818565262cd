/** Global options shared by every command, parsed with zod at the edge. */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { IsoInstantSchema } from '../../lib/domain/clock';
import { BadInputError } from '../../lib/domain/errors';

export const GlobalOptionsSchema = z.object({
  config: z.string().min(1).default('steward.config.json'),
  local: z.boolean().default(false),
  /** With --local: the built-in TikTok API emulator instead of each source's baseUrl (synthetic data). */
  emulator: z.boolean().default(false),
  stateDir: z.string().min(1).default('.steward'),
  /** Without --local: the outputs of the deployed stack (`cdk deploy --outputs-file`). */
  outputs: z.string().min(1).default('steward.outputs.json'),
  now: IsoInstantSchema.optional(),
  json: z.boolean().default(false),
  /** Who acts: a member's name from the config (else STEWARD_RESEARCHER). */
  as: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { message: 'must be a member name from the config (lowercase letters, digits, -)' }).optional(),
});
export type GlobalOptions = z.infer<typeof GlobalOptionsSchema>;

/** A value as a POSIX shell reads it back: bare when safe, single-quoted otherwise. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** How to run steward again on the same target, for the commands the CLI prints (next page, later checks). */
export function cliPrefix(globals: GlobalOptions): string {
  const args = ['npx', 'steward'];
  if (globals.local) args.push('--local');
  if (globals.local && globals.emulator) args.push('--emulator');
  if (globals.config !== 'steward.config.json') args.push('--config', shellWord(globals.config));
  if (globals.local && globals.stateDir !== '.steward') args.push('--state-dir', shellWord(globals.stateDir));
  if (!globals.local && globals.outputs !== 'steward.outputs.json') args.push('--outputs', shellWord(globals.outputs));
  return args.join(' ');
}

/** Parse a command's options with `schema`; every problem names the `--option` and what to use instead. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    // An option's name only: the index of a repeated option's value is no option (--shard, not --shard --0).
    const name = issue.path
      .filter((p) => typeof p === 'string')
      .map((p) => `--${p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
      .join(' ');
    return `${name || 'options'}: ${issue.message}`;
  });
  throw new BadInputError('Invalid command-line options:', problems);
}

/**
 * A file the command will write (`--out`): its folder must exist and it must not be a folder itself, checked before
 * anything runs, so a typo is exit 2 naming the path instead of a raw error after the work is done.
 */
export const OutFileSchema = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    const folder = dirname(resolve(path));
    const kind = (p: string) => {
      try {
        return statSync(p).isDirectory() ? 'folder' : 'file';
      } catch {
        return undefined;
      }
    };
    const folderKind = kind(folder);
    if (folderKind === undefined) ctx.addIssue({ code: 'custom', message: `cannot write ${path}: the folder ${folder} does not exist (create it first, or choose a file in an existing folder)` });
    else if (folderKind !== 'folder') ctx.addIssue({ code: 'custom', message: `cannot write ${path}: ${folder} is a file, not a folder` });
    else if (kind(path) === 'folder') ctx.addIssue({ code: 'custom', message: `cannot write ${path}: it is a folder; name a file in it` });
  });
