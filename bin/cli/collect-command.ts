/** `steward collect`: run every due collection spec, or one. */
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import type { ProjectConfig } from '../../lib/config/schema';
import { BadInputError } from '../../lib/domain/errors';
import { collect, collectionRefusal, type CollectReport } from '../../lib/jobs/collect';
import type { ProgressSink } from '../../lib/jobs/context';
import { action } from './action';
import { parseOptions } from './options';
import type { CliIo } from './output';
import { answerSchema } from './deployed';
import { onTarget } from './runtime';

const CollectOptionsSchema = z.object({ spec: z.string().min(1).optional() });

/** What the collect function answers: the run and one report per spec. */
const CollectAnswerSchema = answerSchema<CollectReport>({
  runId: z.string(),
  specs: z.array(z.looseObject({ spec: z.string(), outcome: z.string(), newRecords: z.number(), requests: z.number() })),
  refused: z.string().optional(),
});

/** A progress bar on a terminal; nothing otherwise (logs and --json stay clean). */
export function terminalProgress(io: CliIo, json: boolean, label: string): { sink: ProgressSink | undefined; stop(): void } {
  if (!io.isTty || json) return { sink: undefined, stop: () => {} };
  const bar = new SingleBar({ format: `${label} {phase} | {value} pages | {new} new, {changed} changed`, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    sink: (event) => {
      if (!started) {
        bar.start(0, 0, { phase: event.phase, new: 0, changed: 0 });
        started = true;
      }
      bar.setTotal(Math.max(event.total ?? event.done, event.done));
      bar.update(event.done, { phase: event.phase, new: event.counts?.new ?? 0, changed: event.counts?.changed ?? 0 });
    },
    stop: () => started && bar.stop(),
  };
}

export function collectText(report: CollectReport): string {
  if (report.refused) return `collect refused (run ${report.runId}, audited as collect.refused): ${report.refused}`;
  const lines = [`collect run ${report.runId}`];
  for (const s of report.specs) {
    const detail =
      s.outcome === 'not-due'
        ? 'not due'
        : `${s.newRecords} new, ${s.changed} changed, ${s.unchanged} unchanged, ${s.pages} pages, ${s.requests} requests` +
          (s.skippedPurged ? `, ${s.skippedPurged} purged before (skipped)` : '') +
          (s.repaired ? `, ${s.repaired} repaired after a crash` : '') +
          (s.outcome === 'quota-exhausted' ? ` — stopped: daily quota exhausted, resumes after ${s.resetsAt}` : '') +
          (s.outcome === 'reserve-reached' ? ' — stopped: the rest of today\'s quota is reserved for refreshes' : '');
    lines.push(`  ${s.spec.padEnd(24)} ${detail}`);
  }
  return lines.join('\n');
}

export function registerCollectCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('collect')
    .description('run every due collection spec (or --spec NAME): store records, provenance, obligations, audit events')
    .option('--spec <name>', 'run only this spec, due or not')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        const { globals } = context;
        const options = parseOptions(CollectOptionsSchema, raw);
        const validate = (config: ProjectConfig) => {
          // After the project end nothing may be collected: refused before anything opens (locally and deployed).
          const refused = collectionRefusal({ config, clock: { now: () => globals.now ?? new Date() } });
          if (refused) throw new BadInputError(`collect: ${refused}`);
          if (options.spec && !config.specs.some((s) => s.name === options.spec)) {
            throw new BadInputError(`--spec: no spec named "${options.spec}" in ${globals.config}`, [
              `defined specs: ${config.specs.map((s) => s.name).join(', ') || 'none'}`,
            ]);
          }
        };
        const present = (report: CollectReport) => ({ exitCode: report.refused ? 2 : 0, json: report, text: collectText(report) });
        return onTarget(
          context,
          {
            local: async (runtime) => {
              const progress = terminalProgress(io, globals.json, 'collect');
              try {
                return present(await collect(runtime.ctx, { sourceFor: runtime.sourceFor, progress: progress.sink, ...(options.spec ? { specName: options.spec } : {}) }));
              } finally {
                progress.stop();
              }
            },
            deployed: async (stack) => present(await stack.invoke('collect', options.spec ? { spec: options.spec } : {}, CollectAnswerSchema)),
          },
          { validate, act: 'collect' },
        );
      }),
    );
}
