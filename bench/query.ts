/**
 * `query_groupby_vs_duckdb_floor`: a GROUP BY over a 1,000,000-row Parquet export of videos (200 parts) through
 * `steward query --local`, the way a researcher runs many queries: `steward serve` keeps the state dir's services
 * up (a child process) and each query is the real command, in-process (`runCli`), attached to them. Measured is the
 * command's own work as STEWARD_TIMING=1 reports it: from its opened runtime until the answer is ready to print
 * (the outlines read, DuckDB opened, views defined and locked, the query bound and run, and the run with its
 * evidence, `run.started`, stored); not the attach, and not the close written after printing (`query.run`,
 * `run.finished`). Divided by the same SQL in a fresh DuckDB directly on the same part files (instance, query,
 * rows). Medians of 9 alternated rounds after 3 warm-up rounds of each. `query_groupby_vs_duckdb_floor_100k` is
 * the same at 100,000 rows (20 parts), in a state dir and serve of its own.
 *
 * Each export is seeded fast: rows built directly and written as parts and a manifest through the export store
 * (lib/jobs/export's own Parquet writer and layout), one bucket at a time, not pushed through collect.
 *
 *   node --import tsx bench/query.ts      (alone, ~90 s; `npm run bench` runs it with the others)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCli } from '../bin/cli/program';
import type { CliIo } from '../bin/cli/output';
import { parseProjectConfig } from '../lib/config/load';
import { bucketCountFor, bucketOf, exportQueryFingerprint, partKeyOf, sealManifest, type ManifestPart } from '../lib/domain/exports';
import { sha256Hex } from '../lib/domain/hashing';
import { recordKeyOf } from '../lib/domain/records';
import { exportStoreOf, fieldsOfKind } from '../lib/jobs/export';
import { columnsOf, type Row } from '../lib/jobs/export/columns';
import { encodeParquet } from '../lib/jobs/export/writers';
import { openLocalRuntime } from '../lib/local/runtime';
import { s3rverObjectPath } from '../lib/local/export-files';
import { MeasurementError, median, type BenchResult, type Benchmark } from './harness';

/** Rounds measured: a query takes ~0.1 s a side, so 9 rounds cost a second and steady the medians on a noisy host. */
const ROUNDS = 9;
const WARM_UP_ROUNDS = 3;
/** The named figure at 1M rows (where a lab reaches for SQL), and the same ratio at 100k beside it. */
const SIZES = [
  { rows: 1_000_000, name: 'query_groupby_vs_duckdb_floor' },
  { rows: 100_000, name: 'query_groupby_vs_duckdb_floor_100k' },
];
const ROOT = join(__dirname, '..');
const NOW = '2026-03-01T12:00:00Z';
const SPEC = 'climate-videos';
export const SQL = 'SELECT username, region_code, count(*) AS videos, sum(view_count) AS views, avg(like_count) AS mean_likes, max(create_time) AS newest FROM videos GROUP BY username, region_code ORDER BY views DESC LIMIT 20';
const REGIONS = ['DE', 'FR', 'US', 'GB', 'ES', 'IT', 'NL', 'PL', 'BR', 'JP'];

export const CONFIG = {
  project: { id: 'bench-query', title: 'Query bench', endDate: '2027-06-30' },
  members: [{ name: 'ada', role: 'pi' }],
  sources: { research: { api: 'tiktok-research', credentials: { clientKeyEnv: 'K', clientSecretEnv: 'S' } } },
  specs: [{ name: SPEC, source: 'research', kind: 'video', query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['climate'] }] }, window: { rollingDays: 30 }, schedule: 'rate(1 day)' }],
};

