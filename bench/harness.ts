/**
 * Benchmark plumbing: every figure is a ratio or a count measured in one run on the same machine (never a bare
 * wall-clock time, which is noise on shared machines). Results go to bench/results.json and bench/results.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number;
  readonly better: 'lower' | 'higher';
  /** How it was measured, in a few words. */
  readonly note?: string;
}

export interface Benchmark {
  readonly name: string;
  run(): Promise<BenchResult[]>;
}

export function meetsTarget(r: BenchResult): boolean {
  return r.better === 'lower' ? r.value <= r.target : r.value >= r.target;
}

export function markdownTable(results: readonly BenchResult[]): string {
  const rows = results.map(
    (r) => `| \`${r.name}\` | ${format(r.value)} ${r.unit} | ${r.better === 'lower' ? '<=' : '>='} ${format(r.target)} | ${meetsTarget(r) ? 'yes' : '**no**'} |`,
  );
  return ['| name | value | target | met |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function format(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toPrecision(4);
}

export function writeResults(dir: string, results: readonly BenchResult[]): { json: string; md: string } {
  const json = join(dir, 'results.json');
  const md = join(dir, 'results.md');
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(md, `# Benchmark results\n\nMeasured ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}.\n\n${markdownTable(results)}\n`);
  return { json, md };
}

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A failed measurement: the bench reports it and exits non-zero (a missed target only reports). */
export class MeasurementError extends Error {
  override readonly name = 'MeasurementError';
}
