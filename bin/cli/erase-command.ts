/** `steward erase --user NAME | --video ID | --comment ID`: file an erasure request and carry it out. */
import type { Command } from 'commander';
import * as z from 'zod';
import { BadInputError } from '../../lib/domain/errors';
import { erase, parseErasureTarget, type EraseReport } from '../../lib/jobs/erase';
import { action } from './action';
import { countsText, jobProgress } from './job-progress';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { answerSchema } from './deployed';
import { actingMember, onTarget } from './runtime';

const EraseOptionsSchema = z.object({ user: z.string().optional(), video: z.string().optional(), comment: z.string().optional() });

const EraseAnswerSchema = answerSchema<EraseReport>({ runId: z.string(), kind: z.string(), recordHash: z.string(), purged: z.number() });

export function eraseText(r: EraseReport): string {
  return [
    `erasure ${r.runId}: ${r.kind} ${r.recordHash} (keyed hash)${r.wasStored ? '' : ' — not stored; tombstoned so it is never collected'}`,
    ...(r.recordKey ? [`  history    steward audit --record ${r.recordKey}`] : []),
    `  purged     ${r.purged} record(s), ${r.cascaded} by cascade, ${r.versionsRemoved} object version(s) removed${r.alreadyPurged ? `; ${r.alreadyPurged} purged before` : ''}`,
    `  by kind    ${countsText(r.byKind)}`,
  ].join('\n');
}

export function registerEraseCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('erase')
    .description('erase an account (with its videos and their comments), a video (with its comments) or a comment')
    .option('--user <name>', 'a TikTok username')
    .option('--video <id>', 'a video id')
    .option('--comment <id>', 'a comment id')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const options = parseOptions(EraseOptionsSchema, raw);
        const given = (['user', 'video', 'comment'] as const).filter((k) => options[k] !== undefined);
        if (given.length !== 1) {
          throw new BadInputError(`erase needs exactly one of --user NAME, --video ID, --comment ID (got ${given.length === 0 ? 'none' : given.map((k) => `--${k}`).join(' and ')})`);
        }
        // Checked before anything opens: a malformed name or id writes nothing.
        const target = parseErasureTarget({ [given[0]!]: options[given[0]!]! } as { user: string } | { video: string } | { comment: string });
        const present = (report: EraseReport) => ({ exitCode: 0, json: report, text: eraseText(report) });
        return onTarget(context, {
          local: async (runtime) => {
            const progress = jobProgress(io, context.globals.json, 'erase');
            try {
              return present(await erase(runtime.ctx, target, { progress: progress.sink }));
            } finally {
              progress.stop();
            }
          },
          // The erasure function files the request in the name of the member who acts (--as or STEWARD_RESEARCHER),
          // invoked through that member's alias (the function reads who acts from it).
          deployed: async (stack, config) => {
            const as = actingMember(context.globals, config, 'erase').name;
            return present(await stack.invoke('erase', { ...target, requestedBy: as }, EraseAnswerSchema, { as }));
          },
        }, { act: 'erase' });
      }),
    );
}
