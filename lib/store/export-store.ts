/**
 * Export storage: the port jobs use for analysis exports, and its adapter on the vault's object store (the
 * `exports/` prefix of the data bucket, so every part and manifest is SSE-KMS with the content key, versioned, and
 * deleted with all its versions). Member roles may read this prefix and nothing else of the bucket.
 *
 * Pulled copies are append-only: a pull writes `copies/<id>/pulled.json`; a purge that hits the copy's version adds
 * `copies/<id>/purged-<runId>.json` (counts only); a release adds `copies/<id>/released.json`. Nothing is
 * read-modify-written, so purge workers running in parallel never lose each other's notes.
 */
import * as z from 'zod';
import {
  EXPORT_COPIES_PREFIX,
  EXPORT_FORMATS,
  EXPORT_MANIFEST_PREFIX,
  manifestKeyOf,
  manifestPrefixOf,
  outlineKeyOf,
  outlineOf,
  parseManifestKey,
  type CopyPurgeNote,
  type CopyRelease,
  type ExportFormat,
  type ExportManifest,
  type ExportOutline,
  type PulledCopy,
} from '../domain/exports';
import { parseJson, stringifyJson } from '../domain/json';
import { RECORD_KINDS } from '../domain/records';
import { StewardError } from '../domain/errors';
import type { ObjectStore } from './ports';
import { ObjectExistsError } from './s3-object-store';

