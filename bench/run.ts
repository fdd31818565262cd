/**
 * `npm run bench [-- NAME...]`: run every benchmark module in bench/ (every `*.ts` file except harness.ts, run.ts
 * and files starting with `_`; each exports one or more `Benchmark` objects), one after another, then print the
 * Markdown table and write bench/results.json and bench/results.md.
 *
 * NAMEs (module file names without `.ts`, or benchmark names) pick a subset.
 *
 * Exit code: 0 when every measurement was made, whether or not it meets its target (the table says which);
 * 1 when a benchmark failed to measure (an error, a wrong result, a duplicate figure name), after writing the
 * results of the others.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { markdownTable, meetsTarget, writeResults, type BenchResult, type Benchmark } from './harness';

// The SDK warns about Node 20 on every client load (toolchain notes, G3): noise in the bench output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const NOT_BENCHMARKS = new Set(['harness.ts', 'run.ts']);

function isBenchmark(value: unknown): value is Benchmark {
  const b = value as Partial<Benchmark> | null;
  return typeof b === 'object' && b !== null && typeof b.name === 'string' && typeof b.run === 'function';
}

/** Benchmark module files of `dir`, sorted by name. */
export function benchmarkModules(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_') && !NOT_BENCHMARKS.has(f))
    .sort();
}

function formatError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const only = new Set(process.argv.slice(2));
  const results: BenchResult[] = [];
  const failures: string[] = [];
  const started = performance.now();

  for (const file of benchmarkModules(__dirname)) {
    const moduleName = basename(file, '.ts');
    let benchmarks: Benchmark[];
    try {
      // CommonJS require: tsx compiles the module; its exports are the Benchmark objects.
      benchmarks = Object.values(require(join(__dirname, file)) as Record<string, unknown>).filter(isBenchmark);
    } catch (error) {
      failures.push(`${file}: could not be loaded`);
      process.stderr.write(`bench: ${file} could not be loaded:\n${formatError(error)}\n`);
      continue;
    }
    if (benchmarks.length === 0) {
      process.stderr.write(`bench: ${file} exports no Benchmark; skipped\n`);
      continue;
    }
    for (const benchmark of benchmarks) {
      if (only.size > 0 && !only.has(moduleName) && !only.has(benchmark.name)) continue;
      process.stderr.write(`bench: ${benchmark.name} (${file}) ...\n`);
      const t0 = performance.now();
      try {
        const figures = await benchmark.run();
        for (const figure of figures) {
          if (results.some((r) => r.name === figure.name)) throw new Error(`figure ${figure.name} is reported twice`);
          if (!Number.isFinite(figure.value)) throw new Error(`figure ${figure.name} is not a finite number (${figure.value})`);
          results.push(figure);
        }
        const summary = figures.map((f) => `${f.name}=${Number.isInteger(f.value) ? f.value : f.value.toPrecision(4)}${meetsTarget(f) ? '' : ' (target missed)'}`);
        process.stderr.write(`bench: ${benchmark.name} done in ${seconds(performance.now() - t0)}: ${summary.join(', ')}\n`);
      } catch (error) {
        failures.push(`${benchmark.name}: measurement failed`);
        process.stderr.write(`bench: ${benchmark.name} FAILED after ${seconds(performance.now() - t0)}:\n${formatError(error)}\n`);
      }
    }
  }

  if (only.size > 0 && results.length === 0 && failures.length === 0) {
    process.stderr.write(`bench: nothing matched ${[...only].join(', ')} (modules: ${benchmarkModules(__dirname).join(', ')})\n`);
    return 1;
  }
  const { json, md } = writeResults(__dirname, results);
  process.stdout.write(`${markdownTable(results)}\n\n`);
  for (const r of results) if (r.note) process.stdout.write(`- \`${r.name}\`: ${r.note}\n`);
  process.stdout.write(`\nWrote ${json} and ${md} in ${seconds(performance.now() - started)}.\n`);
  const missed = results.filter((r) => !meetsTarget(r)).map((r) => r.name);
  if (missed.length > 0) process.stdout.write(`Targets missed (reported, not a failure): ${missed.join(', ')}\n`);
  if (failures.length > 0) {
    process.stderr.write(`bench: ${failures.length} failed: ${failures.join('; ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${formatError(error)}\n`);
    process.exit(1);
  },
);
