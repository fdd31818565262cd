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

/** The current Parquet exports of one kind. */
export interface KindFiles {
  readonly kind: RecordKind;
  /** Part keys of every current Parquet version of this kind. */
  readonly keys: readonly string[];
  /** Columns at least one of those exports has (an export made with --fields lacks the others). */
  readonly columns: ReadonlySet<string>;
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

/** Read the manifests of the newest version of every export; Parquet ones become view sources. */
export async function planExports(store: ExportStore, objects: ObjectStore): Promise<ExportPlan> {
  const kinds = new Map<RecordKind, { keys: string[]; columns: Set<string>; exports: string[]; rows: number }>();
  const parquetSpecs = new Set<string>();
  const others: Array<{ spec: string; format: string; version: number }> = [];
  for (const latest of await store.latestVersions()) {
    if (latest.format !== 'parquet') {
      others.push(latest);
      continue;
    }
    const manifest = await manifestOutline(store, objects, latest.spec, latest.version);
    if (!manifest) continue;
    parquetSpecs.add(latest.spec);
    let entry = kinds.get(manifest.kind);
    if (!entry) kinds.set(manifest.kind, (entry = { keys: [], columns: new Set(viewOfKind(manifest.kind).columns.filter((c) => c.name.startsWith('steward_')).map((c) => c.name)), exports: [], rows: 0 }));
    for (const part of manifest.parts) if (part.rows > 0) entry.keys.push(part.key);
    for (const field of manifest.fields) entry.columns.add(field);
    entry.exports.push(exportLabel(manifest.name, manifest.version));
    entry.rows += manifest.rowCount;
  }
  const notParquet = others.filter((o) => !parquetSpecs.has(o.spec)).map((o) => `${exportLabel(o.spec, o.version)} (${o.format})`);
  return {
    kinds: new Map([...kinds].map(([kind, e]) => [kind, { kind, keys: e.keys, columns: e.columns, exports: e.exports, rows: e.rows }])),
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

function fileList(paths: readonly string[]): string {
  return `read_parquet([${paths.map(literal).join(', ')}], union_by_name = true, hive_partitioning = false)`;
}

function typed(col: ViewColumn, present: boolean, source = col.from ?? col.name): string {
  const type = duckdbTypeOf(col.type);
  return present ? `CAST(${ident(source)} AS ${type}) AS ${ident(col.name)}` : `CAST(NULL AS ${type}) AS ${ident(col.name)}`;
}

function emptySelect(view: QueryView): string {
  return `SELECT ${view.columns.map((col) => typed(col, false)).join(', ')} WHERE false`;
}

/**
 * `CREATE OR REPLACE VIEW` statements for every view but `purges` (lib/jobs/query/engine.ts fills that one as a table).
 * `paths` holds the readable file of each part key of the kinds read; a kind without files is an empty view
 * of the same columns.
 */
export function viewStatements(plan: ExportPlan, paths: ReadonlyMap<string, string>): string[] {
  const statements: string[] = [];
  const provenance: string[] = [];
  const records = QUERY_VIEWS.find((v) => v.name === 'records')!;
  for (const kind of RECORD_KINDS) {
    const view = viewOfKind(kind);
    const files = plan.kinds.get(kind);
    const readable = files?.keys.map((k) => paths.get(k)).filter((p): p is string => p !== undefined) ?? [];
    if (!files || readable.length === 0) {
      statements.push(`CREATE OR REPLACE VIEW ${ident(view.name)} AS ${emptySelect(view)}`);
      continue;
    }
    statements.push(`CREATE OR REPLACE VIEW ${ident(view.name)} AS SELECT ${view.columns.map((col) => typed(col, files.columns.has(col.name))).join(', ')} FROM ${fileList(readable)}`);
    provenance.push(`SELECT ${records.columns.map((col) => (col.name === 'kind' ? `${literal(kind)} AS kind` : typed(col, true))).join(', ')} FROM ${fileList(readable)}`);
  }
  statements.push(`CREATE OR REPLACE VIEW records AS ${provenance.length > 0 ? provenance.join(' UNION ALL ') : emptySelect(records)}`);
  return statements;
}
