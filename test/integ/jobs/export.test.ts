/**
 * Analysis exports on DynamoDB Local and s3rver: a spec's records exported to Parquet read back by DuckDB (an
 * independent reader) with 64-bit ids exact, CSV and JSONL with ids as text; bad input writes nothing; a purge
 * rebuilds the export in its own run, rewriting only the part that held the record and deleting the old file; a
 * copy pulled before the purge becomes its holder's obligation until released; verify proves exports clean.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError } from '../../../lib/domain/errors';
import { EXPORTS_PREFIX, outlineKeyOf, outlineOf, partHolding } from '../../../lib/domain/exports';
import type { JobContext, ProgressEvent } from '../../../lib/jobs/context';
import {
  copyStandings,
  createExport,
  exportStoreOf,
  listExports,
  recordPull,
  releaseCopy,
  resolveExport,
  showExport,
  staleCopies,
  verifyExports,
} from '../../../lib/jobs/export';
import { purgeRecords } from '../../../lib/jobs/purge';
import { partKeysOf, planExports } from '../../../lib/jobs/query/plan';
import { ExportVersionTakenError } from '../../../lib/store/export-store';
import { certify, renderCertificateMarkdown } from '../../../lib/jobs/certify';
import { complianceReport } from '../../../lib/jobs/report';
import { verify } from '../../../lib/jobs/verify';
import { localJobContext, type LocalJobFixture } from '../../support/job-context';
import { commentKey, purgeRecord, run, userKey, videoKey } from '../../support/compliance-world';
import { collectExportWorld, duckRows, exportConfig } from '../../support/export-world';

let fx: LocalJobFixture;
const dir = mkdtempSync(join(tmpdir(), 'steward-export-'));
const as = (ctx: JobContext, name: string): JobContext => ({ ...ctx, actor: { type: 'researcher', name } });

async function keysUnder(ctx: JobContext, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of ctx.objects.list(prefix)) keys.push(key);
  return keys;
}

async function partFile(ctx: JobContext, key: string, name: string): Promise<string> {
  const body = await exportStoreOf(ctx).getPart(key);
  const file = join(dir, name);
  writeFileSync(file, body!);
  return file;
}

beforeAll(async () => {
  fx = await localJobContext({ config: exportConfig(), now: '2026-03-01T06:00:00Z', actor: { type: 'researcher', name: 'ada' } });
  await collectExportWorld(fx.ctx, 12);
});
afterAll(() => fx?.destroy());

describe('export create', () => {
  it('bad input (unknown spec, field or format, an empty spec) writes nothing', async () => {
    const store = exportStoreOf(fx.ctx);
    const cases: Array<[Parameters<typeof createExport>[2], RegExp]> = [
      [{ spec: 'no-such-spec' }, /^--spec: no spec "no-such-spec"/],
      [{ spec: 'climate-videos', fields: ['id', 'nope'] }, /^--fields: "nope" is not a field of a video; fields: id, create_time/],
      [{ spec: 'climate-videos', format: 'xlsx' as never }, /^--format: "xlsx" is not a format; use one of parquet, csv, jsonl/],
      [{ spec: 'empty-videos' }, /^--spec: spec "empty-videos" holds no active records/],
    ];
    for (const [input, message] of cases) {
      const error = await createExport(fx.ctx, store, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadInputError);
      expect((error as Error).message).toMatch(message);
    }
    expect(await keysUnder(fx.ctx, EXPORTS_PREFIX)).toEqual([]);
  });

  it('writes Parquet that DuckDB reads with 64-bit ids exact, lists as lists and provenance columns', async () => {
    // Act
    const events: ProgressEvent[] = [];
    const summary = await createExport(fx.ctx, exportStoreOf(fx.ctx), { spec: 'climate-videos' }, { progress: (e) => events.push(e) });
    // Progress (what `steward export create` draws on a terminal): the records read, then the parts written, of their totals.
    expect(events.at(-1)).toEqual({ job: 'export', phase: 'writing parts', done: summary.parts, total: summary.parts, counts: { rows: summary.rows } });
    expect(events.filter((e) => e.phase === 'reading records').at(-1)).toMatchObject({ done: summary.rows, total: summary.rows });

    // Assess
    expect(summary).toMatchObject({ label: 'climate-videos@v1', format: 'parquet', rows: 12, parts: 1 });
    const manifest = await resolveExport(exportStoreOf(fx.ctx), 'climate-videos', undefined);
    const file = await partFile(fx.ctx, manifest.parts[0]!.key, 'videos.parquet');
    const rows = await duckRows(
      `select id::varchar as id, typeof(id) as id_type, username, hashtag_names, effect_ids[1]::varchar as effect, like_count, is_stem_verified, steward_record_key, steward_spec, steward_policy_version from '${file}' order by id`,
    );
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual({
      id: '7320000000000000001',
      id_type: 'BIGINT',
      username: 'author1',
      hashtag_names: ['climate', 'n1'],
      effect: '7100000000000000002',
      like_count: '10',
      is_stem_verified: false,
      steward_record_key: videoKey(1),
      steward_spec: 'climate-videos',
      steward_policy_version: '1',
    });
    expect(rows.map((r) => r.steward_record_key)).toEqual(rows.map((r) => `tiktok:video:${r.id as string}`));
  });

  it('CSV and JSONL keep ids as text; accounts carry their username, so comments and videos join to authors', async () => {
    const store = exportStoreOf(fx.ctx);
    await createExport(fx.ctx, store, { spec: 'climate-comments', format: 'jsonl' });
    await createExport(fx.ctx, store, { spec: 'climate-authors', format: 'csv', fields: ['username', 'follower_count'] });
    const comments = await partFile(fx.ctx, (await resolveExport(store, 'climate-comments', 'jsonl')).parts[0]!.key, 'comments.jsonl');
    const authors = await partFile(fx.ctx, (await resolveExport(store, 'climate-authors', 'csv')).parts[0]!.key, 'authors.csv');
    const videos = join(dir, 'videos.parquet');

    const joined = await duckRows(
      `select c.id as comment_id, typeof(c.id) as comment_id_type, v.id::varchar as video_id, a.username, a.follower_count
       from read_json('${comments}', format='newline_delimited') c
       join '${videos}' v on v.id::varchar = c.video_id
       join read_csv('${authors}', all_varchar=true) a on a.username = v.username
       where c.id = '${commentKey(2).split(':')[2]}'`,
    );
    expect(joined).toEqual([{ comment_id: '7400000000000000002', comment_id_type: 'VARCHAR', video_id: '7320000000000000001', username: 'author1', follower_count: '100' }]);
    const csvHeader = (await exportStoreOf(fx.ctx).getPart((await resolveExport(store, 'climate-authors', 'csv')).parts[0]!.key))!.toString('utf8').split('\r\n')[0];
    expect(csvHeader).toBe('username,follower_count,steward_record_key,steward_spec,steward_collected_at,steward_refreshed_at,steward_content_sha256,steward_policy,steward_policy_version,steward_run_id');
  });
});

describe('deletion reaches every copy', () => {
  let copyId: string;

  it('a pull is recorded as held by the member (export.pulled)', async () => {
    const store = exportStoreOf(fx.ctx);
    const manifest = await resolveExport(store, 'climate-videos', undefined);
    const pulled = await recordPull(as(fx.ctx, 'grace'), store, manifest);
    copyId = pulled.copyId;
    expect(copyId).toMatch(/^c20260301-[0-9a-f]{8}$/);
    const events = (await fx.ctx.audit.byChain(pulled.runId)).events;
    expect(events.map((e) => e.action)).toEqual(['run.started', 'export.pulled', 'run.finished']);
    expect(events[1]).toMatchObject({ actor: { name: 'grace' }, specName: 'climate-videos', evidence: { copyId, version: 1 } });
    expect(await staleCopies(fx.ctx, store)).toEqual([]);
  });

  it('a purge rebuilds the export in its own run: one part rewritten, the old file gone, the copy becomes stale', async () => {
    const store = exportStoreOf(fx.ctx);
    fx.clock.advance(3_600_000);
    const before = await resolveExport(store, 'climate-videos', 'parquet');
    const oldPart = partHolding(before, videoKey(5))!;

    // Act: purge video 5 (its comments cascade)
    let report!: Awaited<ReturnType<typeof purgeRecords>>;
    await run(fx.ctx, 'purge-export-1', async (chain) => {
      report = await purgeRecords(fx.ctx, [{ key: videoKey(5), reason: 'unavailable', evidence: { rule: 'batch-lookup', logId: 'L1', peersFound: 3 } }], chain);
    });

    // Assess: videos v2 and comments v2 without the records; only the part that held them rewritten
    expect(report.purged).toBe(3);
    expect(report.exports).toMatchObject({ exportsRebuilt: 2, partsRewritten: 2, rowsRemoved: 3, staleCopies: 1 });
    const after = await resolveExport(store, 'climate-videos', 'parquet');
    expect(after).toMatchObject({ version: 2, reason: 'rebuild', rowCount: 11, rebuiltFrom: { version: 1, removed: 1 } });
    expect(partHolding(after, videoKey(5))).toBeUndefined();
    expect(await store.getPart(oldPart.key)).toBeUndefined();
    const file = await partFile(fx.ctx, after.parts[0]!.key, 'videos-v2.parquet');
    expect((await duckRows(`select count(*)::int as n, count(*) filter (where id = 7320000000000000005)::int as purged from '${file}'`))[0]).toEqual({ n: 11, purged: 0 });
    const rebuilt = (await fx.ctx.audit.byChain('purge-export-1')).events.filter((e) => e.action === 'export.rebuilt');
    expect(rebuilt.map((e) => [e.specName, e.counts?.rowsRemoved])).toEqual([
      ['climate-comments', 2],
      ['climate-videos', 1],
    ]);
    // The copy grace pulled holds the purged video: her obligation, overdue once the purge window (24 h) passes.
    const [stale] = await staleCopies(fx.ctx, store);
    expect(stale).toMatchObject({ copy: { copyId, member: 'grace', version: 1 }, purgedSince: 1, overdue: false });
    fx.clock.advance(25 * 3_600_000);
    expect((await staleCopies(fx.ctx, store))[0]).toMatchObject({ overdue: true });
    const verification = await verifyExports(fx.ctx, store);
    expect(verification.violations.map((v) => v.kind)).toEqual(['export-copy-overdue']);
    expect(verification.violations[0]!.detail).toMatch(/^grace holds climate-videos v1 \(parquet, copy c20260301-[0-9a-f]{8}\) pulled 03-01: 1 record\(s\) purged since; replace it/);
  });

  it('the certificate says the record is gone from every export and which pulled copies held it; report lists the copy', async () => {
    const cert = await certify(fx.ctx, { records: [videoKey(5)] });
    expect(cert.purges[0]).toMatchObject({
      proven: true,
      exports: { heldByCurrentExports: 0, pulledCopies: [{ copyId, member: 'grace', name: 'climate-videos', version: 1, released: false }] },
    });
    expect(renderCertificateMarkdown(cert)).toMatch(/exports now: gone from every export; pulled copies that held it: grace's copy `c\S+` of climate-videos v1 \(NOT released/);
    const report = await complianceReport(fx.ctx);
    expect(report.pulledCopies).toEqual({ stale: [expect.stringMatching(/^grace holds climate-videos v1 .*1 record\(s\) purged since; replace it/)], overdue: 1 });
    expect(report.ok).toBe(false);
  });

  it('only the holder can release a copy; then it is no obligation and verify is clean', async () => {
    const store = exportStoreOf(fx.ctx);
    const error = await releaseCopy(as(fx.ctx, 'ada'), store, 'climate-videos', copyId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toMatch(/^--copy: copy c\S+ was pulled by grace, not ada/);
    expect((await copyStandings(fx.ctx, store))[0]!.released).toBeUndefined();

    const released = await releaseCopy(as(fx.ctx, 'grace'), store, 'climate-videos', copyId);
    expect(released).toMatchObject({ alreadyReleased: false, member: 'grace' });
    expect(await staleCopies(fx.ctx, store)).toEqual([]);
    expect((await verifyExports(fx.ctx, store)).violations).toEqual([]);
  });

  it('verify finds an export holding a tombstoned record (a purge that skipped the rebuild) and an edited part', async () => {
    const store = exportStoreOf(fx.ctx);
    // A purge outside purgeRecords: tombstoned, export not rebuilt
    await run(fx.ctx, 'purge-outside', async (chain) => {
      await purgeRecord(fx.ctx, chain, userKey(2), 'erasure');
    });
    const authors = await resolveExport(store, 'climate-authors', 'csv');
    await store.putPart(authors.parts[0]!.key, 'edited', 'text/csv');
    // The outline written beside the manifest is what it says; one edited to drop a part is found
    const outline = (await store.getOutline('climate-authors', 'csv', 1)) as ReturnType<typeof outlineOf>;
    expect(outline).toEqual(outlineOf(authors));
    await fx.ctx.objects.put(outlineKeyOf('climate-authors', 'csv', 1), JSON.stringify({ ...outline, parts: outline.parts.slice(1) }));
    const whole = await verify(fx.ctx);
    expect(whole.violations.filter((v) => v.kind.startsWith('export-')).map((v) => v.kind)).toEqual(['export-manifest-mismatch', 'export-manifest-mismatch', 'export-holds-purged']);
    const found = await verifyExports(fx.ctx, store);
    expect(found.violations.map((v) => [v.kind, v.detail])).toEqual([
      ['export-manifest-mismatch', 'climate-authors@v1 (csv): its outline does not match its manifest (edited?)'],
      ['export-manifest-mismatch', 'climate-authors@v1 (csv): part 0 does not match its manifest hash (edited?)'],
      ['export-holds-purged', expect.stringMatching(/^climate-authors@v1 \(csv\) holds 1 purged record/)],
    ]);
  });

  it('a worker that loses the race for a version number drops its files and writes the next version', async () => {
    const store = exportStoreOf(fx.ctx);
    let raced = false;
    const racing: typeof store = Object.assign(Object.create(store) as typeof store, {
      putManifest: async (m: Parameters<typeof store.putManifest>[0]) => {
        if (!raced) {
          raced = true;
          throw new ExportVersionTakenError(`v${m.version} taken`);
        }
        return store.putManifest(m);
      },
    });
    const summary = await createExport(fx.ctx, racing, { spec: 'climate-comments', format: 'csv' });
    expect(raced).toBe(true);
    expect(summary.version).toBe(1);
    const leftovers = (await verifyExports(fx.ctx, store)).violations.filter((v) => v.kind === 'export-file-left');
    expect(leftovers).toEqual([]);
  });

  it('list and show give versions and lineage', async () => {
    const listing = await listExports(fx.ctx, exportStoreOf(fx.ctx));
    expect(listing.map((l) => [l.name, l.format, l.current.version])).toEqual([
      ['climate-authors', 'csv', 1],
      ['climate-comments', 'csv', 1],
      ['climate-comments', 'jsonl', 2],
      ['climate-videos', 'parquet', 2],
    ]);
    const [detail] = await showExport(fx.ctx, exportStoreOf(fx.ctx), 'climate-videos');
    expect(detail!.versions.map((v) => [v.label, v.reason, v.rows, v.current])).toEqual([
      ['climate-videos@v2', 'rebuild', 11, true],
      ['climate-videos@v1', 'create', 12, false],
    ]);
    expect(detail!.copies).toHaveLength(1);
  });

  it('writes an outline beside each manifest (rebuilt versions too); the query plan reads it, or the manifest when there is none', async () => {
    const store = exportStoreOf(fx.ctx);
    const v2 = (await store.getManifest('climate-videos', 'parquet', 2))!;
    const outline = outlineOf(v2);
    expect(await store.getOutline('climate-videos', 'parquet', 2)).toEqual(outline);
    const keys = v2.parts.filter((p) => p.rows > 0).map((p) => p.key);
    expect(keys).not.toEqual([]);
    expect(partKeysOf(await planExports(store, fx.ctx.objects), ['video'])).toEqual(keys);

    // What the plan read is the outline (one that lists no part gives no file), not the manifest...
    await fx.ctx.objects.put(outlineKeyOf('climate-videos', 'parquet', 2), JSON.stringify({ ...outline, parts: [] }));
    expect(partKeysOf(await planExports(store, fx.ctx.objects), ['video'])).toEqual([]);
    // ... and without an outline (exports made before outlines) the manifest is read
    await fx.ctx.objects.deleteAllVersions(outlineKeyOf('climate-videos', 'parquet', 2));
    expect(partKeysOf(await planExports(store, fx.ctx.objects), ['video'])).toEqual(keys);
  });
});
