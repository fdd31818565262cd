/**
 * Analysis exports: pure rules for their names, layout, partitions and manifests.
 *
 * An export is one dataset per collection spec and format (`climate-videos` as Parquet), versioned: each create or
 * rebuild writes version N+1 (`climate-videos@v4`). Rows are partitioned into buckets by a hash of the record key
 * (`bucketOf`), so the part that holds a record is derived from the record alone and a purge rewrites only that
 * part: no per-record index is needed. Buckets are sized at creation to hold about `TARGET_ROWS_PER_PART` rows.
 *
 * Layout in the vault bucket (Hive-style partition folders, one schema per kind, so a query engine can read every
 * export of a kind as one table: `exports/data/kind=video/**\/*.parquet`):
 *   exports/data/kind=<kind>/format=<format>/spec=<spec>/bucket=<NNNN>/part-v<N>-<w>.<ext>  the current parts
 *   exports/manifests/<spec>/<format>/v<NNNNNN>.json                                   every version's manifest
 *   exports/copies/<copyId>/...                                                         pulled copies (copies.ts)
 * Only the newest version of an export has files: a rebuild or a new create deletes every part it replaced, with
 * all object versions, so a superseded version is lineage (its manifest), never a second copy of the data.
 */
import { canonicalJson } from './audit';
import { sha256Hex } from './hashing';
import { RECORD_KINDS, type RecordKey, type RecordKind } from './records';

export const EXPORT_FORMATS = ['parquet', 'csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORTS_PREFIX = 'exports/';
export const EXPORT_DATA_PREFIX = `${EXPORTS_PREFIX}data/`;
export const EXPORT_MANIFEST_PREFIX = `${EXPORTS_PREFIX}manifests/`;
export const EXPORT_COPIES_PREFIX = `${EXPORTS_PREFIX}copies/`;
/** A small outline beside each manifest (what `steward query` needs of it), so a query never reads the record list. */
export const EXPORT_OUTLINE_PREFIX = `${EXPORTS_PREFIX}outlines/`;

/** Rows a part is sized for at creation; hashing spreads them evenly, far below the 10,000-row limit per part. */
export const TARGET_ROWS_PER_PART = 5000;
/** The most rows a purge may rewrite: one part (bench `export_rebuild_rows_per_purged_record`). */
export const MAX_ROWS_PER_PART = 10_000;

const EXTENSION: Readonly<Record<ExportFormat, string>> = { parquet: 'parquet', csv: 'csv', jsonl: 'jsonl' };

/** `NAME` or `NAME@vN`: an export named after its spec, at its newest version or at version N. */
export interface ExportRef {
  readonly name: string;
  readonly version?: number;
}

const EXPORT_REF = /^([a-z0-9][a-z0-9-]{0,62})(?:@v(\d{1,6}))?$/;

/** Parse `NAME[@vN]`; throws a RangeError that says the expected form. */
export function parseExportRef(text: string): ExportRef {
  const match = EXPORT_REF.exec(text);
  if (!match) throw new RangeError(`"${text}" is not an export name: use a spec name, optionally with a version, e.g. climate-videos or climate-videos@v3`);
  const version = match[2] === undefined ? undefined : Number(match[2]);
  if (version === 0) throw new RangeError(`"${text}": versions start at v1`);
  return version === undefined ? { name: match[1]! } : { name: match[1]!, version };
}

export function exportLabel(name: string, version: number): string {
  return `${name}@v${version}`;
}

/** How many buckets an export of `rows` rows gets: about TARGET_ROWS_PER_PART each, at least one. */
export function bucketCountFor(rows: number): number {
  return Math.max(1, Math.ceil(rows / TARGET_ROWS_PER_PART));
}

/** The bucket of a record: derived from its key alone (SHA-256, first 32 bits, modulo the bucket count). */
export function bucketOf(key: RecordKey, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`bucket count must be a positive integer (got ${buckets})`);
  return Number.parseInt(sha256Hex(key).slice(0, 8), 16) % buckets;
}

/**
 * Where a part lives. `writer` (a few random characters) keeps two workers that build the same version apart: only
 * the one whose manifest is written first wins, and the other deletes its parts.
 */
