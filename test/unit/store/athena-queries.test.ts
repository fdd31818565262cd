/**
 * The Athena adapter with the SDK stubbed: results are read page by page with only the first page's header row
 * dropped, rows are counted from the result when Athena keeps no runtime statistics, and Athena's failures keep
 * their category (a user's SQL error or Athena's own).
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, GetQueryRuntimeStatisticsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { typedRows } from '../../../bin/cli/query-deployed';
import { AthenaSqlEngine, athenaResultPages } from '../../../lib/store/athena-queries';

const athena = mockClient(AthenaClient);
const client = new AthenaClient({ region: 'eu-central-1' });
const row = (...values: Array<string | undefined>) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const COLUMNS = { ColumnInfo: [{ Name: 'id', Type: 'bigint' }] };

beforeEach(() => athena.reset());
afterAll(() => athena.restore());

describe('athenaResultPages', () => {
  it('reads every page, dropping only the header row of the first', async () => {
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q' })
      .resolvesOnce({ ResultSet: { ResultSetMetadata: COLUMNS, Rows: [row('id'), row('1'), row('2')] }, NextToken: 't1' })
      .resolvesOnce({ ResultSet: { ResultSetMetadata: COLUMNS, Rows: [row('id'), row(undefined)] } });
    const pages = [];
    for await (const page of athenaResultPages(client, 'q')) pages.push(page.rows);
    // A second page's first row is data, even when it reads like the header.
    expect(pages).toEqual([[['1'], ['2']], [['id'], [null]]]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 't1']);
  });
});

describe('AthenaSqlEngine', () => {
  const engine = new AthenaSqlEngine(client, { workGroup: 'wg', database: 'db', sleep: async () => {} });

  it('counts the rows from the result when Athena keeps no runtime statistics', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryRuntimeStatisticsCommand).rejects(new Error('no statistics for this statement'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: COLUMNS, Rows: [row('id'), row('7'), row('8'), row('9')] } });
    expect(await engine.run('SELECT id FROM videos')).toMatchObject({ state: 'succeeded', rows: 3 });
  });

  it('keeps the category of a failure: the SQL (user) or Athena itself (system)', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'SYNTAX_ERROR', AthenaError: { ErrorCategory: 2 } } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'internal', AthenaError: { ErrorCategory: 1 } } } });
    expect(await engine.run('SELECT')).toMatchObject({ state: 'failed', errorCategory: 'user', reason: 'SYNTAX_ERROR', rows: 0 });
    expect(await engine.run('SELECT 1')).toMatchObject({ state: 'failed', errorCategory: 'system' });
  });
});

describe('typedRows', () => {
  it('answers numbers, booleans and nulls, and a bigint column as text once one value is beyond 2^53', () => {
    const columns = [{ name: 'n', type: 'bigint' }, { name: 'small', type: 'bigint' }, { name: 'x', type: 'double' }, { name: 'b', type: 'boolean' }, { name: 'a', type: 'array' }];
    const rows = typedRows(columns, [
      ['1', '1', '1.5', 'true', '[a, b]'],
      ['9007199254740993', null, null, 'false', null],
    ]);
    expect(rows).toEqual([
      ['1', 1, 1.5, true, '[a, b]'],
      ['9007199254740993', null, null, false, null],
    ]);
  });
});
