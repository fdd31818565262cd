/**
 * SQL over the exports on Athena: the port the query job runs queries through, and its adapter on one Athena
 * workgroup (which enforces its own result location and encryption: nothing here names either), plus the reader of
 * a finished query's results that the CLI uses with a member's credentials.
 *
 * Athena's messages (`reason`) may quote the SQL, literals included: they go back to the member who wrote it and
 * never into a log or an audit event.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetQueryRuntimeStatisticsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution as AthenaExecution,
} from '@aws-sdk/client-athena';

/** How a query ended. `timed-out`: still running when the caller's deadline came, and stopped. */
export type QueryState = 'succeeded' | 'failed' | 'cancelled' | 'timed-out';

/** Athena's error category: `user` (the SQL: a syntax error, an unknown column), `system` or `other`. */
export type QueryErrorCategory = 'user' | 'system' | 'other';

export interface QueryOutcome {
  readonly executionId: string;
  readonly state: QueryState;
  /** Rows the query returned (0 unless it succeeded). */
  readonly rows: number;
  readonly bytesScanned: number;
  readonly engineMillis: number;
  /** Athena's own words on a failure (may quote the SQL: for the caller only, never logged or audited). */
  readonly reason?: string;
  readonly errorCategory?: QueryErrorCategory;
}

/** Runs one SQL statement to its end. */
export interface SqlEngine {
  run(sql: string, options?: { readonly deadline?: () => boolean }): Promise<QueryOutcome>;
}

export interface AthenaSqlEngineOptions {
  readonly workGroup: string;
  readonly database: string;
  /** @default 'AwsDataCatalog' */
  readonly catalog?: string;
  /** Waits between polls: first, then doubling up to max. @default { first: 200, max: 2000 } */
  readonly pollMillis?: { readonly first: number; readonly max: number };
  readonly sleep?: (ms: number) => Promise<void>;
}

const CATEGORIES: Readonly<Record<number, QueryErrorCategory>> = { 1: 'system', 2: 'user', 3: 'other' };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The Athena adapter: starts the query in the workgroup, polls it to its end, counts the rows it returned. */
export class AthenaSqlEngine implements SqlEngine {
  constructor(
    private readonly athena: AthenaClient,
    private readonly options: AthenaSqlEngineOptions,
  ) {}

  async run(sql: string, options: { readonly deadline?: () => boolean } = {}): Promise<QueryOutcome> {
    const started = await this.athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workGroup,
        QueryExecutionContext: { Database: this.options.database, Catalog: this.options.catalog ?? 'AwsDataCatalog' },
      }),
    );
    const executionId = started.QueryExecutionId;
    if (!executionId) throw new Error('Athena started a query without answering its execution id');
    const sleep = this.options.sleep ?? sleepFor;
    const poll = this.options.pollMillis ?? { first: 200, max: 2000 };
    let wait = poll.first;
    for (;;) {
      const { QueryExecution: execution } = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: executionId }));
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return { ...this.stats(executionId, execution!), state: 'succeeded', rows: await this.rowsOf(executionId) };
      if (state === 'FAILED' || state === 'CANCELLED') {
        const category = CATEGORIES[execution?.Status?.AthenaError?.ErrorCategory ?? 0];
        return {
          ...this.stats(executionId, execution!),
          state: state === 'FAILED' ? 'failed' : 'cancelled',
          rows: 0,
          ...(execution?.Status?.StateChangeReason ? { reason: execution.Status.StateChangeReason } : {}),
          ...(category ? { errorCategory: category } : {}),
        };
      }
      if (options.deadline?.()) {
        await this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: executionId }));
        return { ...this.stats(executionId, execution ?? {}), state: 'timed-out', rows: 0 };
      }
      await sleep(wait);
      wait = Math.min(poll.max, wait * 2);
    }
  }

  private stats(executionId: string, execution: AthenaExecution): { executionId: string; bytesScanned: number; engineMillis: number } {
    return { executionId, bytesScanned: execution.Statistics?.DataScannedInBytes ?? 0, engineMillis: execution.Statistics?.EngineExecutionTimeInMillis ?? 0 };
  }

  /** Rows returned: Athena's runtime statistics, else counted page by page (header row apart). */
  private async rowsOf(executionId: string): Promise<number> {
    try {
      const out = await this.athena.send(new GetQueryRuntimeStatisticsCommand({ QueryExecutionId: executionId }));
      const rows = out.QueryRuntimeStatistics?.Rows?.OutputRows;
      if (rows !== undefined) return rows;
    } catch {
      // Statistics are not kept for every statement: count instead.
    }
    let rows = 0;
    for await (const page of athenaResultPages(this.athena, executionId)) rows += page.rows.length;
    return rows;
  }
}

export interface ResultColumn {
  readonly name: string;
  /** Athena's type name: varchar, bigint, boolean, array, double, ... */
  readonly type: string;
}

/** One page of a result: the columns (every page), and its rows as Athena renders them (null for NULL). */
export interface ResultPage {
  readonly columns: readonly ResultColumn[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
}

/**
 * The result of a finished query, page by page (GetQueryResults, up to 1,000 rows a page). Athena repeats the
 * column names as the first row of the first page of a query (the guard lets only queries through): that row is left
 * out.
 */
export async function* athenaResultPages(athena: AthenaClient, executionId: string): AsyncGenerator<ResultPage> {
  let token: string | undefined;
  let first = true;
  do {
    const out = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: executionId, MaxResults: 1000, ...(token ? { NextToken: token } : {}) }));
    const columns = (out.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({ name: c.Name ?? c.Label ?? '', type: c.Type ?? 'varchar' }));
    let rows = (out.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? null));
    if (first) rows = rows.slice(1);
    first = false;
    token = out.NextToken;
    yield { columns, rows };
  } while (token);
}
