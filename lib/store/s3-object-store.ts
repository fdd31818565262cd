/**
 * The object store on S3: one object per record, SSE-KMS with the project key when deployed, and purges that
 * remove every version and delete marker of a key (a versioned bucket keeps old versions after a plain delete).
 *
 * Local S3 (s3rver) has no versioning: it answers ListObjectVersions with 405 MethodNotAllowed. In
 * `versioning: 'auto'` mode the store then falls back to a plain delete plus a HEAD check, and says so (the
 * `onUnversionedFallback` callback and the `versioningSupported` flag). Deployed stores use `'required'`, where
 * that answer is an error: a purge that cannot see versions cannot prove anything.
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StewardError } from '../domain/errors';
import { chunk } from './retry';
import type { ObjectStore, StoredObject } from './ports';

export type VersioningMode = 'required' | 'auto';

export interface S3ObjectStoreOptions {
  /** KMS key (id or ARN) for SSE-KMS on every PUT, with an S3 Bucket Key. Unset: the bucket default applies. */
  readonly kmsKeyId?: string;
  /**
   * `'required'`: a bucket (or emulator) that cannot list versions makes purges fail. `'auto'`: fall back to a
   * plain delete plus a HEAD check, reported once through `onUnversionedFallback`. @default 'required'
   */
  readonly versioning?: VersioningMode;
  /** Called once, the first time `'auto'` mode falls back. @default a console.warn */
  readonly onUnversionedFallback?: (info: { bucket: string; reason: string }) => void;
  /** How many times a purge re-lists and deletes when new versions appear meanwhile. @default 3 */
  readonly maxPurgeRounds?: number;
  /** Keys per ListObjectsV2 page in `list` (S3 caps it at 1000). @default 1000 */
  readonly listPageSize?: number;
}