/** Where exports live, as jobs see it. */
export interface ExportStore {
  putPart(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  getPart(key: string): Promise<Buffer | undefined>;
  /** Remove every version of a part; returns how many. */
  deletePart(key: string): Promise<number>;
  /** Keys of every part file under the data prefix (for verification). */
  listParts(): AsyncIterable<string>;
  /**
   * Write a new version's manifest, then its outline (lib/domain/exports.ts `ExportOutline`); throws
   * ExportVersionTakenError when that version exists already (its outline is then the other worker's).
   */
  putManifest(manifest: ExportManifest): Promise<void>;
  getManifest(spec: string, format: ExportFormat, version: number): Promise<ExportManifest | undefined>;
  /** The stored outline of a manifest, as stored (checked against its manifest by verify), or undefined. */
  getOutline(spec: string, format: ExportFormat, version: number): Promise<unknown>;
  /** The newest version of each export (spec and format), or of one spec. */
  latestVersions(spec?: string): Promise<Array<{ spec: string; format: ExportFormat; version: number }>>;
  /** Every version number of one export, ascending. */
  versions(spec: string, format: ExportFormat): Promise<number[]>;
  putCopy(copy: PulledCopy): Promise<void>;
  getCopy(copyId: string): Promise<{ copy: PulledCopy; notes: CopyPurgeNote[]; released?: CopyRelease } | undefined>;
  copyIds(): AsyncIterable<string>;
  addPurgeNote(copyId: string, note: CopyPurgeNote): Promise<void>;
  putRelease(copyId: string, release: CopyRelease): Promise<void>;
}

/** Another worker wrote this export version first: rebuild on top of it. */
export class ExportVersionTakenError extends StewardError {}

const ManifestPartSchema = z.object({
  bucket: z.number().int().min(0),
  key: z.string(),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256: z.string(),
  writtenIn: z.number().int().min(1),
  records: z.array(z.tuple([z.string(), z.string()])),
});

export const ExportManifestSchema = z.object({
  schema: z.literal('steward.export/1'),
  name: z.string(),
  spec: z.string(),
  kind: z.enum(RECORD_KINDS),
  format: z.enum(EXPORT_FORMATS),
  version: z.number().int().min(1),
  fields: z.array(z.string()),
  queryFingerprint: z.string(),
  sourceQueryFingerprints: z.array(z.string()),
  asOf: z.string(),
  createdBy: z.string(),
  reason: z.enum(['create', 'rebuild']),
  rebuiltFrom: z.object({ version: z.number().int(), removed: z.number().int() }).optional(),
  policyVersions: z.record(z.string(), z.array(z.number())),
  buckets: z.number().int().min(1),
  rowCount: z.number().int().min(0),
  parts: z.array(ManifestPartSchema),
  digest: z.string(),
});

const PulledCopySchema = z.object({
  copyId: z.string(),
  name: z.string(),
  format: z.enum(EXPORT_FORMATS),
  version: z.number().int().min(1),
  member: z.string(),
  pulledAt: z.string(),
  rows: z.number().int().min(0),
});
const PurgeNoteSchema = z.object({ runId: z.string(), rebuiltVersion: z.number().int(), at: z.string(), records: z.number().int().min(0), purgeWithinHours: z.number() });
const ReleaseSchema = z.object({ member: z.string(), at: z.string() });

function parseStored<S extends z.ZodType>(schema: S, body: Buffer, key: string): z.output<S> {
  const parsed = schema.safeParse(parseJson(body.toString('utf8')));
  if (!parsed.success) throw new Error(`${key} is not a valid Steward export document: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const copyPrefix = (copyId: string) => `${EXPORT_COPIES_PREFIX}${copyId}/`;

/** The export store on the vault's object store. */
export class ObjectExportStore implements ExportStore {
  constructor(private readonly objects: ObjectStore) {}

  putPart(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    return this.objects.put(key, body, { contentType });
  }

  async getPart(key: string): Promise<Buffer | undefined> {
    return (await this.objects.get(key))?.body;
  }

  deletePart(key: string): Promise<number> {
    return this.objects.deleteAllVersions(key);
  }

  listParts(): AsyncIterable<string> {
    return this.objects.list('exports/data/');
  }

  async putManifest(manifest: ExportManifest): Promise<void> {
    try {
      await this.objects.put(manifestKeyOf(manifest.spec, manifest.format, manifest.version), stringifyJson(manifest), { onlyIfAbsent: true });
    } catch (error) {
      if (error instanceof ObjectExistsError) throw new ExportVersionTakenError(`${manifest.spec}@v${manifest.version} (${manifest.format}) was written meanwhile by another worker`, { cause: error });
      throw error;
    }
    // Only the worker whose manifest was stored writes its outline. Not written (a crash, an error): queries read
    // the manifest instead, so the version stands either way.
    const outline: ExportOutline = outlineOf(manifest);
    await this.objects.put(outlineKeyOf(manifest.spec, manifest.format, manifest.version), stringifyJson(outline), { contentType: 'application/json' }).catch(() => {});
  }

  async getOutline(spec: string, format: ExportFormat, version: number): Promise<unknown> {
    const stored = await this.objects.get(outlineKeyOf(spec, format, version));
    if (!stored) return undefined;
    try {
      return JSON.parse(stored.body.toString('utf8')) as unknown;
    } catch {
      return { unreadable: true };
    }
  }

  async getManifest(spec: string, format: ExportFormat, version: number): Promise<ExportManifest | undefined> {
    const key = manifestKeyOf(spec, format, version);
    const stored = await this.objects.get(key);
    return stored ? (parseStored(ExportManifestSchema, stored.body, key) as ExportManifest) : undefined;
  }

  async latestVersions(spec?: string): Promise<Array<{ spec: string; format: ExportFormat; version: number }>> {
    const latest = new Map<string, { spec: string; format: ExportFormat; version: number }>();
    for await (const key of this.objects.list(spec ? manifestPrefixOf(spec) : EXPORT_MANIFEST_PREFIX)) {
      const parsed = parseManifestKey(key);
      if (!parsed) continue;
      const id = `${parsed.spec}/${parsed.format}`;
      if ((latest.get(id)?.version ?? 0) < parsed.version) latest.set(id, parsed);
    }
    return [...latest.values()].sort((a, b) => (a.spec === b.spec ? a.format.localeCompare(b.format) : a.spec.localeCompare(b.spec)));
  }

  async versions(spec: string, format: ExportFormat): Promise<number[]> {
    const found: number[] = [];
    for await (const key of this.objects.list(manifestPrefixOf(spec, format))) {
      const parsed = parseManifestKey(key);
      if (parsed) found.push(parsed.version);
    }
    return found.sort((a, b) => a - b);
  }

  putCopy(copy: PulledCopy): Promise<void> {
    return this.objects.put(`${copyPrefix(copy.copyId)}pulled.json`, stringifyJson(copy));
  }

  async getCopy(copyId: string): Promise<{ copy: PulledCopy; notes: CopyPurgeNote[]; released?: CopyRelease } | undefined> {
    if (!/^[a-z0-9-]{1,64}$/.test(copyId)) return undefined;
    let copy: PulledCopy | undefined;
    let released: CopyRelease | undefined;
    const notes: CopyPurgeNote[] = [];
    for await (const key of this.objects.list(copyPrefix(copyId))) {
      const stored = await this.objects.get(key);
      if (!stored) continue;
      const file = key.slice(copyPrefix(copyId).length);
      if (file === 'pulled.json') copy = parseStored(PulledCopySchema, stored.body, key);
      else if (file === 'released.json') released = parseStored(ReleaseSchema, stored.body, key);
      else if (file.startsWith('purged-')) notes.push(parseStored(PurgeNoteSchema, stored.body, key));
    }
    return copy ? { copy, notes, ...(released ? { released } : {}) } : undefined;
  }

  async *copyIds(): AsyncIterable<string> {
    for await (const key of this.objects.list(EXPORT_COPIES_PREFIX)) {
      const match = /^exports\/copies\/([a-z0-9-]+)\/pulled\.json$/.exec(key);
      if (match) yield match[1]!;
    }
  }

  addPurgeNote(copyId: string, note: CopyPurgeNote): Promise<void> {
    return this.objects.put(`${copyPrefix(copyId)}purged-${note.runId}-v${note.rebuiltVersion}.json`, stringifyJson(note));
  }

  putRelease(copyId: string, release: CopyRelease): Promise<void> {
    return this.objects.put(`${copyPrefix(copyId)}released.json`, stringifyJson(release));
  }
}
