/**
 * The query function in-process, on local DynamoDB (the audit log) with Athena stubbed by aws-sdk-client-mock:
 * a write attempt is refused before Athena is called and nothing is written; a query runs in the workgroup and
 * leaves `query.run` with the keyed SQL digest and the row count, never the SQL; a query Athena fails is answered
 * as bad input with Athena's message, audited too, and the message stays out of the logs.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryRuntimeStatisticsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { JOB_ENV } from '../../../lib/config/deployed';
import type { ChainedAuditEvent } from '../../../lib/domain/audit';
import { hmacHasher } from '../../../lib/domain/hashing';
import { sqlDigest } from '../../../lib/domain/query-guard';
import { TEST_SECRET } from '../../support/job-context';
import { deployedFixture, lambdaContext, type DeployedFixture } from './support';

type Handler = (event: unknown, context: unknown) => Promise<any>;
const FUNCTION = 'steward-test-query';
/** The context of an invocation through `member`'s alias (how Lambda tells the function who asks). */
const as = (member: string, remainingMs?: number) => lambdaContext(`${FUNCTION}:member-${member}`, remainingMs);
/** A literal that must never reach the audit log or the logs (it could be a username). */
const LITERAL = 'secret_handle_4711';

describe('query function', () => {
  let fx: DeployedFixture;
  let handler: Handler;
  const athena = mockClient(AthenaClient);
  /** What the function wrote to stderr (Powertools warnings and errors). */
  let stderr = '';
  let stderrSpy: jest.SpyInstance;
  const logs = () => `${fx.stdout()}${stderr}`;

  beforeAll(async () => {
    fx = await deployedFixture('query', {
      env: { [JOB_ENV.queryWorkGroup]: 'steward-test', [JOB_ENV.queryDatabase]: 'steward_test' },
      change: (doc) => {
        doc.members = [
          { name: 'ada', role: 'pi' },
          { name: 'grace', role: 'researcher' },
        ];
      },
    });
    handler = (require('../../../lambdas/query') as { handler: Handler }).handler;
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
  });
  beforeEach(() => athena.reset());
  afterAll(async () => {
    stderrSpy?.mockRestore();
    athena.restore();
    await fx?.close();
  });

  /** Every event the audit log holds for `member`. */
  async function eventsOf(member: string): Promise<ChainedAuditEvent[]> {
    return (await fx.stores().audit.byActor(member)).events;
  }

  it('refuses a write attempt before Athena is called, writing nothing', async () => {
    const answer = await handler({ sql: `DELETE FROM videos WHERE username = '${LITERAL}'` }, as('grace'));
    expect(answer).toEqual({ ok: false, error: { kind: 'bad-input', message: expect.stringMatching(/^SQL: only read-only queries run here/) } });
    const refused = await handler({ sql: "SELECT * FROM read_text('.steward/hash-key')" }, as('grace'));
    expect(refused.error.message).toMatch(/read_text\(\) reads files/);
    const purges = await handler({ sql: 'SELECT count(*) FROM purges' }, as('grace'));
    expect(purges.error.message).toMatch(/purges view is built from the audit log/);
    expect(athena.calls()).toHaveLength(0);
    expect(await eventsOf('grace')).toEqual([]);
    expect(logs()).toContain('query not answered');
    expect(logs()).not.toContain(LITERAL);
  });

  it('takes who asks from the alias invoked, never from the event, before Athena is called', async () => {
    const unqualified = await handler({ sql: 'SELECT count(*) FROM videos', member: 'ada' }, lambdaContext(FUNCTION));
    expect(unqualified.error).toEqual({ kind: 'bad-input', message: expect.stringMatching(/came through the unqualified function, which names no member/) });
    const claimed = await handler({ sql: 'SELECT count(*) FROM videos', member: 'ada' }, as('grace'));
    expect(claimed.error.message).toMatch(/the event names "ada" but the request came through the alias member-grace/);
    const stranger = await handler({ sql: 'SELECT count(*) FROM videos' }, as('mallory'));
    expect(stranger.error.message).toMatch(/"mallory" is not a member/);
    expect(athena.calls()).toHaveLength(0);
  });

  it('runs the query in the workgroup and audits it as query.run with the keyed digest and the rows, never the SQL', async () => {
    const sql = `SELECT id FROM videos WHERE username = '${LITERAL}'`;
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'exec-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 2048, EngineExecutionTimeInMillis: 120 } } });
    athena.on(GetQueryRuntimeStatisticsCommand).resolves({ QueryRuntimeStatistics: { Rows: { OutputRows: 3 } } });

    const answer = await handler({ sql: `${sql};` }, as('grace'));

    expect(answer).toMatchObject({ ok: true, executionId: 'exec-1', rows: 3, bytesScanned: 2048, workGroup: 'steward-test', views: ['videos'] });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: sql,
      WorkGroup: 'steward-test',
      QueryExecutionContext: { Database: 'steward_test', Catalog: 'AwsDataCatalog' },
    });
    const events = await eventsOf('grace');
    const run = events.find((e) => e.action === 'query.run')!;
    expect(run).toMatchObject({
      actor: { type: 'researcher', name: 'grace' },
      evidence: { sqlDigest: sqlDigest(hmacHasher(TEST_SECRET), `${sql};`), views: 'videos', executionId: 'exec-1', outcome: 'ok', engine: 'athena' },
      counts: { rows: 3, bytesScanned: 2048 },
    });
    expect(events.map((e) => e.action)).toEqual(['run.started', 'query.run', 'run.finished']);
    expect(JSON.stringify(events)).not.toContain(LITERAL);
    expect(logs()).not.toContain(LITERAL);
  });

  it('answers a query Athena fails as bad input with Athena\'s message, audits it, and keeps the message out of the logs', async () => {
    const reason = `line 1:8: Column '${LITERAL}' cannot be resolved`;
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'exec-2' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: reason, AthenaError: { ErrorCategory: 2 } } } });

    const answer = await handler({ sql: `SELECT ${LITERAL} FROM videos` }, as('ada'));

    expect(answer).toEqual({ ok: false, error: { kind: 'bad-input', message: `SQL: athena: ${reason}` } });
    const events = await eventsOf('ada');
    expect(events.find((e) => e.action === 'query.run')).toMatchObject({ evidence: { executionId: 'exec-2', outcome: 'failed', errorCategory: 'user' }, counts: { rows: 0 } });
    expect(JSON.stringify(events)).not.toContain(LITERAL);
    expect(logs()).not.toContain(LITERAL);
  });

  it('stops a query still running when the function nears its time limit, and says so', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'exec-3' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});

    const answer = await handler({ sql: 'SELECT count(*) FROM comments' }, as('ada', 5_000));

    expect(answer.error.message).toMatch(/ran past the time limit and was stopped/);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'exec-3' }]);
  });
});
