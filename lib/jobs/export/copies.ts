/**
 * Pulled copies: a member takes an export version out of the vault (`pull`), which records the copy as theirs
 * (`export.pulled`); when a record it holds is purged, the rebuild notes it on the copy, and the copy stays an
 * obligation of its holder (report, verify and the daily check list it) until they state it is deleted
 * (`release`, `export.released`). Overdue once the purge window of the records' policy has passed.
 */
import { randomBytes } from 'node:crypto';
import { BadInputError } from '../../domain/errors';
import { copyStanding, exportLabel, parseExportRef, type CopyStanding, type ExportManifest } from '../../domain/exports';
import type { ExportStore } from '../../store/export-store';
import type { JobContext } from '../context';
import { openExportRun } from './build';

/** Resolve `NAME[@vN]` (and a format) to a manifest of a version whose files exist: the newest one. */
export async function resolveExport(store: ExportStore, text: string, format: string | undefined, option = 'NAME'): Promise<ExportManifest> {
  let ref;
  try {
    ref = parseExportRef(text);
  } catch (error) {
    throw new BadInputError(`${option}: ${(error as Error).message}`);
  }
  const latest = (await store.latestVersions(ref.name)).filter((v) => format === undefined || v.format === format);
  if (latest.length === 0) throw new BadInputError(`${option}: no export named "${ref.name}"${format ? ` in ${format}` : ''} (steward export list shows them; steward export create --spec ${ref.name} makes one)`);
  if (latest.length > 1) throw new BadInputError(`--format: "${ref.name}" is exported as ${latest.map((v) => v.format).join(' and ')}; name one with --format`);
  const current = latest[0]!;
  if (ref.version !== undefined && ref.version !== current.version) {
    const versions = await store.versions(ref.name, current.format);
    if (!versions.includes(ref.version)) throw new BadInputError(`${option}: ${ref.name} has no version v${ref.version} (versions: ${versions.map((v) => `v${v}`).join(', ')})`);
    throw new BadInputError(`${option}: ${exportLabel(ref.name, ref.version)} was superseded by v${current.version} and its files deleted; pull ${exportLabel(ref.name, current.version)}`);
  }
  const manifest = await store.getManifest(ref.name, current.format, current.version);
  if (!manifest) throw new Error(`the manifest of ${exportLabel(ref.name, current.version)} disappeared while it was read`);
  return manifest;
}

export interface PullRecord {
  readonly copyId: string;
  readonly manifest: ExportManifest;
  readonly runId: string;
}

/**
 * Record a pull of the newest version of an export by the acting member, before a byte is copied (a copy that
 * fails half-way is still counted as held: the member releases it). The caller then copies the parts.
 */
export async function recordPull(ctx: JobContext, store: ExportStore, manifest: ExportManifest): Promise<PullRecord> {
  const at = ctx.clock.now().toISOString();
  const copyId = `c${at.slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
  const run = await openExportRun(ctx, 'export-pull');
  await store.putCopy({ copyId, name: manifest.name, format: manifest.format, version: manifest.version, member: ctx.actor.name, pulledAt: at, rows: manifest.rowCount });
  await run.chain.append([
    {
      at,
      action: 'export.pulled',
      actor: ctx.actor,
      runId: run.runId,
      specName: manifest.spec,
      evidence: { copyId, format: manifest.format, version: manifest.version, digest: manifest.digest },
      counts: { rows: manifest.rowCount, parts: manifest.parts.length },
    },
  ]);
  await run.finish({ rows: manifest.rowCount });
  return { copyId, manifest, runId: run.runId };
}

/** The files of a pulled copy, in order: each part, then `manifest.json`. */
export async function* copyFiles(store: ExportStore, manifest: ExportManifest): AsyncGenerator<{ path: string; body: Buffer }> {
  for (const part of manifest.parts) {
    const body = await store.getPart(part.key);
    if (!body) throw new Error(`part ${part.bucket} of ${exportLabel(manifest.name, manifest.version)} is missing from the vault (steward verify reports it)`);
    yield { path: part.key.split('/').slice(-2).join('/'), body };
  }
  yield { path: 'manifest.json', body: Buffer.from(JSON.stringify(manifest, null, 2)) };
}

export interface ReleaseReport {
  readonly copyId: string;
  readonly name: string;
  readonly version: number;
  readonly member: string;
  readonly alreadyReleased: boolean;
  readonly runId?: string;
}

/** Check a release: the copy exists, is of this export, and was pulled by the acting member. Writes nothing. */
export async function checkRelease(ctx: JobContext, store: ExportStore, name: string, copyId: string): Promise<NonNullable<Awaited<ReturnType<ExportStore['getCopy']>>>> {
  const held = await store.getCopy(copyId);
  if (!held || held.copy.name !== parseExportRef(name).name) throw new BadInputError(`--copy: no copy "${copyId}" of export "${name}" (steward export show ${name} lists its copies)`);
  if (held.copy.member !== ctx.actor.name) {
    throw new BadInputError(`--copy: copy ${copyId} was pulled by ${held.copy.member}, not ${ctx.actor.name}; only its holder can state it is deleted (run as them: --as ${held.copy.member})`);
  }
  return held;
}

/** The acting member states that a copy they pulled is deleted. Idempotent. */
export async function releaseCopy(ctx: JobContext, store: ExportStore, name: string, copyId: string): Promise<ReleaseReport> {
  const held = await checkRelease(ctx, store, name, copyId);
  const base = { copyId, name: held.copy.name, version: held.copy.version, member: held.copy.member };
  if (held.released) return { ...base, alreadyReleased: true };
  const at = ctx.clock.now().toISOString();
  const run = await openExportRun(ctx, 'export-release');
  await store.putRelease(copyId, { member: ctx.actor.name, at });
  const purged = held.notes.reduce((n, note) => n + note.records, 0);
  await run.chain.append([
    { at, action: 'export.released', actor: ctx.actor, runId: run.runId, specName: held.copy.name, evidence: { copyId, format: held.copy.format, version: held.copy.version }, counts: { purgedSince: purged } },
  ]);
  await run.finish({ released: 1 });
  return { ...base, alreadyReleased: false, runId: run.runId };
}

/** Every pulled copy with its standing (stale, overdue, released), oldest first. */
export async function copyStandings(ctx: Pick<JobContext, 'clock'>, store: ExportStore, filter: { name?: string } = {}): Promise<CopyStanding[]> {
  const out: CopyStanding[] = [];
  const now = ctx.clock.now();
  for await (const copyId of store.copyIds()) {
    const held = await store.getCopy(copyId);
    if (!held || (filter.name !== undefined && held.copy.name !== filter.name)) continue;
    out.push(copyStanding(held.copy, held.notes, held.released, now));
  }
  return out.sort((a, b) => (a.copy.pulledAt < b.copy.pulledAt ? -1 : 1));
}

/** Copies that hold a record purged since they were pulled and are not released: their holders' obligations. */
export async function staleCopies(ctx: Pick<JobContext, 'clock'>, store: ExportStore): Promise<CopyStanding[]> {
  return (await copyStandings(ctx, store)).filter((s) => s.purgedSince > 0 && s.released === undefined);
}
