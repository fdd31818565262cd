/**
 * What the views of a query read: the part files of the CURRENT Parquet export versions, from their manifests
 * (a manifest lists exactly the parts of its version; files of a superseded version are never read, even if one
 * were left behind), and how each view is written in DuckDB's SQL over those files.
 */
import * as z from 'zod';
import { exportLabel, manifestKeyOf } from '../../domain/exports';
import { QUERY_VIEWS, duckdbTypeOf, viewOfKind, type QueryView, type QueryViewName, type ViewColumn } from '../../domain/query-views';
import { RECORD_KINDS, type RecordKind } from '../../domain/records';
import type { ExportStore } from '../../store/export-store';
import type { ObjectStore } from '../../store/ports';

/**
 * The parts of one current export version. They share one Parquet schema (every part of a version is written with
 * its manifest's fields, lib/jobs/export/build.ts), so DuckDB binds the list from its first file alone.
 */
export interface ExportSource {
  /** Part keys (parts with rows only). */
  readonly keys: readonly string[];
  /** The columns its parts hold: its fields and the provenance columns (an export made with --fields lacks the others). */
  readonly columns: ReadonlySet<string>;
}

/** The current Parquet exports of one kind. */
export interface KindFiles {
  readonly kind: RecordKind;
  /** One source per export version, in the order of `exports` (their part keys: `partKeysOf`). */
  readonly sources: readonly ExportSource[];
  /** `climate-videos@v3`, ... */
  readonly exports: readonly string[];
  readonly rows: number;
}

export interface ExportPlan {
  readonly kinds: ReadonlyMap<RecordKind, KindFiles>;
  /** Exports of a kind only in CSV or JSONL: not read (the views read Parquet), named in the answer. */
  readonly notParquet: readonly string[];
}

/**
 * What a query needs of a manifest: its kind, fields and parts, not the record list of every part (a 100k-row
 * export's manifest is 10 MB of record keys and hashes; parsing them losslessly and validating each took seconds).
 * Plain JSON.parse is exact here: a manifest holds no number beyond 2^53.
 */
const ManifestOutline = z.looseObject({
  name: z.string(),
  kind: z.enum(RECORD_KINDS),
  version: z.number().int().min(1),
  fields: z.array(z.string()),
  rowCount: z.number().int().min(0),
  parts: z.array(z.looseObject({ key: z.string().startsWith('exports/data/'), rows: z.number().int().min(0) })),
});
type ManifestOutline = z.infer<typeof ManifestOutline>;

/** The outline written beside a manifest (lib/domain/exports.ts `ExportOutline`): a few KB instead of 10 MB. */
const StoredOutline = ManifestOutline.extend({ schema: z.literal('steward.export-outline/1'), spec: z.string(), format: z.literal('parquet'), manifestDigest: z.string() });

