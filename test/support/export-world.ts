/**
 * A small corpus for export tests: videos (64-bit ids above 2^53, lists, counts), their comments and their
 * authors, stored as the API returns them (bare integer ids, lossless JSON) and registered in the ledger under the
 * specs `climate-videos`, `climate-comments` and `climate-authors`.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { ProjectConfig } from '../../lib/config/schema';
import type { RecordKey } from '../../lib/domain/records';
import type { JobContext } from '../../lib/jobs/context';
import { collectRecords, commentKey, run, userKey, videoKey } from './compliance-world';
import { testConfig } from './job-context';

export function exportConfig(): ProjectConfig {
  return testConfig((doc) => {
    doc.members = [
      { name: 'ada', role: 'pi' },
      { name: 'grace', role: 'researcher' },
    ];
    doc.specs.push(
      { name: 'climate-comments', source: 'research', kind: 'comment', parentSpec: 'climate-videos', schedule: 'rate(1 day)' },
      { name: 'climate-authors', source: 'research', kind: 'user', parentSpec: 'climate-videos', schedule: 'rate(1 day)' },
      {
        name: 'empty-videos',
        source: 'research',
        kind: 'video',
        query: { and: [{ operation: 'EQ', field_name: 'hashtag_name', field_values: ['nothing'] }] },
        window: { rollingDays: 30 },
        schedule: 'rate(1 day)',
      },
    );
  });
}

const idOf = (key: RecordKey) => key.split(':')[2]!;

/** The stored video body: a bare 64-bit id (not representable as a double), lists and counts. */
export function videoBody(n: number, username = `author${n % 3}`): string {
  return `{"id":${idOf(videoKey(n))},"username":"${username}","create_time":${1_772_000_000 + n},"like_count":${n * 10},"hashtag_names":["climate","n${n}"],"effect_ids":[${7_100_000_000_000_000_001n + BigInt(n)}],"is_stem_verified":${n % 2 === 0},"video_description":"video, \\"${n}\\""}`;
}

export function commentBody(n: number, video: number): string {
  return `{"id":${idOf(commentKey(n))},"video_id":${idOf(videoKey(video))},"text":"comment ${n}","like_count":${n},"create_time":${1_772_100_000 + n}}`;
}

export function userBody(n: number): string {
  return `{"username":"author${n}","display_name":"Author ${n}","follower_count":${n * 100},"is_verified":false}`;
}

/** Collect `videos` videos (1..n), two comments on each and three authors. */
export async function collectExportWorld(ctx: JobContext, videos: number): Promise<void> {
  await run(ctx, 'collect-export-world', async (chain) => {
    for (let n = 1; n <= videos; n++) {
      await collectRecords(ctx, chain, [videoKey(n)], { body: () => videoBody(n), specName: 'climate-videos' });
      await collectRecords(ctx, chain, [commentKey(2 * n), commentKey(2 * n + 1)], {
        body: (key) => commentBody(Number(BigInt(idOf(key)) - 7_400_000_000_000_000_000n), n),
        parentKey: videoKey(n),
        specName: 'climate-comments',
      });
    }
    for (let a = 0; a < 3; a++) await collectRecords(ctx, chain, [userKey(a + 1)], { body: () => userBody(a), specName: 'climate-authors' });
  });
}

/** Read Parquet (or CSV/JSONL) files with DuckDB: a reader independent of the writer. Ids cast to text. */
export async function duckRows(sql: string): Promise<Array<Record<string, unknown>>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const result = await connection.runAndReadAll(sql);
    return result.getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}