export function partKeyOf(p: { kind: RecordKind; format: ExportFormat; spec: string; bucket: number; version: number; writer: string }): string {
  return `${EXPORT_DATA_PREFIX}kind=${p.kind}/format=${p.format}/spec=${p.spec}/bucket=${String(p.bucket).padStart(4, '0')}/part-v${p.version}-${p.writer}.${EXTENSION[p.format]}`;
}

export function manifestPrefixOf(spec: string, format?: ExportFormat): string {
  return `${EXPORT_MANIFEST_PREFIX}${spec}/${format ? `${format}/` : ''}`;
}

export function manifestKeyOf(spec: string, format: ExportFormat, version: number): string {
  return `${manifestPrefixOf(spec, format)}v${String(version).padStart(6, '0')}.json`;
}

export function outlineKeyOf(spec: string, format: ExportFormat, version: number): string {
  return `${EXPORT_OUTLINE_PREFIX}${spec}/${format}/v${String(version).padStart(6, '0')}.json`;
}

/** `{spec, format, version}` of a manifest key, or undefined for any other key. */
export function parseManifestKey(key: string): { spec: string; format: ExportFormat; version: number } | undefined {
  const match = /^exports\/manifests\/([a-z0-9-]+)\/(parquet|csv|jsonl)\/v(\d{6})\.json$/.exec(key);
  if (!match) return undefined;
  return { spec: match[1]!, format: match[2] as ExportFormat, version: Number(match[3]) };
}

/**
 * The data fields an export of each kind can have, in their default order (the API's field names). The columns
 * (types, how each is read from the stored record) are lib/jobs/export/columns.ts, which checks it holds exactly
 * these; the config checks a standing export's `fields` against them at load and synth.
 */
export const EXPORT_FIELDS: Readonly<Record<RecordKind, readonly string[]>> = {
  video: [
    'id', 'create_time', 'username', 'region_code', 'video_description', 'music_id', 'like_count', 'comment_count', 'share_count', 'view_count',
    'favorites_count', 'effect_ids', 'hashtag_names', 'playlist_id', 'voice_to_text', 'is_stem_verified', 'video_duration', 'video_mention_list',
    'hashtag_info_list', 'sticker_info_list', 'effect_info_list', 'video_label', 'video_tag',
  ],
  comment: ['id', 'video_id', 'text', 'like_count', 'reply_count', 'parent_comment_id', 'create_time'],
  user: ['username', 'display_name', 'bio_description', 'bio_url', 'avatar_url', 'is_verified', 'follower_count', 'following_count', 'likes_count', 'video_count'],
  ad: [
    'id', 'first_shown_date', 'last_shown_date', 'status', 'status_statement', 'image_urls', 'videos', 'unique_users_seen', 'unique_users_seen_by_country',
    'advertiser_business_id', 'advertiser_business_name', 'advertiser_paid_for_by', 'advertiser_follower_count',
  ],
};

/**
 * What is wrong with `fields` for an export of `kind` (none named, unknown, named twice), each problem naming the
 * valid fields; empty when they are fine.
 */
export function exportFieldProblems(kind: RecordKind, fields: readonly string[]): string[] {
  const known = EXPORT_FIELDS[kind];
  if (fields.length === 0) return [`name at least one field (fields of a ${kind}: ${known.join(', ')})`];
  const unknown = fields.filter((f) => !known.includes(f));
  if (unknown.length > 0) return [`${unknown.map((f) => `"${f}"`).join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of a ${kind}; fields: ${known.join(', ')}`];
  const dupes = fields.filter((f, i) => fields.indexOf(f) !== i);
  if (dupes.length > 0) return [`"${dupes[0]}" is named twice`];
  return [];
}

/** `{spec, format, version}` of a part key (partKeyOf), or undefined for any other key. */
export function parsePartKey(key: string): { spec: string; format: ExportFormat; version: number } | undefined {
  const match = /^exports\/data\/kind=[a-z]+\/format=(parquet|csv|jsonl)\/spec=([a-z0-9-]+)\/bucket=\d{4}\/part-v(\d+)-[0-9a-f]+\.[a-z]+$/.exec(key);
  if (!match) return undefined;
  return { spec: match[2]!, format: match[1] as ExportFormat, version: Number(match[3]) };
}