function videoRow(n: number): { key: string; sha: string; row: Row } {
  const id = String(7_320_000_000_000_000_000n + BigInt(n));
  const key = recordKeyOf({ platform: 'tiktok', kind: 'video', id });
  const sha = sha256Hex(key);
  return {
    key,
    sha,
    row: {
      id,
      create_time: 1_772_000_000 + n,
      username: `author${n % 4999}`,
      region_code: REGIONS[n % REGIONS.length],
      video_description: `a video about the climate, number ${n} #climate #weather`,
      like_count: (n * 7) % 10_007,
      comment_count: n % 300,
      view_count: (n * 113) % 1_000_003,
      hashtag_names: ['climate', `n${n % 50}`],
      is_stem_verified: n % 2 === 0,
      video_duration: 15 + (n % 60),
      steward_record_key: key,
      steward_spec: SPEC,
      steward_collected_at: NOW,
      steward_refreshed_at: NOW,
      steward_content_sha256: sha,
      steward_policy: 'tiktok-research',
      steward_policy_version: 1,
      steward_run_id: 'bench-seed',
    },
  };
}

/**
 * Write a `rows`-row Parquet export (parts by bucket, one manifest) into the state dir's vault. Rows are built one
 * bucket at a time (a part is encoded and stored before the next one is built), so 1M rows stay well under 1 GB.
 */
export async function seed(stateDir: string, rows: number): Promise<string[]> {
  const config = parseProjectConfig(CONFIG, 'bench config');
  const runtime = await openLocalRuntime({ config, stateDir, platform: 'emulator', now: new Date(NOW) });
  try {
    const store = exportStoreOf(runtime.ctx);
    const fields = fieldsOfKind('video');
    const columns = columnsOf('video', fields);
    const buckets = bucketCountFor(rows);
    const byBucket: number[][] = Array.from({ length: buckets }, () => []);
    for (let n = 0; n < rows; n++) byBucket[bucketOf(videoRow(n).key, buckets)]!.push(n);
    const parts: ManifestPart[] = [];
    for (let bucket = 0; bucket < buckets; bucket++) {
      const list = byBucket[bucket]!.map(videoRow).sort((a, b) => (a.key < b.key ? -1 : 1));
      byBucket[bucket] = [];
      if (list.length === 0) continue;
      const body = encodeParquet(columns, list.map((v) => v.row));
      const key = partKeyOf({ kind: 'video', format: 'parquet', spec: SPEC, bucket, version: 1, writer: 'bench0' });
      await store.putPart(key, body, 'application/vnd.apache.parquet');
      parts.push({ bucket, key, rows: list.length, bytes: body.byteLength, sha256: sha256Hex(body), writtenIn: 1, records: list.map((v) => [v.key, v.sha] as const) });
    }
    await store.putManifest(
      sealManifest({
        schema: 'steward.export/1',
        name: SPEC,
        spec: SPEC,
        kind: 'video',
        format: 'parquet',
        version: 1,
        fields,
        queryFingerprint: exportQueryFingerprint({ spec: SPEC, kind: 'video', format: 'parquet', fields }),
        sourceQueryFingerprints: ['f'.repeat(64)],
        asOf: NOW,
        createdBy: 'ada',
        reason: 'create',
        policyVersions: { 'tiktok-research': [1] },
        buckets,
        rowCount: rows,
        parts,
      }),
    );
    return parts.map((p) => s3rverObjectPath(runtime.services.s3.directory, runtime.bucket, p.key));
  } finally {
    await runtime.close();
  }
}

/** `steward query` in-process (attached to the serve of `stateDir`); the work it reports (STEWARD_TIMING=1), and its output. */
export async function throughSteward(configFile: string, stateDir: string): Promise<{ workMs: number; out: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += `${t}\n`), stderr: (t) => void (err += `${t}\n`), isTty: false };
  const previous = process.env.STEWARD_TIMING;
  process.env.STEWARD_TIMING = '1';
  try {
    const code = await runCli(['--config', configFile, '--local', '--emulator', '--as', 'ada', '--state-dir', stateDir, '--now', NOW, 'query', SQL], io);
    if (code !== 0) throw new MeasurementError(`steward query exited ${code}: ${err.slice(-1500)}`);
  } finally {
    if (previous === undefined) delete process.env.STEWARD_TIMING;
    else process.env.STEWARD_TIMING = previous;
  }
  const work = /steward timing: work (\d+) ms/.exec(err);
  if (!work) throw new MeasurementError(`steward query reported no timing: ${err.slice(-500)}`);
  return { workMs: Number(work[1]), out };
}

