/**
 * Exports read in place: s3rver keeps every object as a plain file (`<dir>/<bucket>/<key>._S3rver_object`),
 * so `steward query --local` lets DuckDB read the parts where they are (nothing is copied, so nothing is left
 * behind that a later purge would have to find), and reads the export catalog (manifest keys, outlines) from those
 * files too instead of through s3rver's HTTP API (tens of ms per query). Local commands on a state dir run one at a
 * time, so no rebuild changes an export while a query reads it. DuckDB may read exactly the parts' files and no
 * other (lib/jobs/query/engine.ts).
 */
import { statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { PartFiles } from '../jobs/query';
import type { ObjectStore, StoredObject } from '../store/ports';

const OBJECT_SUFFIX = '._S3rver_object';

/** The file s3rver keeps `key` of `bucket` in. */
export function s3rverObjectPath(directory: string, bucket: string, key: string): string {
  const parts = key.split('/');
  const last = parts.pop()!;
  return join(directory, bucket, ...parts, `${last}${OBJECT_SUFFIX}`);
}

export function inPlacePartFiles(directory: string, bucket: string): PartFiles {
  return {
    async open(keys, progress) {
      // A local stat each (microseconds; a 1M-row export has 200 parts): synchronous, not 200 trips through libuv.
      const paths = new Map<string, string>();
      for (const key of keys) {
        const path = s3rverObjectPath(directory, bucket, key);
        if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw new Error(`export part ${key} is listed by its manifest but missing from the vault (steward verify reports it)`);
        paths.set(key, path);
        progress?.(paths.size, keys.length);
      }
      return { paths, release: async () => {} };
    },
  };
}

/**
 * The objects of `bucket` as s3rver's files, read-only: `list` and `get` (the body only: no metadata is read), what
 * the export catalog needs; anything that writes, deletes or counts versions throws.
 */
export function inPlaceObjects(directory: string, bucket: string): ObjectStore {
  const root = join(directory, bucket);
  const readOnly = (what: string) => () => Promise.reject(new Error(`s3rver's files are read here only; ${what} goes through the object store`));
  return {
    async get(key: string): Promise<StoredObject | undefined> {
      try {
        return { key, body: await readFile(s3rverObjectPath(directory, bucket, key)), metadata: {} };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async *list(prefix: string): AsyncIterable<string> {
      // The directory of the prefix's last complete segment, walked; keys are its files' paths without the suffix.
      const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      let names: string[];
      try {
        names = await readdir(join(root, ...base.split('/').filter(Boolean)), { recursive: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      const keys = names
        .filter((name) => name.endsWith(OBJECT_SUFFIX))
        .map((name) => `${base}${name.slice(0, -OBJECT_SUFFIX.length).split(sep).join('/')}`)
        .filter((key) => key.startsWith(prefix))
        .sort();
      yield* keys;
    },
    put: readOnly('put'),
    head: readOnly('head'),
    deleteAllVersions: readOnly('deleteAllVersions'),
    countVersions: readOnly('countVersions'),
    // eslint-disable-next-line require-yield
    async *listVersionedKeys() {
      throw new Error("s3rver's files are read here only; listVersionedKeys goes through the object store");
    },
  };
}
