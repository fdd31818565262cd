/**
 * Building export versions: `createExport` writes a new version of a spec's dataset from the ledger and the vault;
 * `rebuildExportsWithout` writes, for every export whose newest version holds any of the given (purged) records,
 * a version without them. A rebuild rewrites only the parts that held a record (the record's bucket, derived from
 * its key) and deletes every version of each replaced file; pulled copies of versions that held a purged record
 * get a note (counts only), which makes them an obligation of their holder until released.
 */
import { randomBytes } from 'node:crypto';
import { BadInputError } from '../../domain/errors';
import {
  EXPORT_FORMATS,
  bucketCountFor,
  bucketOf,
  exportFieldProblems,
  exportLabel,
  exportQueryFingerprint,
  partHolding,
  partKeyOf,
  sealManifest,
  type ExportFormat,
  type ExportManifest,
  type ManifestPart,
} from '../../domain/exports';
import { sha256Hex } from '../../domain/hashing';
import { parseJson } from '../../domain/json';
import { parseRecordKey, recordKeyOf, type ActiveRecord, type RecordKey, type RecordKind } from '../../domain/records';
import type { AuditChainWriter } from '../../store/ports';
import { ExportVersionTakenError, type ExportStore } from '../../store/export-store';
import { mapLimit, newRunId, type JobContext, type ProgressSink, type RebuildReport } from '../context';
import { dueRecords, sweepShards } from '../due';
import { startRun } from '../runs';
import { columnsOf, fieldsOfKind, rowOf, type Row } from './columns';
import { CONTENT_TYPES, encodePart } from './writers';

/** Object reads in flight at once (S3 GETs are latency-bound). */
const READ_CONCURRENCY = 32;
const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

export interface CreateExportInput {
  readonly spec: string;
  readonly format?: ExportFormat;
  readonly fields?: readonly string[];
}

export interface ExportSummary {
  readonly name: string;
  readonly label: string;
  readonly kind: RecordKind;
  readonly format: ExportFormat;
  readonly version: number;
  readonly rows: number;
  readonly parts: number;
  readonly asOf: string;
  readonly digest: string;
  readonly runId: string;
}

export interface CheckedExportInput {
  readonly spec: string;
  readonly kind: RecordKind;
  readonly format: ExportFormat;
  readonly fields: readonly string[];
}

/** Check a create request against the config; throws BadInputError naming the option. Writes nothing. */
export function checkExportInput(ctx: Pick<JobContext, 'config'>, input: CreateExportInput): CheckedExportInput {
  const spec = ctx.config.specs.find((s) => s.name === input.spec);
  if (!spec) {
    throw new BadInputError(`--spec: no spec "${input.spec}" in the config (specs: ${ctx.config.specs.map((s) => s.name).join(', ') || 'none'})`);
  }
  const format = input.format ?? 'parquet';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new BadInputError(`--format: "${format}" is not a format; use one of ${EXPORT_FORMATS.join(', ')}`);
  const kind = spec.kind;
  const fields = input.fields ?? fieldsOfKind(kind);
  const problem = exportFieldProblems(kind, fields)[0];
  if (problem) throw new BadInputError(`--fields: ${problem}`);
  return { spec: spec.name, kind, format: format as ExportFormat, fields: [...fields] };
}

/** The spec's active records (no purge pending), from the due index: every shard, one Query page after another. */
async function activeRecordsOf(ctx: JobContext, spec: string): Promise<ActiveRecord[]> {
  const found: ActiveRecord[] = [];
  for await (const page of dueRecords(ctx.ledger, FAR_FUTURE, sweepShards(ctx.ledger))) {
    for (const record of page.records) if (record.provenance.specName === spec && !record.purgePending) found.push(record);
  }
  return found;
}

/** Rows of `records` whose object is still there (a record purged meanwhile is left out). */
async function rowsOf(ctx: JobContext, records: readonly ActiveRecord[], fields: readonly string[], progress?: ProgressSink): Promise<Array<{ record: ActiveRecord; row: Row }>> {
  let done = 0;
  const read = await mapLimit(records, READ_CONCURRENCY, async (record) => {
    const stored = await ctx.objects.get(record.objectKey);
    if (++done % 100 === 0 || done === records.length) progress?.({ job: 'export', phase: 'reading records', done, total: records.length });
    return stored ? { record, row: rowOf(record, parseJson(stored.body.toString('utf8')), fields) } : undefined;
  });
  return read.filter((r): r is { record: ActiveRecord; row: Row } => r !== undefined);
}

