/**
 * How fast `steward` starts: `steward --help` (bin/steward.cjs, as `npx steward` runs it) against `node -e 0`, fresh
 * processes, interleaved so drift of a shared machine affects both sides alike; the medians are compared. The
 * compiled CLI (dist/, built by `npm ci`) is built first when it is missing or stale, as `npm ci` would have.
 *
 *   node --import tsx bench/cli-start.ts      (alone; `npm run bench` runs it with the others)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { markdownTable, MeasurementError, median, type BenchResult, type Benchmark } from './harness';

const ROOT = join(__dirname, '..');
const RUNS = 11;
const TARGET = 4;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcher = require('../bin/launch.cjs') as { isFresh(root: string, name: string): boolean };

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Wall and CPU time (user + system, of the process and what it waited for) of one fresh process. */
function timed(args: readonly string[]): Run {
  // The child reports its own CPU time at exit on fd 3; wall time is measured around spawnSync.
  const preload = join(__dirname, '_cpu-at-exit.cjs');
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--require', preload, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, STEWARD_NO_DIST: '' },
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new MeasurementError(`node ${args.join(' ')} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const cpuMs = Number((child.output[3] as string | null) ?? Number.NaN);
  return { wallMs, cpuMs };
}

export const cliStart: Benchmark = {
  name: 'cli-start',
  async run(): Promise<BenchResult[]> {
    if (!launcher.isFresh(ROOT, 'steward')) {
      const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new MeasurementError(`npm run build failed: ${build.stderr.slice(-2000)}`);
      if (!launcher.isFresh(ROOT, 'steward')) throw new MeasurementError('dist/steward.cjs is still not fresh after the build');
    }
    const cli = [join(ROOT, 'bin', 'steward.cjs'), '--help'];
    const bare = ['-e', '0'];
    timed(cli);
    timed(bare);
    const node: Run[] = [];
    const steward: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(timed(bare));
      steward.push(timed(cli));
    }
    const ratio = (pick: (r: Run) => number) => Number((median(steward.map(pick)) / median(node.map(pick))).toFixed(2));
    return [
      {
        name: 'cli_help_start_vs_node',
        value: ratio((r) => r.wallMs),
        unit: 'x',
        target: TARGET,
        better: 'lower',
        note: `wall time of \`steward --help\` (compiled CLI) / \`node -e 0\`, medians of ${RUNS} interleaved fresh processes (${median(steward.map((r) => r.wallMs)).toFixed(0)} ms / ${median(node.map((r) => r.wallMs)).toFixed(0)} ms)`,
      },
      {
        name: 'cli_help_cpu_vs_node',
        value: ratio((r) => r.cpuMs),
        unit: 'x',
        target: TARGET,
        better: 'lower',
        note: 'the same in CPU time (user + system), which other load on a shared machine hardly changes',
      },
    ];
  },
};

if (require.main === module) {
  cliStart.run().then(
    (results) => process.stdout.write(`${markdownTable(results)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
