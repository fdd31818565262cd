/**
 * Lambda bundles: the minified size of each job's bundle (built with the stack's esbuild options and the example
 * config inlined, as `cdk synth` builds it) and the CPU time a fresh Node.js process needs to start and load it, as a
 * ratio to a fresh process loading an empty module. The ratio is what the bundle adds to a cold start; both sides
 * are measured in one run on one machine, so it does not depend on how fast the machine is.
 *
 *   node --import tsx bench/lambda-bundles.ts      (alone; `npm run bench` runs it with the others)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, stop as stopEsbuild } from 'esbuild';
import { JOB_ENV, functionEnvOf } from '../lib/config/deployed';
import { parseProjectConfig } from '../lib/config/load';
import { parseJson } from '../lib/domain/json';
import { BUNDLE_OPTIONS, CONFIG_DEFINE, JOB_RUNTIME, LAMBDAS_DIR } from '../lib/infra/job-function';
import { JOB_NAMES } from '../lib/infra/jobs';
import { markdownTable, type BenchResult, type Benchmark } from './harness';

const ROOT = join(__dirname, '..');
/** Fresh processes per measurement; the medians are compared. */
const RUNS = 9;
const MAX_BYTES = 1_000_000;
/** A bundle may at most triple the time Node.js needs to start and load a module. */
const MAX_LOAD_RATIO = 3;

/** Environment a handler reads at import (values are never used: nothing is invoked). */
const HANDLER_ENV = {
  [JOB_ENV.job]: 'bench',
  [JOB_ENV.bucket]: 'bench-bucket',
  [JOB_ENV.ledgerTable]: 'steward-bench-ledger',
  [JOB_ENV.auditTable]: 'steward-bench-audit',
  [JOB_ENV.contentKeyArn]: 'arn:aws:kms:us-east-1:123456789012:key/bench',
  [JOB_ENV.hashKeySecretArn]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
  [JOB_ENV.sourceSecretArns]: '{}',
  [functionEnvOf('purge')]: 'bench-purge',
  [JOB_ENV.queryWorkGroup]: 'steward-bench',
  [JOB_ENV.queryDatabase]: 'steward_bench',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Build one job's bundle exactly as the stack does; returns the path of the .js file. */
async function bundle(job: string, outdir: string, configJson: string): Promise<string> {
  const outfile = join(outdir, job, 'index.js');
  const result = await build({
    entryPoints: [join(LAMBDAS_DIR, `${job}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: JOB_RUNTIME.name.replace('nodejs', 'node').replace('.x', ''),
    minify: BUNDLE_OPTIONS.minify,
    keepNames: BUNDLE_OPTIONS.keepNames,
    sourcemap: BUNDLE_OPTIONS.sourceMap,
    sourcesContent: BUNDLE_OPTIONS.sourcesContent,
    format: 'cjs',
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    external: [...BUNDLE_OPTIONS.externalModules],
    define: { [CONFIG_DEFINE]: JSON.stringify(configJson) },
    logLevel: 'error',
    metafile: true,
  });
  // The report's charts (ECharts) are drawn by the CLI only: no job's bundle may carry the library.
  const charts = Object.keys(result.metafile.inputs).find((input) => /node_modules\/(echarts|zrender)\//.test(input));
  if (charts) throw new Error(`the ${job} bundle holds ${charts}: the report's chart library belongs to the CLI only`);
  return outfile;
}

/**
 * CPU time (user + system, ms) a fresh `node` spends to start and require `file`. CPU time rather than wall time:
 * other work on a shared machine delays a process but hardly changes the CPU it needs.
 */
function freshLoadCpuMs(file: string): number {
  const script = `require(${JSON.stringify(file)}); const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000));`;
  // Powertools is left out of the bundles (the Powertools layer provides it deployed): load it from node_modules,
  // as Lambda loads it from the layer's /opt/nodejs/node_modules.
  const env = { ...process.env, ...HANDLER_ENV, NODE_PATH: join(ROOT, 'node_modules') };
  const child = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`loading ${file} failed: ${child.stderr.slice(-2000)}`);
  return Number(child.stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const lambdaBundles: Benchmark = {
  name: 'lambda-bundles',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'steward-bundles-'));
    try {
      const config = parseProjectConfig(parseJson(readFileSync(join(ROOT, 'examples', 'steward.config.json'), 'utf8')), 'examples/steward.config.json');
      const empty = join(dir, 'empty.js');
      writeFileSync(empty, '');
      const bundles = await Promise.all(JOB_NAMES.map(async (job) => ({ job, file: await bundle(job, dir, JSON.stringify(config)) })));
      // esbuild's service process (GBs of memory after 14 builds) would otherwise live on beside the benchmarks
      // that run after this one, in the same `npm run bench`.
      await stopEsbuild();

      const results: BenchResult[] = [];
      const sizes = bundles.map(({ job, file }) => ({ job, bytes: statSync(file).size }));
      const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      results.push({
        name: 'lambda_bundle_max_bytes',
        value: largest.bytes,
        unit: 'bytes',
        target: MAX_BYTES,
        better: 'lower',
        note: `largest minified bundle (${largest.job}); AWS SDK bundled, Powertools from its layer, config inlined`,
      });
      for (const { job, bytes } of sizes) {
        results.push({ name: `lambda_bundle_bytes_${job}`, value: bytes, unit: 'bytes', target: MAX_BYTES, better: 'lower', note: 'minified, without the source map' });
      }
      for (const { job, file } of bundles) {
        // Interleaved, so drift of the machine affects both sides alike.
        const loaded: number[] = [];
        const bare: number[] = [];
        freshLoadCpuMs(file);
        for (let i = 0; i < RUNS; i++) {
          bare.push(freshLoadCpuMs(empty));
          loaded.push(freshLoadCpuMs(file));
        }
        results.push({
          name: `lambda_bundle_load_ratio_${job}`,
          value: Number((median(loaded) / median(bare)).toFixed(2)),
          unit: 'x',
          target: MAX_LOAD_RATIO,
          better: 'lower',
          note: `CPU time of a fresh node process loading the bundle / loading an empty module (median of ${RUNS} each)`,
        });
      }
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (require.main === module) {
  lambdaBundles.run().then(
    (results) => process.stdout.write(`${markdownTable(results)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