async function writePart(
  store: ExportStore,
  base: { kind: RecordKind; format: ExportFormat; spec: string; fields: readonly string[]; version: number; writer: string },
  bucket: number,
  rows: ReadonlyArray<{ record: ActiveRecord; row: Row }>,
): Promise<ManifestPart> {
  const sorted = [...rows].sort((a, b) => (recordKeyOf(a.record.ref) < recordKeyOf(b.record.ref) ? -1 : 1));
  const body = encodePart(base.format, columnsOf(base.kind, base.fields), sorted.map((r) => r.row));
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const key = partKeyOf({ ...base, bucket });
  await store.putPart(key, bytes, CONTENT_TYPES[base.format]);
  return {
    bucket,
    key,
    rows: sorted.length,
    bytes: bytes.byteLength,
    sha256: sha256Hex(bytes),
    writtenIn: base.version,
    records: sorted.map((r) => [recordKeyOf(r.record.ref), r.record.contentSha256] as const),
  };
}

function policyVersionsOf(records: Iterable<{ policyId: string; policyVersion: number }>, into: Record<string, Set<number>> = {}): Record<string, number[]> {
  for (const r of records) (into[r.policyId] ??= new Set()).add(r.policyVersion);
  return Object.fromEntries(Object.entries(into).map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
}

/** Open a run for export work: a run item and an audit chain that `finish` closes. */
async function openRun(ctx: JobContext, job: string): Promise<{ runId: string; chain: AuditChainWriter; finish: (counts: Record<string, number>) => Promise<void> }> {
  const now = ctx.clock.now();
  const runId = newRunId(job, now);
  const startedAt = now.toISOString();
  const chain = await startRun(ctx, job, runId, startedAt);
  await chain.append([{ at: startedAt, action: 'run.started', actor: ctx.actor, runId }]);
  return {
    runId,
    chain,
    finish: async (counts) => {
      const finishedAt = ctx.clock.now().toISOString();
      await chain.append([{ at: finishedAt, action: 'run.finished', actor: ctx.actor, runId, counts }]);
      await ctx.ledger.putRun({ runId, job, startedAt, finishedAt, actor: ctx.actor.name, status: 'finished', counts });
    },
  };
}

export { openRun as openExportRun };

/** Write version N+1 of the spec's export in `format`: the spec's active records as of now. */
export async function createExport(ctx: JobContext, store: ExportStore, input: CreateExportInput, options: { progress?: ProgressSink } = {}): Promise<ExportSummary> {
  const checked = checkExportInput(ctx, input);
  const asOf = ctx.clock.now().toISOString();
  const { progress } = options;
  progress?.({ job: 'export', phase: 'finding records', done: 0 });
  const records = await activeRecordsOf(ctx, checked.spec);
  if (records.length === 0) throw new BadInputError(`--spec: spec "${checked.spec}" holds no active records to export (collect it first: steward collect --spec ${checked.spec})`);
  const rows = await rowsOf(ctx, records, checked.fields, progress);
  if (rows.length === 0) throw new BadInputError(`--spec: spec "${checked.spec}" holds no active records to export`);

  const run = await openRun(ctx, 'export');
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeVersion(ctx, store, checked, rows, asOf, run, progress);
    } catch (error) {
      // Another worker wrote the same version first: write the next one.
      if (!(error instanceof ExportVersionTakenError) || attempt >= MAX_VERSION_ATTEMPTS) throw error;
    }
  }
}

/** Attempts at writing a version when other workers keep taking the number. */
const MAX_VERSION_ATTEMPTS = 5;

/** A short random tag for the files one worker writes (partKeyOf). */
function writerTag(): string {
  return randomBytes(3).toString('hex');
}

