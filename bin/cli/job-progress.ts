/** A progress bar for the compliance jobs on a terminal; nothing otherwise (logs and --json stay clean). */
import { SingleBar } from 'cli-progress';
import type { ProgressSink } from '../../lib/jobs/context';
import type { CliIo } from './output';

export function jobProgress(io: CliIo, json: boolean, label: string): { sink: ProgressSink | undefined; stop(): void } {
  if (!io.isTty || json) return { sink: undefined, stop: () => {} };
  const bar = new SingleBar({ format: `${label} {phase} | {value} records | {counts}`, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    sink: (event) => {
      const counts = Object.entries(event.counts ?? {})
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      if (!started) {
        bar.start(0, 0, { phase: event.phase, counts });
        started = true;
      }
      bar.setTotal(Math.max(event.total ?? event.done, event.done));
      bar.update(event.done, { phase: event.phase, counts });
    },
    stop: () => started && bar.stop(),
  };
}

/** `a 3, b 1` from counts, largest first; `none` when empty. */
export function countsText(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}
