/**
 * Progress of a long command on a terminal: the job's phase, records done (of the total and an ETA when the job
 * knows the total), its counts and the time elapsed, redrawn every second on stderr. Nothing when stderr is not a
 * terminal or with --json (logs, pipes and JSON stay clean). Every command gets it the same way:
 *
 *   const progress = jobProgress(io, globals.json, 'verify');
 *   try { return present(await verify(runtime.ctx, { progress: progress.sink })); } finally { progress.stop(); }
 *
 * or `withJobProgress(io, globals.json, 'verify', (sink) => verify(ctx, { progress: sink }))`.
 */
import { SingleBar } from 'cli-progress';
import type { ProgressEvent, ProgressSink } from '../../lib/jobs/context';
import type { CliIo } from './output';

export interface JobProgress {
  /** Pass to the job; undefined when nothing is shown. */
  readonly sink: ProgressSink | undefined;
  /** Clear the line (idempotent). */
  stop(): void;
}

/** Whether progress is drawn: stderr (where it goes) is a terminal, and the output is not JSON. */
export function showsProgress(io: CliIo, json: boolean): boolean {
  return !json && (io.stderrIsTty ?? io.isTty);
}

/** `1m 05s` */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** One line of progress (exported for tests): what the terminal shows for `event` after `elapsedMs`. */
export function progressLine(label: string, event: ProgressEvent | undefined, elapsedMs: number, barText?: string): string {
  const parts = [`${label}${event ? ` ${event.phase}` : ''}`];
  if (event) {
    if (event.total !== undefined && event.total > 0) {
      const share = Math.min(1, event.done / event.total);
      const eta = share > 0 && share < 1 ? `, ETA ${durationText((elapsedMs / share) * (1 - share))}` : '';
      parts.push(`${barText ? `${barText} ` : ''}${event.done}/${event.total} (${Math.floor(share * 100)}%${eta})`);
    } else if (event.done > 0) {
      parts.push(`${event.done} records`);
    }
    const counts = Object.entries(event.counts ?? {})
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    if (counts) parts.push(counts);
  }
  parts.push(durationText(elapsedMs));
  return parts.join(' | ');
}

export function jobProgress(io: CliIo, json: boolean, label: string): JobProgress {
  if (!showsProgress(io, json)) return { sink: undefined, stop: () => {} };
  const started = Date.now();
  let last: ProgressEvent | undefined;
  const bar = new SingleBar({
    format: (options, params) => {
      const known = last?.total !== undefined && last.total > 0;
      const width = options.barsize ?? 20;
      const filled = known ? Math.round(params.progress * width) : 0;
      const barText = known ? `${(options.barCompleteChar ?? '█').repeat(filled)}${(options.barIncompleteChar ?? '░').repeat(width - filled)}` : undefined;
      return progressLine(label, last, Date.now() - started, barText);
    },
    hideCursor: true,
    clearOnComplete: true,
    barsize: 20,
    // redraw at least every second, so the elapsed time moves while a phase reads
    fps: 1,
    etaBuffer: 1,
  });
  bar.start(1, 0);
  let stopped = false;
  return {
    sink: (event) => {
      last = event;
      const total = event.total !== undefined && event.total > 0 ? Math.max(event.total, event.done) : Math.max(1, event.done);
      bar.setTotal(total);
      bar.update(event.total !== undefined ? event.done : 0);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/** Run `work` with a progress line for `label`, cleared whatever happens. */
export async function withJobProgress<T>(io: CliIo, json: boolean, label: string, work: (sink: ProgressSink | undefined) => Promise<T>): Promise<T> {
  const progress = jobProgress(io, json, label);
  try {
    return await work(progress.sink);
  } finally {
    progress.stop();
  }
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
