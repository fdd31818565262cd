/**
 * What exports exist and whether they are clean: `listExports` (newest version of each, with its pulled copies),
 * `showExport` (one export's lineage: every version, why it was made, from what), and `verifyExports`, the proof
 * that no current export holds a tombstoned record, that every manifest matches its files, and that no file of a
 * superseded version is left. Stale pulled copies are listed as their holders' obligations.
 */
import { isDeepStrictEqual } from 'node:util';
import { exportLabel, manifestProblems, outlineOf, staleCopyText, type CopyStanding, type ExportFormat, type ExportManifest } from '../../domain/exports';
import { sha256Hex } from '../../domain/hashing';
import type { ExportStore } from '../../store/export-store';
import type { JobContext } from '../context';
import { copyStandings } from './copies';
import { tombstonedKeysOf } from './reconcile';

export interface ExportVersionInfo {
  readonly version: number;
  readonly label: string;
  readonly reason: 'create' | 'rebuild';
  readonly asOf: string;
  readonly createdBy: string;
  readonly rows: number;
  readonly parts: number;
  readonly digest: string;
  readonly rebuiltFrom?: { readonly version: number; readonly removed: number };
  /** Only the newest version has files. */
  readonly current: boolean;
}

export interface ExportListing {
  readonly name: string;
  readonly kind: string;
  readonly format: ExportFormat;
  readonly current: ExportVersionInfo;
  readonly fields: readonly string[];
  readonly queryFingerprint: string;
  readonly sourceQueryFingerprints: readonly string[];
  readonly policyVersions: Readonly<Record<string, readonly number[]>>;
  readonly copies: readonly CopyStanding[];
}

function versionInfo(m: ExportManifest, current: boolean): ExportVersionInfo {
  return {
    version: m.version,
    label: exportLabel(m.name, m.version),
    reason: m.reason,
    asOf: m.asOf,
    createdBy: m.createdBy,
    rows: m.rowCount,
    parts: m.parts.length,
    digest: m.digest,
    ...(m.rebuiltFrom ? { rebuiltFrom: m.rebuiltFrom } : {}),
    current,
  };
}

export async function listExports(ctx: Pick<JobContext, 'clock'>, store: ExportStore): Promise<ExportListing[]> {
  const copies = await copyStandings(ctx, store);
  const out: ExportListing[] = [];
  for (const { spec, format, version } of await store.latestVersions()) {
    const m = await store.getManifest(spec, format, version);
    if (!m) continue;
    out.push({
      name: m.name,
      kind: m.kind,
      format,
      current: versionInfo(m, true),
      fields: m.fields,
      queryFingerprint: m.queryFingerprint,
      sourceQueryFingerprints: m.sourceQueryFingerprints,
      policyVersions: m.policyVersions,
      copies: copies.filter((c) => c.copy.name === m.name && c.copy.format === format),
    });
  }
  return out;
}

export interface ExportDetail extends ExportListing {
  /** Every version, newest first. */
  readonly versions: readonly ExportVersionInfo[];
}

export async function showExport(ctx: Pick<JobContext, 'clock'>, store: ExportStore, name: string): Promise<ExportDetail[]> {
  const listings = (await listExports(ctx, store)).filter((l) => l.name === name);
  const out: ExportDetail[] = [];
  for (const listing of listings) {
    const versions: ExportVersionInfo[] = [];
    for (const v of (await store.versions(name, listing.format)).reverse()) {
      const m = await store.getManifest(name, listing.format, v);
      if (m) versions.push(versionInfo(m, v === listing.current.version));
    }
    out.push({ ...listing, versions });
  }
  return out;
}

export interface ExportViolation {
  readonly kind: 'export-holds-purged' | 'export-manifest-mismatch' | 'export-file-left' | 'export-copy-overdue';
  readonly detail: string;
}

export interface ExportVerification {
  readonly exports: number;
  readonly rows: number;
  readonly violations: ExportViolation[];
  /** Copies holding purged records, not yet released (overdue ones are also violations). */
  readonly staleCopies: CopyStanding[];
}

