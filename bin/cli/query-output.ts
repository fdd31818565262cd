/**
 * How `steward query` shows a result: a table of the first `--limit` rows on a terminal with a count of the rest,
 * every row as CSV (`--csv`) or in one JSON document (`--json`), or every row into `--out FILE`. The same for the
 * local (DuckDB) and the deployed (Athena) engine: both answer a `QueryResult`.
 */
import { writeFile } from 'node:fs/promises';
import { stringifyJson } from '../../lib/domain/json';
import type { CommandResult } from './output';

export interface QueryResult {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly rows: ReadonlyArray<readonly unknown[]>;
  /** Rows the query returned in all, when `rows` holds only the first of them (deployed, a terminal's --limit). */
  readonly rowCount?: number;
  readonly views: readonly string[];
  readonly sqlDigest: string;
  readonly exports?: readonly string[];
  readonly notes: readonly string[];
  readonly runId?: string;
  /** Where the engine ran: `duckdb` locally, `athena` deployed. */
  readonly engine: 'duckdb' | 'athena';
}

export interface QueryOutputOptions {
  readonly csv: boolean;
  readonly json: boolean;
  readonly out?: string;
  readonly limit: number;
}

const MAX_CELL = 40;

/** One value as text: NULL, lists joined with |, nested values as JSON. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.every((v) => v === null || typeof v !== 'object') ? value.map((v) => (v === null ? '' : String(v))).join('|') : stringifyJson(value);
  if (typeof value === 'object') return stringifyJson(value);
  return String(value);
}

function csvCell(value: unknown): string {
  const text = textOf(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function resultCsv(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const lines = [result.columns.map((c) => csvCell(c.name)).join(',')];
  for (const row of result.rows) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The JSON document: columns with types, rows as objects, what was read. */
export function resultJson(result: QueryResult): Record<string, unknown> {
  return {
    engine: result.engine,
    columns: result.columns,
    rows: result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i] ?? null]))),
    rowCount: result.rowCount ?? result.rows.length,
    views: result.views,
    ...(result.exports ? { exports: result.exports } : {}),
    sqlDigest: result.sqlDigest,
    ...(result.runId ? { runId: result.runId } : {}),
    notes: result.notes,
  };
}

/** A plain-text table of the first `limit` rows. */
export function resultTable(result: Pick<QueryResult, 'columns' | 'rows'>, limit: number): string {
  const shown = result.rows.slice(0, limit);
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? 'NULL' : textOf(v).replace(/\s+/g, ' ');
    return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
  };
  const cells = shown.map((row) => row.map(cell));
  const widths = result.columns.map((c, i) => Math.max(c.name.length, ...cells.map((r) => r[i]!.length)));
  const numeric = result.columns.map((c) => /INT|DOUBLE|FLOAT|DECIMAL|REAL|BIGINT/.test(c.type) && !c.type.endsWith(']'));
  const line = (values: readonly string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(result.columns.map((c) => c.name)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Present a result as the options ask; writes `--out` (all rows) when given. */
export async function presentQueryResult(result: QueryResult, options: QueryOutputOptions): Promise<CommandResult> {
  const total = result.rowCount ?? result.rows.length;
  const read = `${total} row(s) from ${result.views.join(', ') || 'no view'}${result.exports && result.exports.length > 0 ? ` (${result.exports.join(', ')})` : ''}`;
  const notes = result.notes.map((n) => `note: ${n}`);
  if (options.out) {
    const asJson = options.json || (!options.csv && /\.json$/i.test(options.out));
    await writeFile(options.out, asJson ? stringifyJson(resultJson(result), 2) : resultCsv(result));
    const summary = { ...resultJson(result), rows: undefined, out: options.out, format: asJson ? 'json' : 'csv' };
    return { exitCode: 0, json: summary, text: [`wrote ${read} to ${options.out} (${asJson ? 'JSON' : 'CSV'})`, ...notes].join('\n') };
  }
  if (options.csv) return { exitCode: 0, json: resultJson(result), text: resultCsv(result).replace(/\r\n$/, '') };
  const rest = total - Math.min(total, options.limit);
  const lines = [
    total > 0 ? resultTable(result, options.limit) : '(no rows)',
    ...(rest > 0 ? [`… ${rest} more row(s) not shown (--limit ${options.limit}); --out FILE, --csv or --json give every row`] : []),
    read,
    ...notes,
  ];
  return { exitCode: 0, json: resultJson(result), text: lines.join('\n') };
}
