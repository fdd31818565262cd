/**
 * Where DuckDB reads export parts from: local files. `PartFiles` gives a readable path per part key and a release
 * that removes whatever it made for the query. Two ways:
 * - `stagedPartFiles`: copies each part out of the vault (the export store) into a private temp dir (0700), removed
 *   by `release` whatever happens, so nothing is left that a later purge would have to find;
 * - in place, where the object store keeps its objects as plain files (lib/local/export-files.ts: s3rver's
 *   directory): nothing is copied, nothing is left.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportStore } from '../../store/export-store';
import { mapLimit } from '../context';

export interface OpenedPartFiles {
  /** A readable file per part key (every key asked for). */
  readonly paths: ReadonlyMap<string, string>;
  /** Remove what was made for this query (idempotent). */
  release(): Promise<void>;
}

export interface PartFiles {
  open(keys: readonly string[], progress?: (done: number, total: number) => void): Promise<OpenedPartFiles>;
}

/** Copy the parts into a private temp dir, removed by `release` (and on any failure while copying). */
export function stagedPartFiles(store: ExportStore): PartFiles {
  return {
    async open(keys, progress) {
      const dir = await mkdtemp(join(tmpdir(), 'steward-query-stage-'));
      const release = () => rm(dir, { recursive: true, force: true });
      try {
        const paths = new Map<string, string>();
        let done = 0;
        await mapLimit(keys.map((key, i) => ({ key, i })), 8, async ({ key, i }) => {
          const body = await store.getPart(key);
          if (!body) throw new Error(`export part ${key} is listed by its manifest but missing from the vault (steward verify reports it)`);
          const path = join(dir, `part-${i}.parquet`);
          await writeFile(path, body, { mode: 0o600 });
          paths.set(key, path);
          progress?.(++done, keys.length);
        });
        return { paths, release };
      } catch (error) {
        await release();
        throw error;
      }
    },
  };
}
