/**
 * Reconciliation: exports that still hold a purged record get rebuilt. A purge (or erasure, expiry, a refresh's
 * purge) rebuilds the exports holding what it tombstoned in its own run; one that dies after a tombstone and before
 * that rebuild leaves an export holding the record, which no rerun of it would see (its keys are tombstoned by
 * then). The hourly purge therefore looks every current export up against the tombstones and rebuilds the ones that
 * hold any (audit `export.rebuilt`, counts only).
 *
 * Cheap by construction: manifests list their records' keys, tombstones are items keyed by the record's keyed hash,
 * so the check reads each current manifest once and looks its keys up in batches of 100 (no part, no record object
 * is read; nothing is written when every export is clean). It also deletes leftover part files (a build that died
 * after writing parts, a rebuild that died before deleting the parts it replaced), which `verify` reports as
 * `export-file-left`.
 */
import { isLeftoverPart, parsePartKey, type ExportManifest } from '../../domain/exports';
import type { RecordKey } from '../../domain/records';
import type { ExportStore } from '../../store/export-store';
import type { AuditChainWriter } from '../../store/ports';
import type { JobContext, RebuildReport, ReconcileReport } from '../context';
import { emptyRebuildReport, rebuildExportsWithout } from './build';

/** Tombstone lookups per ledger call. */
const LOOKUP_BATCH = 100;

/** The keys `manifest` holds whose records are tombstoned. */
export async function tombstonedKeysOf(ctx: Pick<JobContext, 'ledger' | 'hasher'>, manifest: ExportManifest): Promise<RecordKey[]> {
  const keys = manifest.parts.flatMap((p) => p.records.map(([key]) => key));
  const found: RecordKey[] = [];
  for (let i = 0; i < keys.length; i += LOOKUP_BATCH) {
    const batch = keys.slice(i, i + LOOKUP_BATCH);
    const byHash = new Map(batch.map((key) => [ctx.hasher.hash(key), key]));
    for (const hash of (await ctx.ledger.getTombstones([...byHash.keys()])).keys()) found.push(byHash.get(hash)!);
  }
  return found;
}

/** The current version of each export (`spec/format`) and the part files it lists. */
export type CurrentParts = ReadonlyMap<string, { readonly version: number; readonly parts: ReadonlySet<string> }>;

/** What the current exports hold that is purged: the keys, and what was looked at (counts). Reads only. */
export interface PurgedInExports {
  readonly keys: ReadonlySet<RecordKey>;
  readonly current: CurrentParts;
  readonly exportsChecked: number;
  readonly rowsChecked: number;
  readonly exportsHoldingPurged: number;
}

/** Look every current export's records up among the tombstones. Writes nothing. */
export async function findPurgedInExports(ctx: Pick<JobContext, 'ledger' | 'hasher'>, store: ExportStore): Promise<PurgedInExports> {
  const keys = new Set<RecordKey>();
  let exportsChecked = 0;
  let rowsChecked = 0;
  let exportsHoldingPurged = 0;
  const current = new Map<string, { version: number; parts: Set<string> }>();
  for (const { spec, format, version } of await store.latestVersions()) {
    const manifest = await store.getManifest(spec, format, version);
    if (!manifest) continue;
    current.set(`${spec}/${format}`, { version, parts: new Set(manifest.parts.map((p) => p.key)) });
    exportsChecked += 1;
    rowsChecked += manifest.rowCount;
    const found = await tombstonedKeysOf(ctx, manifest);
    if (found.length > 0) exportsHoldingPurged += 1;
    for (const key of found) keys.add(key);
  }
  return { keys, current, exportsChecked, rowsChecked, exportsHoldingPurged };
}

/**
 * Delete every part file that is a leftover (lib/domain/exports.ts `isLeftoverPart`): what a build or rebuild that
 * died between writing parts and its manifest, or between its manifest and deleting the parts it replaced, left.
 * Answers how many files went (all their versions).
 */
export async function deleteLeftoverParts(store: ExportStore, current: CurrentParts): Promise<number> {
  let deleted = 0;
  for await (const key of store.listParts()) {
    const part = parsePartKey(key);
    if (!part) continue;
    const of = current.get(`${part.spec}/${part.format}`);
    if (!isLeftoverPart(part, of?.version, of?.parts.has(key) ?? false)) continue;
    await store.deletePart(key);
    deleted += 1;
  }
  return deleted;
}

/** The report of a reconciliation that found `found`, rebuilt as `rebuilt` says and deleted `leftovers` files. */
export function reconcileReportOf(found: PurgedInExports, rebuilt: RebuildReport = emptyRebuildReport(), leftovers = 0): ReconcileReport {
  return {
    ...rebuilt,
    exportsChecked: found.exportsChecked,
    rowsChecked: found.rowsChecked,
    purgedRecordsFound: found.keys.size,
    exportsHoldingPurged: found.exportsHoldingPurged,
    leftoverFilesDeleted: leftovers,
  };
}

/**
 * Reconcile: rebuild what holds purged records (`rebuild`, in a run of the caller's), then delete leftover part
 * files against the current versions (read again when something was rebuilt).
 */
export async function reconcileWith(ctx: Pick<JobContext, 'ledger' | 'hasher'>, store: ExportStore, rebuild: (keys: ReadonlySet<RecordKey>) => Promise<RebuildReport>): Promise<ReconcileReport> {
  const found = await findPurgedInExports(ctx, store);
  const rebuilt = found.keys.size === 0 ? emptyRebuildReport() : await rebuild(found.keys);
  const current = rebuilt.exportsRebuilt === 0 ? found.current : (await findPurgedInExports(ctx, store)).current;
  return reconcileReportOf(found, rebuilt, await deleteLeftoverParts(store, current));
}

/**
 * Rebuild every current export that holds a tombstoned record, without it (in `chain`'s run: `export.rebuilt`,
 * counts only). Answers what was checked and what was rebuilt, as counts.
 */
export async function reconcileExports(ctx: JobContext, store: ExportStore, chain: AuditChainWriter, options: { runId?: string } = {}): Promise<ReconcileReport> {
  return reconcileWith(ctx, store, (keys) => rebuildExportsWithout(ctx, store, keys, chain, options));
}
