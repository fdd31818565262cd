/**
 * The demo's exports: after collecting, ada exports the videos (Parquet) and the comments (CSV) and grace pulls a
 * copy of the videos; after the sweeps, every purge has rebuilt the exports, grace's copy holds purged records and
 * is listed as her obligation (overdue once the purge window passed) until she deletes it and releases it.
 */
import { rm, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { staleCopyText } from '../../lib/domain/exports';
import type { JobContext } from '../../lib/jobs/context';
import { copyFiles, createExport, exportStoreOf, recordPull, releaseCopy, resolveExport, showExport, staleCopies, verifyExports, type ExportSummary } from '../../lib/jobs/export';

export interface DemoExports {
  readonly videos: ExportSummary;
  readonly comments: ExportSummary;
  readonly copyId: string;
  readonly pulledTo: string;
}

const as = (ctx: JobContext, name: string): JobContext => ({ ...ctx, actor: { type: 'researcher', name } });

export async function exportAndPull(ctx: JobContext, stateDir: string, say: (text: string) => void): Promise<DemoExports> {
  const store = exportStoreOf(ctx);
  const videos = await createExport(as(ctx, 'ada'), store, { spec: 'climate-videos' });
  const comments = await createExport(as(ctx, 'ada'), store, { spec: 'climate-comments', format: 'csv' });
  say(`ada exports them for analysis (\`steward export create\`): ${videos.label} as Parquet (${videos.rows} rows, ids as int64) and ${comments.label} as CSV (${comments.rows} rows, ids as text), each with a manifest (record keys, content hashes, digest).`);
  const manifest = await resolveExport(store, 'climate-videos', 'parquet');
  const pulledTo = join(stateDir, 'pulled', 'climate-videos');
  await rm(pulledTo, { recursive: true, force: true });
  const pulled = await recordPull(as(ctx, 'grace'), store, manifest);
  for await (const file of copyFiles(store, manifest)) {
    await mkdir(dirname(join(pulledTo, file.path)), { recursive: true });
    await writeFile(join(pulledTo, file.path), file.body);
  }
  say(`grace pulls ${videos.label} to ${relative(process.cwd(), pulledTo)} (\`steward export pull\`): copy ${pulled.copyId}, recorded as held by grace (export.pulled).`);
  return { videos, comments, copyId: pulled.copyId, pulledTo };
}

export interface DemoRebuilds {
  readonly videosVersion: number;
  readonly staleReported: readonly string[];
  readonly overdueBeforeRelease: number;
  readonly staleAfterRelease: number;
}

export async function showRebuildsAndRelease(ctx: JobContext, exported: DemoExports, say: (text: string) => void): Promise<DemoRebuilds> {
  const store = exportStoreOf(ctx);
  for (const name of ['climate-videos', 'climate-comments']) {
    const [detail] = await showExport(ctx, store, name);
    if (!detail) throw new Error(`export ${name} disappeared`);
    const removed = detail.versions.reduce((n, v) => n + (v.rebuiltFrom?.removed ?? 0), 0);
    say(`  ${detail.current.label}: ${detail.versions.length - 1} rebuild(s) in the purges' own runs, ${removed} record(s) taken out, ${detail.current.rows} rows left; only the parts that held them were rewritten, the old files deleted.`);
  }
  const stale = await staleCopies(ctx, store);
  if (stale.length === 0) throw new Error('no pulled copy holds a purged record: the rebuilds did not note the purges on grace\'s copy');
  say('A copy pulled before is out of Steward\'s reach: it is its holder\'s obligation, listed by `report`, `verify` and the daily check:');
  for (const s of stale) say(`  ${staleCopyText(s)}`);
  const overdue = (await verifyExports(ctx, store)).violations.filter((v) => v.kind === 'export-copy-overdue').length;
  say(`verify: ${overdue} overdue pulled copy(ies) (a violation until released).`);
  await rm(exported.pulledTo, { recursive: true, force: true });
  const released = await releaseCopy(as(ctx, 'grace'), store, 'climate-videos', exported.copyId);
  const left = await staleCopies(ctx, store);
  say(`grace deletes her copy and says so (\`steward export release climate-videos --copy ${released.copyId}\`, export.released): ${left.length} stale copy(ies) left.`);
  const [videos] = await showExport(ctx, store, 'climate-videos');
  return { videosVersion: videos!.current.version, staleReported: stale.map(staleCopyText), overdueBeforeRelease: overdue, staleAfterRelease: left.length };
}
