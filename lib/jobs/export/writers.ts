/**
 * Encoding rows into an export part: Parquet (hyparquet-writer, typed columns, 64-bit ids as INT64, lists as
 * Parquet LISTs), CSV (RFC 4180, ids as text, lists joined with `|`, nested values as JSON text) or JSONL (one
 * lossless JSON object per line, ids as strings, lists as arrays).
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ExportFormat } from '../../domain/exports';
import { stringifyJson } from '../../domain/json';
import type { Column, Row } from './columns';

export const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson',
};

const INT64_MAX = (1n << 63n) - 1n;

/** A platform id as a signed 64-bit integer; TikTok ids fit (they are below 2^63), anything else is refused. */
function int64Id(value: unknown, column: string): bigint | null {
  if (value === undefined || value === null) return null;
  const id = BigInt(String(value));
  if (id > INT64_MAX || id < 0n) throw new RangeError(`column ${column}: id ${String(value)} does not fit a signed 64-bit integer`);
  return id;
}

function int64(value: unknown): bigint | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value;
  return BigInt(Math.trunc(Number(value)));
}

type SchemaElement = Record<string, unknown>;

function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    switch (c.type) {
      case 'id':
      case 'int':
        schema.push({ name: c.name, type: 'INT64', repetition_type: 'OPTIONAL' });
        break;
      case 'bool':
        schema.push({ name: c.name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' });
        break;
      case 'string':
        schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
        break;
      case 'json':
        schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'OPTIONAL' });
        break;
      case 'strings':
      case 'ids':
        schema.push(
          { name: c.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          c.type === 'ids'
            ? { name: 'element', type: 'INT64', repetition_type: 'OPTIONAL' }
            : { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        );
        break;
    }
  }
  return schema;
}

function parquetColumn(c: Column, rows: readonly Row[]): unknown[] {
  return rows.map((row) => {
    const v = row[c.name];
    if (v === undefined || v === null) return null;
    switch (c.type) {
      case 'id':
        return int64Id(v, c.name);
      case 'int':
        return int64(v);
      case 'bool':
        return Boolean(v);
      case 'string':
        return String(v);
      case 'json':
        return stringifyJson(v);
      case 'strings':
        return (v as unknown[]).map(String);
      case 'ids':
        return (v as unknown[]).map((id) => int64Id(id, c.name));
    }
  });
}

export function encodeParquet(columns: readonly Column[], rows: readonly Row[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    // hyparquet-writer's SchemaElement type is stricter than the plain objects built above (same fields).
    schema: parquetSchema(columns) as never,
    columnData: columns.map((c) => ({ name: c.name, data: parquetColumn(c, rows) as never })),
    createdBy: 'steward export (hyparquet-writer)',
  });
  return new Uint8Array(buffer);
}

/** A JSONL / CSV cell: ids as strings, ints as numbers, lists as arrays, nested values as they are. */
function plainValue(c: Column, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (c.type) {
    case 'id':
      return String(v);
    case 'ids':
      return (v as unknown[]).map(String);
    case 'int':
      return typeof v === 'bigint' ? v : Number(v);
    default:
      return v;
  }
}

export function encodeJsonl(columns: readonly Column[], rows: readonly Row[]): string {
  return rows
    .map((row) => {
      const out: Record<string, unknown> = {};
      for (const c of columns) out[c.name] = plainValue(c, row[c.name]);
      return `${stringifyJson(out)}\n`;
    })
    .join('');
}

function csvCell(c: Column, v: unknown): string {
  const value = plainValue(c, v);
  let text: string;
  if (value === null) text = '';
  else if (c.type === 'strings' || c.type === 'ids') text = (value as unknown[]).map(String).join('|');
  else if (c.type === 'json') text = stringifyJson(value);
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function encodeCsv(columns: readonly Column[], rows: readonly Row[]): string {
  const lines = [columns.map((c) => c.name).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c, row[c.name])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function encodePart(format: ExportFormat, columns: readonly Column[], rows: readonly Row[]): Uint8Array | string {
  if (format === 'parquet') return encodeParquet(columns, rows);
  if (format === 'csv') return encodeCsv(columns, rows);
  return encodeJsonl(columns, rows);
}
