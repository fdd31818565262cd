/** `steward refresh`: the refresh sweep over the due index (every shard, or some). */
import type { Command } from 'commander';
import * as z from 'zod';
import { IsoInstantSchema as isoTime } from '../../lib/domain/clock';
import { refresh, type RefreshReport } from '../../lib/jobs/refresh';
import { DUE_SHARDS } from '../../lib/store/tables';
import { action } from './action';
import { countsText, jobProgress } from './job-progress';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { BadInputError } from '../../lib/domain/errors';
import type { DeployedStack } from './deployed';
import { onTarget } from './runtime';


export const ShardsSchema = z
  .array(z.string().regex(/^\d+$/, { message: `a shard is a number 0..${DUE_SHARDS - 1}` }).transform(Number).pipe(z.number().int().min(0).max(DUE_SHARDS - 1, { message: `shards are 0..${DUE_SHARDS - 1}` })))
  .min(1)
  .optional();

const RefreshOptionsSchema = z.object({
  shard: ShardsSchema,
  maxRequests: z.string().regex(/^\d+$/, { message: 'must be a whole number of API requests' }).transform(Number).pipe(z.number().int().min(1)).optional(),
  deadline: isoTime.optional(),
  dueBefore: isoTime.optional(),
});

/** What one refresh worker answers (lambdas/refresh-shard.ts): counts for its shard, or that another worker has it. */
const ShardAnswerSchema = z.looseObject({
  shard: z.number(),
  round: z.number(),
  done: z.boolean(),
  leased: z.boolean().optional(),
  runId: z.string().optional(),
  stopped: z.string().optional(),
  due: z.number().default(0),
  unchanged: z.number().default(0),
  changed: z.number().default(0),
  validated: z.number().default(0),
  missed: z.number().default(0),
  failed: z.number().default(0),
  purged: z.number().default(0),
  cascaded: z.number().default(0),
  unprocessed: z.number().default(0),
  alongside: z.number().default(0),
});
type ShardAnswer = z.infer<typeof ShardAnswerSchema>;

/** A worker hands its shard on near its time limit; past this many hand-offs something is wrong (as in the state machine). */
const MAX_HAND_OFFS = 24;

/** Sweep some shards with the deployed workers, one after the other, following each shard's hand-offs. */
async function sweepShards(stack: DeployedStack, shards: readonly number[]): Promise<ShardAnswer[]> {
  const answers: ShardAnswer[] = [];
  for (const shard of shards) {
    for (let round = 0; ; round++) {
      const answer = await stack.invoke('refresh-shard', { shard, round }, ShardAnswerSchema);
      answers.push(answer);
      if (answer.done) break;
      if (round >= MAX_HAND_OFFS) throw new Error(`shard ${shard} was handed off ${MAX_HAND_OFFS} times; see the refresh-shard function's log`);
    }
  }
  return answers;
}

export function shardAnswersText(answers: readonly ShardAnswer[]): string {
  const lines = ['refresh (deployed workers)'];
  for (const a of answers) {
    if (a.leased) lines.push(`  shard ${a.shard}: being swept by another worker (the scheduled sweep); nothing done here`);
    else {
      lines.push(
        `  shard ${a.shard}${a.round ? ` (hand-off ${a.round})` : ''}: ${a.due} due, ${a.unchanged} unchanged, ${a.changed} changed, ${a.validated} still served, ` +
          `${a.missed} missed, ${a.failed} failed, ${a.purged} purged (+${a.cascaded} with them)` +
          (a.stopped === 'quota' ? `; stopped: daily quota exhausted, ${a.unprocessed} left for the next sweep` : '') +
          (a.stopped === 'deadline' ? `; handed on near the time limit, ${a.unprocessed} left` : ''),
      );
    }
  }
  return lines.join('\n');
}