async function manifestOutline(store: ExportStore, objects: ObjectStore, spec: string, version: number): Promise<ManifestOutline | undefined> {
  // The outline when there is one for this very version; the manifest itself otherwise (exports made before
  // outlines, a worker stopped between the two writes, an outline that does not parse). verify checks the outline
  // against its manifest.
  const outline = StoredOutline.safeParse(await store.getOutline(spec, 'parquet', version));
  if (outline.success && outline.data.spec === spec && outline.data.version === version) return outline.data;
  const key = manifestKeyOf(spec, 'parquet', version);
  const stored = await objects.get(key);
  if (!stored) return undefined;
  const parsed = ManifestOutline.safeParse(JSON.parse(stored.body.toString('utf8')));
  if (!parsed.success) throw new Error(`${key} is not a valid Steward export manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Part keys of every current Parquet version of `kinds`, in plan order. */
export function partKeysOf(plan: ExportPlan, kinds: readonly RecordKind[]): string[] {
  return kinds.flatMap((kind) => plan.kinds.get(kind)?.sources.flatMap((source) => source.keys) ?? []);
}

/** Read the outlines (or manifests) of the newest version of every export, at once; Parquet ones become view sources. */
export async function planExports(store: ExportStore, objects: ObjectStore): Promise<ExportPlan> {
  const kinds = new Map<RecordKind, { sources: ExportSource[]; exports: string[]; rows: number }>();
  const parquetSpecs = new Set<string>();
  const latest = await store.latestVersions();
  const parquet = latest.filter((l) => l.format === 'parquet');
  const manifests = await Promise.all(parquet.map((l) => manifestOutline(store, objects, l.spec, l.version)));
  parquet.forEach((l, i) => {
    const manifest = manifests[i];
    if (!manifest) return;
    parquetSpecs.add(l.spec);
    let entry = kinds.get(manifest.kind);
    if (!entry) kinds.set(manifest.kind, (entry = { sources: [], exports: [], rows: 0 }));
    const keys = manifest.parts.filter((part) => part.rows > 0).map((part) => part.key);
    const provenance = viewOfKind(manifest.kind).columns.filter((c) => c.name.startsWith('steward_')).map((c) => c.name);
    entry.sources.push({ keys, columns: new Set([...manifest.fields, ...provenance]) });
    entry.exports.push(exportLabel(manifest.name, manifest.version));
    entry.rows += manifest.rowCount;
  });
  const notParquet = latest.filter((o) => o.format !== 'parquet' && !parquetSpecs.has(o.spec)).map((o) => `${exportLabel(o.spec, o.version)} (${o.format})`);
  return {
    kinds: new Map([...kinds].map(([kind, e]) => [kind, { kind, sources: e.sources, exports: e.exports, rows: e.rows }])),
    notParquet,
  };
}

/** No export at all: every view empty, with its columns (to bind a query before anything is read). */
export const EMPTY_PLAN: ExportPlan = { kinds: new Map(), notParquet: [] };

/** The kinds whose files a set of views reads. */
export function kindsRead(views: ReadonlySet<QueryViewName>): RecordKind[] {
  if (views.has('records')) return [...RECORD_KINDS];
  return RECORD_KINDS.filter((kind) => views.has(viewOfKind(kind).name));
}

export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** One export version's parts: one schema, so DuckDB binds the list from its first file (no union_by_name). */
function fileList(paths: readonly string[]): string {
  return `read_parquet([${paths.map(literal).join(', ')}], hive_partitioning = false)`;
}

function typed(col: ViewColumn, present: boolean, source = col.from ?? col.name): string {
  const type = duckdbTypeOf(col.type);
  return present ? `CAST(${ident(source)} AS ${type}) AS ${ident(col.name)}` : `CAST(NULL AS ${type}) AS ${ident(col.name)}`;
}

function emptySelect(view: QueryView): string {
  return `SELECT ${view.columns.map((col) => typed(col, false)).join(', ')} WHERE false`;
}

/** The readable files of each source of a kind (sources without a readable file left out). */
function readableSources(files: KindFiles | undefined, paths: ReadonlyMap<string, string>): Array<{ files: string[]; columns: ReadonlySet<string> }> {
  return (files?.sources ?? [])
    .map((source) => ({ files: source.keys.map((k) => paths.get(k)).filter((p): p is string => p !== undefined), columns: source.columns }))
    .filter((source) => source.files.length > 0);
}

/**
 * `CREATE OR REPLACE VIEW` statements for every view but `purges` (lib/jobs/query/engine.ts fills that one as a table).
 * Only the views in `read` read files (`paths` holds the readable file of each part key of the kinds read); every
 * other view, and a view whose kind has no files, is an empty view of the same columns, which binds without
 * reading anything. A view over several export versions is the UNION ALL of one `read_parquet` per version.
 */
export function viewStatements(plan: ExportPlan, paths: ReadonlyMap<string, string>, read: ReadonlySet<QueryViewName> = new Set()): string[] {
  const statements: string[] = [];
  const provenance: string[] = [];
  const records = QUERY_VIEWS.find((v) => v.name === 'records')!;
  for (const kind of RECORD_KINDS) {
    const view = viewOfKind(kind);
    const sources = readableSources(plan.kinds.get(kind), paths);
    const selects = read.has(view.name) ? sources.map((s) => `SELECT ${view.columns.map((col) => typed(col, s.columns.has(col.name))).join(', ')} FROM ${fileList(s.files)}`) : [];
    statements.push(`CREATE OR REPLACE VIEW ${ident(view.name)} AS ${selects.length > 0 ? selects.join(' UNION ALL ') : emptySelect(view)}`);
    if (read.has('records')) {
      for (const s of sources) provenance.push(`SELECT ${records.columns.map((col) => (col.name === 'kind' ? `${literal(kind)} AS kind` : typed(col, true))).join(', ')} FROM ${fileList(s.files)}`);
    }
  }
  statements.push(`CREATE OR REPLACE VIEW records AS ${provenance.length > 0 ? provenance.join(' UNION ALL ') : emptySelect(records)}`);
  return statements;
}