/** The same SQL in a fresh DuckDB, directly on the part files. */
export async function floor(files: readonly string[]): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = files.map((f) => `'${f}'`).join(', ');
    const reader = await connection.runAndReadAll(SQL.replace('FROM videos', `FROM read_parquet([${list}])`));
    return { ms: performance.now() - t0, rows: reader.currentRowCount };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** `steward serve` on the state dir (the TypeScript CLI in a child), until `stop`. */
export async function serve(configFile: string, stateDir: string): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'steward.cjs'), '--config', configFile, '--local', '--emulator', '--state-dir', stateDir, '--now', NOW, 'serve'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, STEWARD_NO_DIST: '1' },
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes('Press Ctrl-C to stop.')) resolve();
      });
      child.once('exit', (code) => reject(new MeasurementError(`serve exited early (${code}): ${err.slice(-2000)}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** One size: seed, serve, a warm-up, then `ROUNDS` alternated rounds of the floor and steward. */
async function measure(dir: string, rows: number): Promise<{ steward: number[]; floors: number[]; parts: number; seedS: number }> {
  const stateDir = join(dir, `state-${rows}`);
  const configFile = join(dir, 'steward.config.json');
  const t0 = performance.now();
  const files = await seed(stateDir, rows);
  const seedS = (performance.now() - t0) / 1000;
  const server = await serve(configFile, stateDir);
  try {
    // warm-up: the OS cache holds the files for both sides, this process has loaded the CLI and DuckDB, and serve's
    // DynamoDB Local (a JVM) has compiled its request paths, as in a serve that has answered a few queries
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      await floor(files);
      await throughSteward(configFile, stateDir);
    }
    const steward: number[] = [];
    const floors: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const f = await floor(files);
      if (f.rows !== 20) throw new MeasurementError(`the floor query answered ${f.rows} rows, expected 20`);
      floors.push(f.ms);
      const s = await throughSteward(configFile, stateDir);
      if (!/^20 row\(s\) from videos \(climate-videos@v1\)$/m.test(s.out)) throw new MeasurementError(`steward query answered: ${s.out.slice(-400)}`);
      steward.push(s.workMs);
    }
    return { steward, floors, parts: files.length, seedS };
  } finally {
    await server.stop();
  }
}

export const queryBenchmark: Benchmark = {
  name: 'query',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'steward-query-bench-'));
    try {
      writeFileSync(join(dir, 'steward.config.json'), JSON.stringify(CONFIG));
      const results: BenchResult[] = [];
      for (const { rows, name } of SIZES) {
        const m = await measure(dir, rows);
        const ratios = m.steward.map((s, i) => (s / m.floors[i]!).toFixed(2)).join(', ');
        results.push({
          name,
          value: Number((median(m.steward) / median(m.floors)).toFixed(2)),
          unit: 'x floor',
          target: 1.3,
          better: 'lower',
          note: `GROUP BY username, region_code over a ${rows.toLocaleString('en-US')}-row Parquet export (${m.parts} parts): steward query --local attached to steward serve, its work until the answer is ready to print (median ${median(m.steward).toFixed(0)} ms) vs a fresh DuckDB on the same files (median ${median(m.floors).toFixed(0)} ms); ${ROUNDS} alternated rounds after ${WARM_UP_ROUNDS} warm-up rounds, per-round ratios ${ratios}; seeded in ${m.seedS.toFixed(0)} s`,
        });
      }
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (require.main === module) {
  queryBenchmark.run().then(
    (results) => {
      for (const r of results) process.stdout.write(`${r.name}: ${r.value} ${r.unit} (target ${r.target}) — ${r.note}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