export function refreshText(r: RefreshReport): string {
  const requests = Object.values(r.requests).reduce((a, b) => a + b, 0);
  const lines = [
    `refresh run ${r.runId} (${r.shards.length === DUE_SHARDS ? 'all shards' : `shards ${r.shards.join(', ')}`})`,
    `  due              ${r.due}`,
    `  unchanged        ${r.unchanged} (due date moved, no write)`,
    `  changed          ${r.changed} (object rewritten)`,
    ...(r.validated ? [`  still served     ${r.validated} (batch compliance)`] : []),
    `  missed           ${r.missed} (not returned, not yet confirmed)`,
    `  failed           ${r.failed}${r.failed ? ` (${countsText(r.failures)}; still due, retried next sweep)` : ''}`,
    `  purged           ${r.purged} confirmed unavailable, ${r.cascaded} with them${r.completedPending ? `, ${r.completedPending} pending purges completed` : ''}`,
    ...(r.held ? [`  held             ${r.held} (purge fuse tripped: not purged, waiting for the PI; see steward purge holds)`] : []),
    ...(r.skippedExpired ? [`  expired          ${r.skippedExpired} (left to steward expire)`] : []),
    ...(r.restamped ? [`  re-stamped       ${r.restamped} (policy change)`] : []),
    ...(r.alongside ? [`  alongside        ${r.alongside} comments not yet due, refreshed by their video's listing`] : []),
    `  API requests     ${requests}${Object.keys(r.requests).length > 1 ? ` (${countsText(r.requests)})` : ''}`,
  ];
  if (r.stopped === 'quota') lines.push(`  stopped: daily quota exhausted, resumes after ${r.resetsAt}; ${r.unprocessed} due records left for the next sweep`);
  if (r.stopped === 'deadline') lines.push(`  stopped at --deadline; ${r.unprocessed} due records left for the next sweep`);
  if (r.stopped === 'max-requests') lines.push(`  stopped at --max-requests; ${r.unprocessed} due records left for the next sweep`);
  return lines.join('\n');
}

export function registerRefreshCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('refresh')
    .description('refresh every due record before its deadline; purge what the platform confirms is gone')
    .option('--shard <n...>', `sweep only these due-index shards (0..${DUE_SHARDS - 1})`)
    .option('--max-requests <n>', 'spend at most this many API requests')
    .option('--deadline <iso>', 'start no new work after this time')
    .option('--due-before <iso>', 'refresh records due before this time (default: now)')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const { globals } = context;
        const options = parseOptions(RefreshOptionsSchema, raw);
        return onTarget(context, {
          local: async (runtime) => {
            const progress = jobProgress(io, globals.json, 'refresh');
            try {
              const report = await refresh(runtime.ctx, {
                clients: { research: runtime.research, commercial: runtime.commercial },
                progress: progress.sink,
                ...(options.shard ? { shards: options.shard } : {}),
                ...(options.maxRequests ? { maxRequests: options.maxRequests } : {}),
                ...(options.deadline ? { deadline: options.deadline } : {}),
                ...(options.dueBefore ? { dueBefore: options.dueBefore } : {}),
              });
              return { exitCode: 0, json: report, text: refreshText(report) };
            } finally {
              progress.stop();
            }
          },
          deployed: async (stack) => {
            const localOnly = (['maxRequests', 'deadline', 'dueBefore'] as const).filter((k) => options[k] !== undefined);
            if (localOnly.length > 0) {
              throw new BadInputError(
                `${localOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}: only for --local runs; deployed, each shard worker stops near its Lambda time limit and hands the rest on`,
              );
            }
            if (!options.shard) {
              const started = await stack.startRefreshSweep();
              return {
                exitCode: 0,
                json: { started: true, ...started },
                text: `refresh sweep started at ${started.startDate}: every shard, one worker each\n  follow it: aws stepfunctions describe-execution --execution-arn ${started.executionArn}`,
              };
            }
            const shards = await sweepShards(stack, [...new Set(options.shard)]);
            return { exitCode: 0, json: { shards }, text: shardAnswersText(shards) };
          },
        }, { act: 'refresh' });
      }),
    );
}