async function writeVersion(
  ctx: JobContext,
  store: ExportStore,
  checked: CheckedExportInput,
  rows: ReadonlyArray<{ record: ActiveRecord; row: Row }>,
  asOf: string,
  run: Awaited<ReturnType<typeof openRun>>,
  progress?: ProgressSink,
): Promise<ExportSummary> {
  const previous = (await store.latestVersions(checked.spec)).find((v) => v.format === checked.format);
  const version = (previous?.version ?? 0) + 1;
  const buckets = bucketCountFor(rows.length);
  const byBucket = new Map<number, Array<{ record: ActiveRecord; row: Row }>>();
  for (const r of rows) {
    const bucket = bucketOf(recordKeyOf(r.record.ref), buckets);
    let list = byBucket.get(bucket);
    if (!list) byBucket.set(bucket, (list = []));
    list.push(r);
  }
  const base = { kind: checked.kind, format: checked.format, spec: checked.spec, fields: checked.fields, version, writer: writerTag() };
  let written = 0;
  progress?.({ job: 'export', phase: 'writing parts', done: 0, total: byBucket.size, counts: { rows: rows.length } });
  const parts = await mapLimit([...byBucket.keys()].sort((a, b) => a - b), 4, async (bucket) => {
    const part = await writePart(store, base, bucket, byBucket.get(bucket)!);
    progress?.({ job: 'export', phase: 'writing parts', done: ++written, total: byBucket.size, counts: { rows: rows.length } });
    return part;
  });
  const manifest = sealManifest({
    schema: 'steward.export/1',
    name: checked.spec,
    spec: checked.spec,
    kind: checked.kind,
    format: checked.format,
    version,
    fields: checked.fields,
    queryFingerprint: exportQueryFingerprint(checked),
    sourceQueryFingerprints: [...new Set(rows.map((r) => r.record.provenance.queryFingerprint))].sort(),
    asOf,
    createdBy: ctx.actor.name,
    reason: 'create',
    policyVersions: policyVersionsOf(rows.map((r) => r.record)),
    buckets,
    rowCount: rows.length,
    parts,
  });
  try {
    await store.putManifest(manifest);
  } catch (error) {
    if (error instanceof ExportVersionTakenError) await mapLimit(parts, 8, (p) => store.deletePart(p.key));
    throw error;
  }
  // The version it supersedes keeps its manifest (lineage) but not its files: one copy of the data, the newest.
  const superseded = previous ? await store.getManifest(checked.spec, checked.format, previous.version) : undefined;
  const removedFiles = superseded ? (await mapLimit(superseded.parts, 8, (p) => store.deletePart(p.key))).length : 0;
  await run.chain.append([
    {
      at: ctx.clock.now().toISOString(),
      action: 'export.created',
      actor: ctx.actor,
      runId: run.runId,
      specName: checked.spec,
      evidence: { format: checked.format, version, digest: manifest.digest },
      counts: { rows: rows.length, parts: parts.length, supersededFiles: removedFiles },
    },
  ]);
  await run.finish({ rows: rows.length, parts: parts.length });
  return {
    name: checked.spec,
    label: exportLabel(checked.spec, version),
    kind: checked.kind,
    format: checked.format,
    version,
    rows: rows.length,
    parts: parts.length,
    asOf,
    digest: manifest.digest,
    runId: run.runId,
  };
}

// ---------------------------------------------------------------------------------------------- rebuild

export type { RebuildReport };

export function emptyRebuildReport(): RebuildReport {
  return { exportsRebuilt: 0, partsRewritten: 0, rowsRewritten: 0, rowsRemoved: 0, filesDeleted: 0, staleCopies: 0 };
}

/**
 * Rebuild every export whose newest version holds any of `keys`, without them, and note the purge on each
 * unreleased pulled copy whose version held one. Appends `export.rebuilt` (counts only) to `chain`.
 */
export async function rebuildExportsWithout(
  ctx: JobContext,
  store: ExportStore,
  keys: ReadonlySet<RecordKey>,
  chain: AuditChainWriter,
  options: { runId?: string } = {},
): Promise<RebuildReport> {
  const report = emptyRebuildReport();
  if (keys.size === 0) return report;
  const runId = options.runId ?? chain.chainId;
  const latest = await store.latestVersions();
  if (latest.length === 0) return report;
  for (const { spec, format } of latest) {
    let manifest: ExportManifest | undefined;
    let rebuilt: Awaited<ReturnType<typeof rebuildParts>> | undefined;
    for (let attempt = 1; rebuilt === undefined; attempt++) {
      // The newest version now (another worker may have written one since the listing).
      const version = (await store.versions(spec, format)).at(-1);
      manifest = version === undefined ? undefined : await store.getManifest(spec, format, version);
      if (!manifest) break;
      const hit = new Map<number, ManifestPart>();
      for (const key of keys) {
        const part = partHolding(manifest, key);
        if (part) hit.set(part.bucket, part);
      }
      if (hit.size === 0) break;
      try {
        rebuilt = await rebuildParts(ctx, store, manifest, [...hit.values()], keys);
      } catch (error) {
        if (!(error instanceof ExportVersionTakenError) || attempt >= MAX_VERSION_ATTEMPTS) throw error;
      }
    }
    if (!manifest || !rebuilt) continue;
    const version = manifest.version;
    report.exportsRebuilt += 1;
    report.partsRewritten += rebuilt.partsRewritten;
    report.rowsRewritten += rebuilt.rowsRewritten;
    report.rowsRemoved += rebuilt.rowsRemoved;
    report.filesDeleted += rebuilt.filesDeleted;
    const stale = await notePurgedOnCopies(ctx, store, manifest, keys, { runId, rebuiltVersion: rebuilt.version });
    report.staleCopies += stale;
    await chain.append([
      {
        at: ctx.clock.now().toISOString(),
        action: 'export.rebuilt',
        actor: ctx.actor,
        runId,
        specName: spec,
        evidence: { format, fromVersion: version, version: rebuilt.version },
        counts: { rowsRemoved: rebuilt.rowsRemoved, partsRewritten: rebuilt.partsRewritten, rowsRewritten: rebuilt.rowsRewritten, filesDeleted: rebuilt.filesDeleted, staleCopies: stale },
      },
    ]);
  }
  return report;
}