/**
 * Whether a part file that the current version of its export does not list is a leftover (of a superseded version,
 * or of a writer that lost the race for its version or died before its manifest): its version is taken (`current`
 * is at least its version) and it is not the current version's. A part of a version not yet written may belong to
 * a build in progress and is kept.
 */
export function isLeftoverPart(part: { version: number }, current: number | undefined, listedByCurrent: boolean): boolean {
  return !listedByCurrent && current !== undefined && part.version <= current;
}

/** One part of an export: where it is, what it holds. */
export interface ManifestPart {
  readonly bucket: number;
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  /** The version that wrote this part (a rebuild keeps the parts it did not touch). */
  readonly writtenIn: number;
  /** `[recordKey, contentSha256]` of every row, in row order. */
  readonly records: ReadonlyArray<readonly [RecordKey, string]>;
}

/** Everything that says what an export version is, where it came from, and what it holds. */
export interface ExportManifest {
  readonly schema: 'steward.export/1';
  readonly name: string;
  readonly spec: string;
  readonly kind: RecordKind;
  readonly format: ExportFormat;
  readonly version: number;
  /** Data columns chosen (`--fields`), in order; provenance columns always follow. */
  readonly fields: readonly string[];
  /** SHA-256 of the canonical export query: spec, kind, format, fields. */
  readonly queryFingerprint: string;
  /** The query fingerprints of the collections the rows came from (record provenance). */
  readonly sourceQueryFingerprints: readonly string[];
  /** The instant the ledger was read: every row is the record as stored then. */
  readonly asOf: string;
  readonly createdBy: string;
  readonly reason: 'create' | 'rebuild';
  /** For a rebuild: the version rebuilt, and how many records left it. */
  readonly rebuiltFrom?: { readonly version: number; readonly removed: number };
  /** Policy versions of the rows: `{ "tiktok-research": [1] }`. */
  readonly policyVersions: Readonly<Record<string, readonly number[]>>;
  readonly buckets: number;
  readonly rowCount: number;
  readonly parts: readonly ManifestPart[];
  /** SHA-256 of the canonical JSON of everything above. */
  readonly digest: string;
}

export type UnsignedManifest = Omit<ExportManifest, 'digest'>;

export function manifestDigest(manifest: UnsignedManifest | ExportManifest): string {
  const { digest: _digest, ...rest } = manifest as ExportManifest;
  return sha256Hex(canonicalJson(rest));
}

export function sealManifest(manifest: UnsignedManifest): ExportManifest {
  return { ...manifest, digest: manifestDigest(manifest) };
}

/**
 * What a query reads of a manifest (kind, fields, parts with their row counts), bound to it by its digest: written
 * beside it by the worker whose manifest was stored, read by `steward query` instead of the record list of every
 * part; verify checks it against the manifest. A manifest without one (older exports, a crash in between) is read.
 */
export interface ExportOutline extends Pick<ExportManifest, 'name' | 'spec' | 'kind' | 'format' | 'version' | 'fields' | 'rowCount'> {
  readonly schema: 'steward.export-outline/1';
  readonly parts: ReadonlyArray<{ readonly key: string; readonly rows: number }>;
  readonly manifestDigest: string;
}

export function outlineOf(m: ExportManifest): ExportOutline {
  return {
    schema: 'steward.export-outline/1',
    name: m.name,
    spec: m.spec,
    kind: m.kind,
    format: m.format,
    version: m.version,
    fields: [...m.fields],
    rowCount: m.rowCount,
    parts: m.parts.map((p) => ({ key: p.key, rows: p.rows })),
    manifestDigest: m.digest,
  };
}

/** The canonical query fingerprint of an export. */
export function exportQueryFingerprint(q: { spec: string; kind: RecordKind; format: ExportFormat; fields: readonly string[] }): string {
  return sha256Hex(canonicalJson({ spec: q.spec, kind: q.kind, format: q.format, fields: [...q.fields] }));
}

