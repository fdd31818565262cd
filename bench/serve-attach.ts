/**
 * A `--local` command attached to `steward serve` answers in under 2 s plus its own work: the wall time of
 * `steward --local --emulator quota plan` (a fresh process, the compiled CLI) while serve keeps the state dir's
 * services up, divided by (the command's own work + 2 s); the work is what the command itself reports with
 * STEWARD_TIMING=1 (the job, apart from starting and opening). <= 1 meets the target. The same command without serve
 * (starting DynamoDB Local and S3 itself) is measured beside it for comparison.
 *
 *   node --import tsx bench/serve-attach.ts      (alone; `npm run bench` runs it with the others)
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, MeasurementError, median, type BenchResult, type Benchmark } from './harness';

const ROOT = join(__dirname, '..');
const RUNS = 5;
const ALLOWANCE_MS = 2_000;
const NOW = '2026-03-01T10:00:00Z';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcher = require('../bin/launch.cjs') as { isFresh(root: string, name: string): boolean };

function ensureBuilt(): void {
  if (launcher.isFresh(ROOT, 'steward')) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new MeasurementError(`npm run build failed: ${build.stderr.slice(-2000)}`);
}

/** One fresh command: its wall time and the work it reports. */
function command(dir: string, args: readonly string[]): { wallMs: number; workMs: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, [join(ROOT, 'bin', 'steward.cjs'), '--config', 'c.json', '--local', '--emulator', '--state-dir', 'st', '--now', NOW, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, STEWARD_TIMING: '1' },
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0) throw new MeasurementError(`steward ${args.join(' ')} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  const work = /steward timing: work (\d+) ms/.exec(child.stderr);
  if (!work) throw new MeasurementError(`steward ${args.join(' ')} reported no timing: ${child.stderr.slice(-500)}`);
  return { wallMs, workMs: Number(work[1]) };
}

export const serveAttach: Benchmark = {
  name: 'serve-attach',
  async run(): Promise<BenchResult[]> {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'steward-serve-bench-'));
    copyFileSync(join(ROOT, 'examples', 'steward.config.json'), join(dir, 'c.json'));
    try {
      const server = spawn(process.execPath, [join(ROOT, 'bin', 'steward.cjs'), '--config', 'c.json', '--local', '--emulator', '--state-dir', 'st', '--now', NOW, 'serve'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let attached: { wallMs: number; workMs: number }[];
      try {
        await new Promise<void>((resolve, reject) => {
          let err = '';
          server.stderr.on('data', (chunk: Buffer) => {
            err += chunk.toString();
            if (err.includes('Press Ctrl-C to stop.')) resolve();
          });
          server.once('exit', (code) => reject(new MeasurementError(`serve exited early (${code}): ${err.slice(-2000)}`)));
        });
        command(dir, ['quota', 'plan']);
        attached = Array.from({ length: RUNS }, () => command(dir, ['quota', 'plan']));
      } finally {
        server.kill('SIGTERM');
        await new Promise((resolve) => (server.exitCode === null ? server.once('exit', resolve) : resolve(undefined)));
      }
      const alone = Array.from({ length: 2 }, () => command(dir, ['quota', 'plan']));
      const ratio = (runs: { wallMs: number; workMs: number }[]) => Number(median(runs.map((r) => r.wallMs / (r.workMs + ALLOWANCE_MS))).toFixed(2));
      const seconds = (runs: { wallMs: number }[]) => (median(runs.map((r) => r.wallMs)) / 1000).toFixed(2);
      return [
        {
          name: 'local_command_attached_s',
          value: ratio(attached),
          unit: 'x',
          target: 1,
          better: 'lower',
          note: `wall time of \`steward --local quota plan\` attached to \`steward serve\` / (its own work + 2 s), median of ${RUNS} (${seconds(attached)} s, work ${median(attached.map((r) => r.workMs)).toFixed(0)} ms)`,
        },
        {
          name: 'local_command_unattached_s',
          value: ratio(alone),
          unit: 'x',
          target: 10,
          better: 'lower',
          note: `the same without serve: the command starts DynamoDB Local and S3 itself (${seconds(alone)} s); for comparison`,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (require.main === module) {
  serveAttach.run().then(
    (results) => process.stdout.write(`${markdownTable(results)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