async function rebuildParts(
  ctx: JobContext,
  store: ExportStore,
  manifest: ExportManifest,
  parts: readonly ManifestPart[],
  removed: ReadonlySet<RecordKey>,
): Promise<{ version: number; partsRewritten: number; rowsRewritten: number; rowsRemoved: number; filesDeleted: number }> {
  const version = manifest.version + 1;
  const base = { kind: manifest.kind, format: manifest.format, spec: manifest.spec, fields: manifest.fields, version, writer: writerTag() };
  const replaced = new Map<number, ManifestPart>();
  let rowsRemoved = 0;
  let rowsRewritten = 0;
  for (const part of parts) {
    const keep = part.records.map(([key]) => key).filter((key) => !removed.has(key));
    const known = new Map<RecordKey, ActiveRecord>();
    for (let i = 0; i < keep.length; i += 100) {
      const found = await ctx.ledger.getRecords(keep.slice(i, i + 100).map(parseRecordKey));
      for (const [key, record] of found) if (record.status === 'active' && !record.purgePending) known.set(key, record);
    }
    const rows = await rowsOf(ctx, [...known.values()], manifest.fields);
    rowsRemoved += part.rows - rows.length;
    rowsRewritten += rows.length;
    if (rows.length > 0) replaced.set(part.bucket, await writePart(store, base, part.bucket, rows));
  }
  const nextParts = manifest.parts.flatMap((p) => {
    if (!parts.some((hit) => hit.bucket === p.bucket)) return [p];
    const fresh = replaced.get(p.bucket);
    return fresh ? [fresh] : [];
  });
  const { digest: _old, ...unsigned } = manifest;
  const next = sealManifest({
    ...unsigned,
    version,
    asOf: ctx.clock.now().toISOString(),
    createdBy: ctx.actor.name,
    reason: 'rebuild',
    rebuiltFrom: { version: manifest.version, removed: rowsRemoved },
    // Policy versions stay those of the version rebuilt: a rebuild only removes rows.
    policyVersions: manifest.policyVersions,
    rowCount: nextParts.reduce((n, p) => n + p.rows, 0),
    parts: nextParts,
  });
  try {
    await store.putManifest(next);
  } catch (error) {
    // Another worker rebuilt this export first: drop what this one wrote; the caller rebuilds on top of theirs.
    if (error instanceof ExportVersionTakenError) for (const fresh of replaced.values()) await store.deletePart(fresh.key);
    throw error;
  }
  let filesDeleted = 0;
  for (const part of parts) {
    await store.deletePart(part.key);
    filesDeleted += 1;
  }
  return { version, partsRewritten: parts.length, rowsRewritten, rowsRemoved, filesDeleted };
}

/** Note the purge on each unreleased copy of this export whose version held a purged record; returns how many. */
async function notePurgedOnCopies(
  ctx: JobContext,
  store: ExportStore,
  manifest: ExportManifest,
  keys: ReadonlySet<RecordKey>,
  note: { runId: string; rebuiltVersion: number },
): Promise<number> {
  let stale = 0;
  const manifests = new Map<number, ExportManifest | undefined>([[manifest.version, manifest]]);
  for await (const copyId of store.copyIds()) {
    const held = await store.getCopy(copyId);
    if (!held || held.released || held.copy.name !== manifest.spec || held.copy.format !== manifest.format) continue;
    if (!manifests.has(held.copy.version)) manifests.set(held.copy.version, await store.getManifest(manifest.spec, manifest.format, held.copy.version));
    const version = manifests.get(held.copy.version);
    if (!version) continue;
    const records = [...keys].filter((key) => partHolding(version, key) !== undefined).length;
    if (records === 0) continue;
    const policy = ctx.policies[manifest.kind === 'ad' ? 'tiktok-commercial' : 'tiktok-research'];
    await store.addPurgeNote(copyId, { runId: note.runId, rebuiltVersion: note.rebuiltVersion, at: ctx.clock.now().toISOString(), records, purgeWithinHours: policy.purgeWithinHours });
    stale += 1;
  }
  return stale;
}
