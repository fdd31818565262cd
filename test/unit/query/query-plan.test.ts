/**
 * The views a query reads (lib/jobs/query/plan.ts): only the views the query names read files, one `read_parquet`
 * per export version (its parts share one schema), a column an export lacks (made with --fields) is NULL, and
 * two versions of one kind with different fields answer as one view, in a real (locked) DuckDB session over parts
 * written by the export's own Parquet writer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { columnsOf, fieldsOfKind, type Row } from '../../../lib/jobs/export/columns';
import { encodeParquet } from '../../../lib/jobs/export/writers';
import { QuerySession } from '../../../lib/jobs/query/engine';
import { viewStatements, type ExportPlan } from '../../../lib/jobs/query/plan';

const dir = mkdtempSync(join(tmpdir(), 'query-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function part(name: string, fields: readonly string[], rows: Row[]): string {
  const path = join(dir, name);
  const provenance = (r: Row): Row => ({ steward_record_key: `tiktok:video:${String(r.id)}`, steward_spec: 's', steward_collected_at: 't', steward_refreshed_at: 't', steward_content_sha256: 'h', steward_policy: 'p', steward_policy_version: 1, steward_run_id: 'r', ...r });
  writeFileSync(path, encodeParquet(columnsOf('video', fields), rows.map(provenance)));
  return path;
}

const full = fieldsOfKind('video');
const narrow = ['id', 'region_code'];
const files = {
  a1: part('a1.parquet', full, [{ id: '7300000000000000001', region_code: 'DE', view_count: 10 }]),
  a2: part('a2.parquet', full, [{ id: '7300000000000000002', region_code: 'FR', view_count: 20 }]),
  b1: part('b1.parquet', narrow, [{ id: '7300000000000000003', region_code: 'US' }]),
};
const provenance = ['steward_record_key', 'steward_spec', 'steward_collected_at', 'steward_refreshed_at', 'steward_content_sha256', 'steward_policy', 'steward_policy_version', 'steward_run_id'];
const plan: ExportPlan = {
  kinds: new Map([
    [
      'video',
      {
        kind: 'video',
        sources: [
          { keys: ['a1', 'a2'], columns: new Set([...full, ...provenance]) },
          { keys: ['b1'], columns: new Set([...narrow, ...provenance]) },
        ],
        exports: ['a@v2', 'b@v1'],
        rows: 3,
      },
    ],
  ]),
  notParquet: [],
};
const paths = new Map(Object.entries(files));

describe('viewStatements', () => {
  it('reads files only for the views the query reads, one read_parquet per export version, without union_by_name', () => {
    const onlyVideos = viewStatements(plan, paths, new Set(['videos']));
    const fileReaders = onlyVideos.filter((s) => s.includes('read_parquet'));
    expect(fileReaders).toHaveLength(1);
    expect(fileReaders[0]).toMatch(/^CREATE OR REPLACE VIEW "videos" AS SELECT .* UNION ALL SELECT /);
    expect(fileReaders[0]!.match(/read_parquet/g)).toHaveLength(2);
    expect(onlyVideos.join('\n')).not.toContain('union_by_name');
    expect(onlyVideos.find((s) => s.startsWith('CREATE OR REPLACE VIEW records'))).toMatch(/WHERE false$/);
    expect(viewStatements(plan, paths, new Set(['records'])).filter((s) => s.includes('read_parquet')).map((s) => s.split(' ')[4])).toEqual(['records']);
    expect(viewStatements(plan, paths).filter((s) => s.includes('read_parquet'))).toEqual([]);
  });

  it('answers two export versions with different fields as one view (absent columns NULL) in a locked session', async () => {
    const session = await QuerySession.open();
    try {
      await session.defineViews(viewStatements(plan, paths, new Set(['videos', 'records'])), [], Object.values(files));
      const prepared = await session.prepare('SELECT id, region_code, view_count, (SELECT count(*) FROM records) AS records FROM videos ORDER BY id');
      const result = await session.run(prepared, 10_000);
      prepared.destroySync();
      expect(result.rows).toEqual([
        ['7300000000000000001', 'DE', 10, 3],
        ['7300000000000000002', 'FR', 20, 3],
        ['7300000000000000003', 'US', null, 3],
      ]);
      await expect(session.prepare('SET parquet_metadata_cache = false')).rejects.toThrow(/only read-only|locked/);
    } finally {
      session.close();
    }
  });
});