/** Prove exports clean. Reads every current part (hash check) and looks every exported record up among tombstones. */
export async function verifyExports(ctx: Pick<JobContext, 'clock' | 'ledger' | 'hasher'>, store: ExportStore): Promise<ExportVerification> {
  const violations: ExportViolation[] = [];
  const expected = new Set<string>();
  let rows = 0;
  const latest = await store.latestVersions();
  for (const { spec, format, version } of latest) {
    const m = await store.getManifest(spec, format, version);
    if (!m) continue;
    rows += m.rowCount;
    for (const problem of manifestProblems(m)) violations.push({ kind: 'export-manifest-mismatch', detail: problem });
    // The outline queries read instead of the manifest must say what the manifest says (absent is fine: read then).
    const outline = await store.getOutline(spec, format, version);
    if (outline !== undefined && !isDeepStrictEqual(outline, outlineOf(m))) violations.push({ kind: 'export-manifest-mismatch', detail: `${exportLabel(spec, version)} (${format}): its outline does not match its manifest (edited?)` });
    for (const part of m.parts) {
      expected.add(part.key);
      const body = await store.getPart(part.key);
      if (!body) violations.push({ kind: 'export-manifest-mismatch', detail: `${exportLabel(spec, version)} (${format}): part ${part.bucket} is missing` });
      else if (sha256Hex(body) !== part.sha256) violations.push({ kind: 'export-manifest-mismatch', detail: `${exportLabel(spec, version)} (${format}): part ${part.bucket} does not match its manifest hash (edited?)` });
    }
    const purged = (await tombstonedKeysOf(ctx, m)).length;
    if (purged > 0) violations.push({ kind: 'export-holds-purged', detail: `${exportLabel(spec, version)} (${format}) holds ${purged} purged record(s); the hourly purge rebuilds it (or now: steward purge)` });
  }
  for await (const key of store.listParts()) {
    if (!expected.has(key)) violations.push({ kind: 'export-file-left', detail: `${key}: a file no current export version lists (left by a superseded version)` });
  }
  const stale = (await copyStandings(ctx, store)).filter((s) => s.purgedSince > 0 && s.released === undefined);
  for (const s of stale) if (s.overdue) violations.push({ kind: 'export-copy-overdue', detail: staleCopyText(s) });
  return { exports: latest.length, rows, violations, staleCopies: stale };
}

/** Where a purged record (named by keyed hash) still is, or was, among exports: for deletion certificates. */
export interface ExportFactsOfRecord {
  /** Current export versions that hold it (0 once every export was rebuilt without it). */
  readonly heldByCurrentExports: number;
  /** Pulled copies whose version held it, and whether their holders released them. */
  readonly pulledCopies: ReadonlyArray<{ readonly copyId: string; readonly member: string; readonly name: string; readonly version: number; readonly released: boolean }>;
}

export async function exportFactsByHash(ctx: Pick<JobContext, 'hasher'>, store: ExportStore, hashes: ReadonlySet<string>): Promise<Map<string, ExportFactsOfRecord>> {
  const hashesOf = async (spec: string, format: ExportFormat, version: number): Promise<Set<string>> => {
    const m = await store.getManifest(spec, format, version);
    const found = new Set<string>();
    for (const part of m?.parts ?? []) for (const [key] of part.records) {
      const hash = ctx.hasher.hash(key);
      if (hashes.has(hash)) found.add(hash);
    }
    return found;
  };
  const held = new Map<string, number>();
  const copies = new Map<string, ExportFactsOfRecord['pulledCopies'][number][]>();
  if (hashes.size === 0) return new Map();
  for (const { spec, format, version } of await store.latestVersions()) for (const hash of await hashesOf(spec, format, version)) held.set(hash, (held.get(hash) ?? 0) + 1);
  const versionHashes = new Map<string, Set<string>>();
  for await (const copyId of store.copyIds()) {
    const c = await store.getCopy(copyId);
    if (!c) continue;
    const id = `${c.copy.name}/${c.copy.format}/${c.copy.version}`;
    if (!versionHashes.has(id)) versionHashes.set(id, await hashesOf(c.copy.name, c.copy.format, c.copy.version));
    for (const hash of versionHashes.get(id)!) {
      const list = copies.get(hash) ?? [];
      list.push({ copyId, member: c.copy.member, name: c.copy.name, version: c.copy.version, released: c.released !== undefined });
      copies.set(hash, list);
    }
  }
  return new Map([...hashes].map((hash) => [hash, { heldByCurrentExports: held.get(hash) ?? 0, pulledCopies: copies.get(hash) ?? [] }]));
}