/** Problems of a manifest against itself (digest, counts, bucket of every record); empty when consistent. */
export function manifestProblems(manifest: ExportManifest): string[] {
  const problems: string[] = [];
  const label = exportLabel(manifest.name, manifest.version);
  if (manifestDigest(manifest) !== manifest.digest) problems.push(`${label} (${manifest.format}): manifest digest does not match its content (edited?)`);
  const rows = manifest.parts.reduce((n, p) => n + p.rows, 0);
  if (rows !== manifest.rowCount) problems.push(`${label} (${manifest.format}): parts hold ${rows} rows, the manifest says ${manifest.rowCount}`);
  for (const part of manifest.parts) {
    if (part.records.length !== part.rows) problems.push(`${label} (${manifest.format}): part ${part.bucket} lists ${part.records.length} records for ${part.rows} rows`);
    const misplaced = part.records.filter(([key]) => bucketOf(key, manifest.buckets) !== part.bucket).length;
    if (misplaced > 0) problems.push(`${label} (${manifest.format}): part ${part.bucket} holds ${misplaced} record(s) of other buckets`);
  }
  return problems;
}

/** The part of `manifest` that holds `key`, if any: one bucket looked at, no index. */
export function partHolding(manifest: ExportManifest, key: RecordKey): ManifestPart | undefined {
  const bucket = bucketOf(key, manifest.buckets);
  const part = manifest.parts.find((p) => p.bucket === bucket);
  return part?.records.some(([k]) => k === key) ? part : undefined;
}

export function isRecordKind(value: string): value is RecordKind {
  return (RECORD_KINDS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------- pulled copies

/** A copy of an export version a member pulled out of the vault. Names the member; holds no content. */
export interface PulledCopy {
  readonly copyId: string;
  readonly name: string;
  readonly format: ExportFormat;
  readonly version: number;
  readonly member: string;
  readonly pulledAt: string;
  readonly rows: number;
}

/** Records purged since a copy was pulled (written by the run that purged them; counts only). */
export interface CopyPurgeNote {
  readonly runId: string;
  /** The export version the rebuild wrote (a run may rebuild an export more than once). */
  readonly rebuiltVersion: number;
  readonly at: string;
  readonly records: number;
  /** The purge window of the policy of those records: the copy must be released within it. */
  readonly purgeWithinHours: number;
}

export interface CopyRelease {
  readonly member: string;
  readonly at: string;
}

/** A pulled copy's standing: whether it holds purged records, and since when its holder owes a release. */
export interface CopyStanding {
  readonly copy: PulledCopy;
  readonly released?: CopyRelease;
  readonly purgedSince: number;
  /** When the first record of the copy was purged. */
  readonly firstPurgedAt?: string;
  /** The copy must be released by then (the earliest purge plus its policy's purge window). */
  readonly releaseDueAt?: string;
  readonly overdue: boolean;
}

export function copyStanding(copy: PulledCopy, notes: readonly CopyPurgeNote[], released: CopyRelease | undefined, now: Date): CopyStanding {
  const purgedSince = notes.reduce((n, note) => n + note.records, 0);
  if (notes.length === 0) return { copy, ...(released ? { released } : {}), purgedSince: 0, overdue: false };
  const due = notes.map((n) => Date.parse(n.at) + n.purgeWithinHours * 3_600_000).reduce((a, b) => Math.min(a, b));
  const first = notes.map((n) => n.at).reduce((a, b) => (a < b ? a : b));
  return {
    copy,
    ...(released ? { released } : {}),
    purgedSince,
    firstPurgedAt: first,
    releaseDueAt: new Date(due).toISOString(),
    overdue: released === undefined && now.getTime() > due,
  };
}

/** The sentence report, verify and the daily check print for a stale copy (names the member, never content). */
export function staleCopyText(s: CopyStanding): string {
  const day = s.copy.pulledAt.slice(5, 10);
  const due = s.releaseDueAt ? `${s.overdue ? 'overdue since' : 'release by'} ${s.releaseDueAt}` : '';
  return `${s.copy.member} holds ${s.copy.name} v${s.copy.version} (${s.copy.format}, copy ${s.copy.copyId}) pulled ${day}: ${s.purgedSince} record(s) purged since; replace it (${due}), then: steward export release ${s.copy.name} --copy ${s.copy.copyId}`;
}
