/**
 * One DuckDB session per query, in memory, with these rails (each proved by test/integ/cli/query.test.ts):
 * - the SQL is parsed by DuckDB first (`json_serialize_sql`, which parses without binding or reading anything):
 *   a syntax error is bad input with DuckDB's own message, and anything but a SELECT is refused;
 * - after the views exist, DuckDB may read only their files (`allowed_paths`), external access is disabled
 *   (no other file, no COPY, ATTACH, INSTALL, LOAD, no replacement scan of a path) and the configuration is locked,
 *   so no statement can turn any of it back on;
 * - the statement DuckDB extracts must be exactly one, of type SELECT, bound against the views (unknown columns are
 *   bad input) before anything runs;
 * - a query that runs longer than the timeout is interrupted (DuckDB has no statement timeout of its own).
 */
import { DuckDBInstance, DuckDBTypeId, StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { BadInputError } from '../../domain/errors';
import { isQueryViewName, type QueryViewName } from '../../domain/query-views';

export interface PurgeRow {
  readonly recordHash: string;
  readonly kind: string;
  readonly spec?: string;
  readonly reason: string;
  readonly purgedAt: string;
  readonly runId: string;
}

export interface ResultColumn {
  readonly name: string;
  /** DuckDB's type name, e.g. BIGINT, VARCHAR[]. */
  readonly type: string;
}

export interface ResultTable {
  readonly columns: readonly ResultColumn[];
  /** JSON-ready values: integers beyond 2^53 (ids) as decimal strings, every value of that column then a string. */
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

const WIDE_INTEGERS = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

/** Table refs of a serialized statement (DuckDB's JSON form of its parse tree). */
function tableRefs(json: string): Set<string> {
  const names = new Set<string>();
  JSON.parse(json, (_key, value: unknown) => {
    const node = value as { type?: unknown; table_name?: unknown } | null;
    if (node && typeof node === 'object' && node.type === 'BASE_TABLE' && typeof node.table_name === 'string') names.add(node.table_name.toLowerCase());
    return value;
  });
  return names;
}

export class QuerySession {
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<QuerySession> {
    // No extension is ever installed or loaded on demand; the ones used (parquet, json) are built in.
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    try {
      return new QuerySession(instance, await instance.connect());
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /**
   * Parse `sql` (nothing is bound, nothing is read) and name the views it reads. A syntax error is bad input with
   * DuckDB's message; `refusal` (the guard's reason) is given when the SQL parses but is not a read-only query.
   */
  async viewsOf(sql: string, refusal: string | undefined): Promise<Set<QueryViewName>> {
    const reader = await this.connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS tree', [sql]);
    const tree = String(reader.getRowsJS()[0]?.[0] ?? '');
    const parsed = JSON.parse(tree) as { error?: boolean; error_type?: string; error_message?: string };
    if (parsed.error) {
      if (parsed.error_type === 'parser') throw new BadInputError(`SQL: ${parsed.error_message ?? 'does not parse'} (DuckDB)`);
      throw new BadInputError(`SQL: ${refusal ?? `only read-only queries run here (DuckDB: ${parsed.error_message ?? 'not a SELECT'})`}`);
    }
    if (refusal) throw new BadInputError(`SQL: ${refusal}`);
    return new Set([...tableRefs(tree)].filter(isQueryViewName));
  }

  /**
   * Create the views and the purges table, allow only `readable` files, disable external access and lock, in one
   * batch of Steward's own statements (never the query's), in this order; then fill `purges` (rows, no setting).
   */
  async defineViews(statements: readonly string[], purges: readonly PurgeRow[], readable: readonly string[]): Promise<void> {
    const list = readable.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
    await this.connection.run(
      [
        // Parquet footers are read once per session: binding the views, preparing and running the query reuse them
        // (duckdb_settings(): "Cache Parquet metadata - useful when reading the same files multiple times").
        'SET parquet_metadata_cache = true',
        ...statements,
        'CREATE OR REPLACE TABLE purges (record_hash VARCHAR, kind VARCHAR, spec VARCHAR, reason VARCHAR, purged_at VARCHAR, run_id VARCHAR)',
        ...(readable.length > 0 ? [`SET allowed_paths = [${list}]`] : []),
        'SET enable_external_access = false',
        'SET lock_configuration = true',
      ].join(';\n'),
    );
    if (purges.length > 0) {
      const appender = await this.connection.createAppender('purges');
      for (const p of purges) {
        appender.appendVarchar(p.recordHash);
        appender.appendVarchar(p.kind);
        if (p.spec === undefined) appender.appendNull();
        else appender.appendVarchar(p.spec);
        appender.appendVarchar(p.reason);
        appender.appendVarchar(p.purgedAt);
        appender.appendVarchar(p.runId);
        appender.endRow();
      }
      appender.closeSync();
    }
  }

  /** Exactly one SELECT, bound against the views; bad input otherwise (DuckDB's message). Runs nothing. */
  async prepare(sql: string): Promise<DuckDBPreparedStatement> {
    let prepared: DuckDBPreparedStatement;
    try {
      const extracted = await this.connection.extractStatements(sql);
      if (extracted.count !== 1) throw new BadInputError(`SQL: one statement at a time (found ${extracted.count})`);
      prepared = await extracted.prepare(0);
    } catch (error) {
      if (error instanceof BadInputError) throw error;
      throw new BadInputError(`SQL: ${(error as Error).message}`);
    }
    if (prepared.statementType !== StatementType.SELECT) {
      prepared.destroySync();
      throw new BadInputError(`SQL: only read-only queries run here (DuckDB reads a ${StatementType[prepared.statementType]} statement)`);
    }
    return prepared;
  }

  /** Run a prepared query; interrupted after `timeoutMs` (bad input: narrow the query or raise --timeout). */
  async run(prepared: DuckDBPreparedStatement, timeoutMs: number): Promise<ResultTable> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.connection.interrupt();
    }, timeoutMs);
    try {
      const reader = await prepared.runAndReadAll();
      const columns = reader.deduplicatedColumnNames().map((name, i) => ({ name, type: reader.columnType(i).toString() }));
      const rows = reader.getRowsJson() as unknown[][];
      for (let i = 0; i < columns.length; i++) {
        const id = reader.columnTypeId(i);
        if (id === DuckDBTypeId.DECIMAL) for (const row of rows) row[i] = row[i] === null ? null : Number(row[i]);
        else if (WIDE_INTEGERS.has(id) && rows.every((row) => row[i] === null || Number.isSafeInteger(Number(row[i])))) {
          for (const row of rows) row[i] = row[i] === null ? null : Number(row[i]);
        }
      }
      return { columns, rows };
    } catch (error) {
      if (timedOut) throw new BadInputError(`--timeout: the query ran longer than ${timeoutMs / 1000} s and was stopped; narrow it, or raise --timeout`);
      throw new BadInputError(`SQL: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.connection.closeSync();
    } finally {
      this.instance.closeSync();
    }
  }
}
