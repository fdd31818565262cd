/**
 * `query_groupby_vs_duckdb_floor`: a GROUP BY over a 100,000-row Parquet export of videos through `steward query
 * --local` (the real command, in-process: guard, parse, manifests, views, locked DuckDB, the query, the audit
 * event, the text table; the command's own work as STEWARD_TIMING=1 reports it, apart from starting the local
 * services) / the same SQL in a fresh DuckDB directly on the same part files. Median of alternated rounds.
 *
 * The export is seeded fast: rows built directly and written as parts and a manifest through the export store
 * (lib/jobs/export's own Parquet writer and layout), not 100,000 records pushed through collect.
 *
 *   node --import tsx bench/query.ts      (alone; `npm run bench` runs it with the others)
 */
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

const ROWS = 100_000;
const ROUNDS = 3;
const NOW = '2026-03-01T12:00:00Z';
const SPEC = 'climate-videos';
const SQL = 'SELECT username, region_code, count(*) AS videos, sum(view_count) AS views, avg(like_count) AS mean_likes, max(create_time) AS newest FROM videos GROUP BY username, region_code ORDER BY views DESC LIMIT 20';
const REGIONS = ['DE', 'FR', 'US', 'GB', 'ES', 'IT', 'NL', 'PL', 'BR', 'JP'];

const CONFIG = {
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

/** Write a 100k-row Parquet export (parts by bucket, one manifest) into the state dir's vault. */
async function seed(configFile: string, stateDir: string): Promise<string[]> {
  const config = parseProjectConfig(CONFIG, 'bench config');
  const runtime = await openLocalRuntime({ config, stateDir, platform: 'emulator', now: new Date(NOW) });
  try {
    const store = exportStoreOf(runtime.ctx);
    const fields = fieldsOfKind('video');
    const columns = columnsOf('video', fields);
    const buckets = bucketCountFor(ROWS);
    const byBucket = new Map<number, Array<ReturnType<typeof videoRow>>>();
    for (let n = 0; n < ROWS; n++) {
      const v = videoRow(n);
      const b = bucketOf(v.key, buckets);
      let list = byBucket.get(b);
      if (!list) byBucket.set(b, (list = []));
      list.push(v);
    }
    const parts: ManifestPart[] = [];
    for (const [bucket, list] of [...byBucket].sort((a, b) => a[0] - b[0])) {
      list.sort((a, b) => (a.key < b.key ? -1 : 1));
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
        rowCount: ROWS,
        parts,
      }),
    );
    writeFileSync(configFile, JSON.stringify(CONFIG));
    return parts.map((p) => s3rverObjectPath(runtime.services.s3.directory, runtime.bucket, p.key));
  } finally {
    await runtime.close();
  }
}

/** `steward query` in-process; the work it reports (STEWARD_TIMING=1), and its output. */
async function throughSteward(configFile: string, stateDir: string): Promise<{ workMs: number; out: string }> {
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
async function floor(files: readonly string[]): Promise<{ ms: number; rows: number }> {
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

export const queryBenchmark: Benchmark = {
  name: 'query',
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(join(tmpdir(), 'steward-query-bench-'));
    const stateDir = join(dir, 'state');
    const configFile = join(dir, 'steward.config.json');
    try {
      writeFileSync(configFile, JSON.stringify(CONFIG));
      const files = await seed(configFile, stateDir);
      await floor(files); // warm-up: the OS cache holds the files for both sides
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
      const ratios = steward.map((s, i) => (s / floors[i]!).toFixed(2)).join(', ');
      return [
        {
          name: 'query_groupby_vs_duckdb_floor',
          value: median(steward) / median(floors),
          unit: 'x floor',
          target: 1.3,
          better: 'lower',
          note: `GROUP BY username, region_code over a ${ROWS}-row Parquet export (${files.length} parts): steward query --local work (median ${median(steward).toFixed(0)} ms) vs a fresh DuckDB on the same files (median ${median(floors).toFixed(0)} ms); ${ROUNDS} alternated rounds, per-round ratios ${ratios}`,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (require.main === module) {
  void queryBenchmark.run().then((results) => {
    for (const r of results) process.stdout.write(`${r.name}: ${r.value} ${r.unit} (target ${r.target}) — ${r.note}\n`);
  });
}