/** A purge could not be completed or proven. */
export class PurgeError extends StewardError {
  constructor(
    message: string,
    readonly key: string,
    readonly codes: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A conditional put (`onlyIfAbsent`) found the key written already. */
export class ObjectExistsError extends StewardError {}

/** The bucket cannot list object versions and the store runs in `'required'` mode. */
export class VersioningUnavailableError extends StewardError {}

interface VersionRef {
  readonly Key: string;
  readonly VersionId: string;
}

function isVersioningUnsupported(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? e?.Code;
  return name === 'MethodNotAllowed' || name === 'NotImplemented' || e?.$metadata?.httpStatusCode === 405 || e?.$metadata?.httpStatusCode === 501;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
  private readonly versioning: VersioningMode;
  private readonly maxPurgeRounds: number;
  private supported: boolean | undefined;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly options: S3ObjectStoreOptions = {},
  ) {
    this.versioning = options.versioning ?? 'required';
    this.maxPurgeRounds = options.maxPurgeRounds ?? 3;
  }

  /** `false` once the bucket answered that it cannot list versions (only ever in `'auto'` mode); `undefined` until known. */
  get versioningSupported(): boolean | undefined {
    return this.supported;
  }

  async put(key: string, body: string | Uint8Array, options: { contentType?: string; metadata?: Record<string, string>; onlyIfAbsent?: boolean } = {}): Promise<void> {
    const kms = this.options.kmsKeyId;
    try {
      await this.putObject(key, body, options, kms);
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (options.onlyIfAbsent && (e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412)) {
        throw new ObjectExistsError(`s3://${this.bucket}/${key} exists already (written meanwhile by another worker)`, { cause: error });
      }
      throw error;
    }
  }

  private async putObject(key: string, body: string | Uint8Array, options: { contentType?: string; metadata?: Record<string, string>; onlyIfAbsent?: boolean }, kms: string | undefined): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        // A Buffer or string, never a stream: streamed bodies with SDK checksums are corrupted by s3rver (toolchain G8).
        Body: typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        ContentType: options.contentType ?? 'application/json',
        Metadata: options.metadata,
        // A conditional write: S3 refuses it (412) when the key exists, so two writers cannot both create it.
        ...(options.onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
        ...(kms ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: kms, BucketKeyEnabled: true } : {}),
      }),
    );
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { key, body: Buffer.from(bytes), metadata: { ...(out.Metadata ?? {}) } };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async head(key: string): Promise<{ sizeBytes: number; metadata: Readonly<Record<string, string>> } | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { sizeBytes: out.ContentLength ?? 0, metadata: { ...(out.Metadata ?? {}) } };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async deleteAllVersions(key: string): Promise<number> {
    let removed = 0;
    for (let round = 0; round < this.maxPurgeRounds; round++) {
      const versions = await this.listVersions(key);
      if (versions === 'unsupported') return this.deleteUnversioned(key);
      if (versions.length === 0) return removed;
      for (const part of chunk(versions, 1000)) {
        const out = await this.s3.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: part.map((v) => ({ Key: v.Key, VersionId: v.VersionId })), Quiet: true },
          }),
        );
        const errors = out.Errors ?? [];
        if (errors.length > 0) {
          const codes = [...new Set(errors.map((e) => e.Code ?? 'Unknown'))];
          throw new PurgeError(
            `purge of s3://${this.bucket}/${key}: ${errors.length} of ${part.length} version(s) not deleted (${codes.join(', ')}: ${errors[0]?.Message ?? ''})`,
            key,
            codes,
          );
        }
        removed += part.length;
      }
      // Confirm on the next round: a writer may have added a version meanwhile.
    }
    const left = await this.listVersions(key);
    if (left !== 'unsupported' && left.length > 0) {
      throw new PurgeError(`purge of s3://${this.bucket}/${key}: ${left.length} version(s) remain after ${this.maxPurgeRounds} rounds (still being written?)`, key);
    }
    return removed;
  }

  async countVersions(key: string): Promise<number> {
    const versions = await this.listVersions(key);
    if (versions !== 'unsupported') return versions.length;
    return (await this.head(key)) ? 1 : 0;
  }

  async *list(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.options.listPageSize }));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
      // Only the keys are kept while the caller works through them: the page's other fields go at once.
      const keys = (out.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
      out.Contents = undefined;
      for (let i = 0; i < keys.length; i++) yield keys[i]!;
      keys.length = 0;
    } while (token);
  }

  /**
   * Keys under `prefix` with any version or delete marker left, and how many (ListObjectVersions by prefix). A
   * bucket without versioning in `'auto'` mode answers with its current keys, one version each.
   */
  async *listVersionedKeys(prefix: string): AsyncIterable<{ key: string; versions: number }> {
    if (this.supported === false) {
      for await (const key of this.list(prefix)) yield { key, versions: 1 };
      return;
    }
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    // Versions of one key may span pages: a key is yielded once the listing has moved past it.
    let current: { key: string; versions: number } | undefined;
    do {
      let out;
      try {
        out = await this.s3.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      } catch (error) {
        if (!isVersioningUnsupported(error)) throw error;
        this.unsupported(error);
        for await (const key of this.list(prefix)) yield { key, versions: 1 };
        return;
      }
      this.supported = true;
      const keys = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]
        .map((entry) => entry.Key)
        .filter((key): key is string => key !== undefined)
        .sort();
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      versionIdMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
      out = undefined; // only the keys are kept while the caller works through them
      for (const key of keys) {
        if (current && current.key === key) {
          current.versions += 1;
          continue;
        }
        if (current) yield current;
        current = { key, versions: 1 };
      }
      keys.length = 0;
    } while (keyMarker !== undefined);
    if (current) yield current;
  }

  /** Every version and delete marker of exactly `key` (a listing by prefix also returns longer keys). */
  private async listVersions(key: string): Promise<VersionRef[] | 'unsupported'> {
    if (this.supported === false) return 'unsupported';
    const found: VersionRef[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      let out;
      try {
        out = await this.s3.send(
          new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
        );
      } catch (error) {
        if (!isVersioningUnsupported(error)) throw error;
        return this.unsupported(error);
      }
      this.supported = true;
      for (const entry of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
        if (entry.Key === key) found.push({ Key: key, VersionId: entry.VersionId ?? 'null' });
      }
      if (out.IsTruncated) {
        keyMarker = out.NextKeyMarker;
        versionIdMarker = out.NextVersionIdMarker;
        if (keyMarker === undefined) throw new PurgeError(`listing versions of s3://${this.bucket}/${key}: truncated page without NextKeyMarker`, key);
      } else {
        keyMarker = undefined;
      }
    } while (keyMarker !== undefined);
    return found;
  }

  private unsupported(error: unknown): 'unsupported' {
    const reason = `ListObjectVersions answered ${(error as { name?: string }).name ?? 'an error'} (${(error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? '?'})`;
    if (this.versioning === 'required') {
      throw new VersioningUnavailableError(
        `bucket ${this.bucket} cannot list object versions (${reason}); purges need versioning support. Use versioning: 'auto' only for local S3 without versioning.`,
        { cause: error },
      );
    }
    if (this.supported !== false) {
      this.supported = false;
      const report =
        this.options.onUnversionedFallback ??
        ((info: { bucket: string; reason: string }) =>
          console.warn(`steward: bucket ${info.bucket} has no versioning support (${info.reason}); purges fall back to DeleteObject + HEAD check`));
      report({ bucket: this.bucket, reason });
    }
    return 'unsupported';
  }

  /** Fallback for buckets without versioning: one delete, then prove the key is gone. */
  private async deleteUnversioned(key: string): Promise<number> {
    const existed = (await this.head(key)) !== undefined;
    if (!existed) return 0;
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    if ((await this.head(key)) !== undefined) throw new PurgeError(`purge of s3://${this.bucket}/${key}: object still present after DeleteObject`, key);
    return 1;
  }
}
