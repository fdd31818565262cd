/**
 * The first guard rail of `steward query`, the same on both engines (DuckDB locally, Athena deployed): one
 * read-only statement, no statement that writes, loads or changes settings, no function that reads files, and no
 * file path as a table. It reads the SQL as tokens (quoted strings, quoted identifiers and comments are never
 * mistaken for keywords), so `WHERE text LIKE '%delete%'` passes and `SELECT 1; DROP TABLE x` does not.
 *
 * It is not the only rail: locally DuckDB's own parser must also see exactly one SELECT statement, and DuckDB runs
 * with external access disabled and its configuration locked (lib/jobs/query); deployed, Athena's workgroup and the
 * member role's permissions decide. Nothing here reads or runs anything.
 *
 * The audit log names a query by `sqlDigest`: a keyed hash of its text, never the text (literals may hold usernames).
 */
import type { KeyedHasher } from './hashing';
import { QUERY_VIEW_NAMES } from './query-views';

const VIEWS = QUERY_VIEW_NAMES.join(', ');

/** Statements may start with these (DuckDB also takes FROM-first: `FROM videos SELECT ...`). */
const READ_STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'FROM']);

/** Words that only a statement that writes, loads, attaches or reconfigures uses: refused anywhere outside literals. */
export const WRITE_WORDS: ReadonlySet<string> = new Set([
  'ABORT', 'ALTER', 'ANALYZE', 'ATTACH', 'BEGIN', 'CALL', 'CHECKPOINT', 'COMMIT', 'COPY', 'CREATE', 'DEALLOCATE', 'DELETE', 'DETACH',
  'DROP', 'EXECUTE', 'EXPORT', 'GRANT', 'IMPORT', 'INSERT', 'INSTALL', 'LOAD', 'MERGE', 'MSCK', 'PRAGMA', 'PREPARE', 'REFRESH', 'RESET',
  'REVOKE', 'ROLLBACK', 'SET', 'TRUNCATE', 'UNLOAD', 'UPDATE', 'USE', 'VACUUM',
]);

/**
 * Table and scalar functions that read files, list paths, reach other databases or run SQL from a string.
 * Locally DuckDB also refuses them (external access disabled); refused here first, with a clearer message.
 */
export const FILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'read_text', 'read_blob', 'read_csv', 'read_csv_auto', 'read_json', 'read_json_auto', 'read_json_objects', 'read_json_objects_auto',
  'read_ndjson', 'read_ndjson_auto', 'read_ndjson_objects', 'read_parquet', 'parquet_scan', 'parquet_metadata', 'parquet_schema',
  'parquet_file_metadata', 'parquet_kv_metadata', 'parquet_bloom_probe', 'glob', 'sniff_csv', 'read_xlsx', 'iceberg_scan', 'iceberg_metadata',
  'iceberg_snapshots', 'delta_scan', 'st_read', 'st_read_meta', 'sqlite_scan', 'sqlite_attach', 'postgres_scan', 'postgres_attach',
  'postgres_query', 'mysql_scan', 'mysql_query', 'query', 'query_table', 'getenv', 'read_duckdb',
]);

export type SqlToken =
  | { readonly type: 'word'; readonly text: string }
  | { readonly type: 'string'; readonly text: string }
  | { readonly type: 'quoted'; readonly text: string }
  | { readonly type: 'symbol'; readonly text: string };

export class SqlGuardError extends Error {
  override readonly name = 'SqlGuardError';
}

/**
 * Tokens of `sql`, comments dropped. Strings: '...' ('' escapes; E'...' with backslash escapes) and $tag$...$tag$;
 * quoted identifiers: "..." and `...`. An unterminated string, identifier or comment is an error.
 */
export function sqlTokens(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new SqlGuardError('unterminated /* comment');
      i = end + 2;
    } else if (ch === "'" || ((ch === 'E' || ch === 'e') && sql[i + 1] === "'")) {
      const escapes = ch !== "'";
      let j = escapes ? i + 2 : i + 1;
      let text = '';
      for (;;) {
        if (j >= n) throw new SqlGuardError('unterminated string literal');
        const d = sql[j]!;
        if (escapes && d === '\\') {
          text += sql[j + 1] ?? '';
          j += 2;
        } else if (d === "'") {
          if (sql[j + 1] === "'") {
            text += "'";
            j += 2;
          } else {
            j++;
            break;
          }
        } else {
          text += d;
          j++;
        }
      }
      tokens.push({ type: 'string', text });
      i = j;
    } else if (ch === '"' || ch === '`') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= n) throw new SqlGuardError('unterminated quoted identifier');
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) {
            text += ch;
            j += 2;
            continue;
          }
          j++;
          break;
        }
        text += sql[j];
        j++;
      }
      tokens.push({ type: 'quoted', text });
      i = j;
    } else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) throw new SqlGuardError('unterminated $$ string');
      tokens.push({ type: 'string', text: sql.slice(i + tag.length, end) });
      i = end + tag.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j]!)) j++;
      tokens.push({ type: 'word', text: sql.slice(i, j) });
      i = j;
    } else {
      tokens.push({ type: 'symbol', text: ch });
      i++;
    }
  }
  return tokens;
}

export type SqlCheck = { readonly ok: true; readonly sql: string } | { readonly ok: false; readonly reason: string };

/**
 * Check that `sql` is one read-only query. `ok` carries the SQL without a trailing `;`; otherwise `reason` says what
 * is refused and what to do instead.
 */
export function checkReadOnlySql(sql: string): SqlCheck {
  let tokens: SqlToken[];
  try {
    tokens = sqlTokens(sql);
  } catch (error) {
    return { ok: false, reason: `the SQL does not parse: ${(error as Error).message}` };
  }
  // Trailing semicolons are fine; anything after a semicolon is a second statement.
  while (tokens.at(-1)?.type === 'symbol' && tokens.at(-1)!.text === ';') tokens.pop();
  if (tokens.length === 0) return { ok: false, reason: 'no SQL given: write one SELECT over the views, e.g. "SELECT count(*) FROM videos"' };
  if (tokens.some((t) => t.type === 'symbol' && t.text === ';')) return { ok: false, reason: 'one statement at a time: the SQL holds more than one (a ; before the end)' };
  const first = tokens[0]!;
  if (first.type !== 'word' || !READ_STARTS.has(first.text.toUpperCase())) {
    return { ok: false, reason: `only read-only queries run here: a statement must start with SELECT, WITH, VALUES or FROM (it starts with ${JSON.stringify(first.text)})` };
  }
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type !== 'word') continue;
    const upper = t.text.toUpperCase();
    if (WRITE_WORDS.has(upper)) return { ok: false, reason: `only read-only queries run here: ${upper} is refused (no writes, files, settings, extensions or attached databases); quote it ("${t.text}") if it is a column name` };
    const next = tokens[k + 1];
    if (next?.type === 'symbol' && next.text === '(' && FILE_FUNCTIONS.has(t.text.toLowerCase())) {
      return { ok: false, reason: `${t.text.toLowerCase()}() reads files or runs other SQL: queries read the views only (${VIEWS})` };
    }
    if ((upper === 'FROM' || upper === 'JOIN') && next?.type === 'string') {
      return { ok: false, reason: `a file path is not a table (${upper} '...'): queries read the views only (${VIEWS})` };
    }
  }
  const end = sql.replace(/[\s;]+$/, '');
  return { ok: true, sql: end };
}

/** The name of a query in the audit log: a keyed hash of its text (never the text: literals may name people). */
export function sqlDigest(hasher: KeyedHasher, sql: string): string {
  return hasher.hash(`query.sql\u0000${sql.trim()}`);
}
