/**
 * The CLI without --local, as a lab runs it against its deployed stack: it reads the stack's outputs file and
 * invokes the job functions. Lambda is played by the real handlers in-process (on the local services and the
 * emulator, with the environment the stack sets), behind aws-sdk-client-mock on the Lambda and Step Functions
 * clients, so each command goes CLI -> SDK request -> handler -> job -> DynamoDB/S3 and back.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetQueryRuntimeStatisticsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runCli } from '../../../bin/cli/program';
import { functionEnvOf, JOB_ENV, stackNameOf, STACK_OUTPUTS } from '../../../lib/config/deployed';
import { parseJson } from '../../../lib/domain/json';
import { recordKeyOf, type ActiveRecord } from '../../../lib/domain/records';
import { DUE_SHARDS } from '../../../lib/store/tables';
import { captureIo } from '../../support/cli';
import { destroyTestClients, testS3Client } from '../../support/local-aws';
import { deployedFixture, lambdaContext, type DeployedFixture } from '../lambdas/support';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
const JOBS = ['collect', 'purge', 'refresh-shard', 'verify', 'audit-query', 'report', 'certify', 'expire', 'erase', 'quota-plan', 'export', 'query', 'publication', 'calendar'] as const;
const functionName = (job: string) => `Steward-test-project-${job}`;
const STATE_MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:steward-test-project-refresh';
const FAR_FUTURE = new Date('2099-01-01T00:00:00Z');

describe('steward without --local: the deployed stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-deployed-'));
  const configFile = join(dir, 'steward.config.json');
  const outputsFile = join(dir, 'steward.outputs.json');
  const lambda = mockClient(LambdaClient);
  const sfn = mockClient(SFNClient);
  /** Athena, for the query function and for the CLI reading its results. */
  const athena = mockClient(AthenaClient);
  const invoked: { job: string; event: Record<string, unknown>; qualifier?: string }[] = [];
  let fx: DeployedFixture;
  let handlers: Record<string, Handler>;

  /** Run the CLI against the deployed stack; returns the exit code and what it printed. */
  async function steward(...args: string[]) {
    const io = captureIo();
    const code = await runCli(['--config', configFile, '--outputs', outputsFile, ...args], io);
    return { code, out: io.out, err: io.err, json: () => parseJson(io.out) as any };
  }

  async function activeVideos(): Promise<ActiveRecord[]> {
    const { ledger } = fx.stores();
    const all: ActiveRecord[] = [];
    for (let shard = 0; shard < DUE_SHARDS; shard++) all.push(...(await ledger.queryDue(shard, FAR_FUTURE, { limit: 1000 })).records);
    return all.filter((r) => r.ref.kind === 'video');
  }

  beforeAll(async () => {
    fx = await deployedFixture('cli', {
      tiktok: true,
      env: {
        [functionEnvOf('purge')]: functionName('purge'),
        [functionEnvOf('export')]: functionName('export'),
        [JOB_ENV.s3Versioning]: 'auto',
        [JOB_ENV.queryWorkGroup]: 'steward-test-project',
        [JOB_ENV.queryDatabase]: 'steward_test_project',
        STEWARD_RESEARCHER: 'ada',
      },
    });
    handlers = Object.fromEntries(JOBS.map((job) => [functionName(job), (require(`../../../lambdas/${job}`) as { handler: Handler }).handler]));
    // Lambda's contract: the handler's result is the payload; a thrown error comes back as FunctionError with
    // { errorType, errorMessage }.
    lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
      // `name:qualifier` invokes an alias (a member's, for the functions that act in a member's name).
      const [name, qualifier] = input.FunctionName.split(':') as [string, string | undefined];
      const handler = handlers[name];
      if (!handler) throw Object.assign(new Error(`Function not found: ${input.FunctionName}`), { name: 'ResourceNotFoundException' });
      const event = JSON.parse(Buffer.from(input.Payload).toString('utf8')) as Record<string, unknown>;
      invoked.push({ job: name.replace('Steward-test-project-', ''), event, ...(qualifier ? { qualifier } : {}) });
      try {
        const result = await handler(event, lambdaContext(input.FunctionName));
        return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result)) };
      } catch (error) {
        const e = error as Error;
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify({ errorType: e.name, errorMessage: e.message })) };
      }
    });
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:manual-1`, startDate: new Date('2026-11-24T10:00:00Z') });
    writeFileSync(configFile, JSON.stringify(fx.config));
    writeFileSync(
      outputsFile,
      JSON.stringify({
        [stackNameOf(fx.config.project.id)]: {
          [STACK_OUTPUTS.region]: 'eu-central-1',
          [STACK_OUTPUTS.bucket]: fx.bucket,
          [STACK_OUTPUTS.functionNames]: JSON.stringify(Object.fromEntries(JOBS.map((job) => [job, functionName(job)]))),
          [STACK_OUTPUTS.refreshStateMachineArn]: STATE_MACHINE,
        },
      }),
    );
    const collected = await steward('--json', 'collect', '--spec', 'climate-videos');
    expect(collected.code).toBe(0);
    expect(collected.json().specs[0].newRecords).toBeGreaterThan(20);
  });
  afterAll(async () => {
    lambda.restore();
    sfn.restore();
    athena.restore();
    await fx.close();
    destroyTestClients();
  });

  it('collect runs the collect function: what it reports is what the ledger holds', async () => {
    const again = await steward('collect', '--spec', 'climate-videos');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/collect run \S+\n\s+climate-videos\s+0 new, \d+ changed, \d+ unchanged/);
    expect(invoked.filter((i) => i.job === 'collect').map((i) => i.event)).toEqual([{ spec: 'climate-videos' }, { spec: 'climate-videos' }]);
    const unchanged = Number(/(\d+) unchanged/.exec(again.out)![1]) + Number(/(\d+) changed/.exec(again.out)![1]);
    expect(unchanged).toBe((await activeVideos()).length);
  });

  it('export create, list and pull run through the export function; pull reads the parts from the bucket as the member', async () => {
    const created = await steward('--json', '--as', 'ada', 'export', 'create', '--spec', 'climate-videos', '--format', 'jsonl');
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ label: 'climate-videos@v1', format: 'jsonl' });
    // Who acts is the alias invoked (member-ada), not a name in the event.
    expect(invoked.filter((i) => i.job === 'export').map((i) => [i.qualifier, i.event])).toEqual([['member-ada', { action: 'create', spec: 'climate-videos', format: 'jsonl' }]]);
    const listed = await steward('export', 'list');
    expect(listed.out).toMatch(/^climate-videos@v1 \(jsonl, video\)/);
    const to = join(dir, 'pulled');
    const pulled = await steward('--json', '--as', 'ada', 'export', 'pull', 'climate-videos', '--to', to);
    expect(pulled.code).toBe(0);
    const copy = pulled.json();
    expect(readFileSync(join(to, 'COPY.txt'), 'utf8').trim()).toBe(copy.copyId);
    const lines = readFileSync(join(to, copy.files[0]), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(created.json().rows);
    expect(JSON.parse(lines[0]!).id).toMatch(/^\d+$/);
  });

  it('query runs the SQL on Athena through the query function as the member, audited there, and reads the result as the member', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'exec-cli' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 4096 } } });
    athena.on(GetQueryRuntimeStatisticsCommand).resolves({ QueryRuntimeStatistics: { Rows: { OutputRows: 2 } } });
    const cell = (v: string) => ({ VarCharValue: v });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'region_code', Type: 'varchar' }, { Name: 'n', Type: 'bigint' }, { Name: 'top', Type: 'boolean' }] },
        Rows: [{ Data: [cell('region_code'), cell('n'), cell('top')] }, { Data: [cell('DE'), cell('12'), cell('true')] }, { Data: [cell('FR'), cell('9223372036854775807'), {}] }],
      },
    });
    const sql = 'SELECT region_code, count(*) AS n, false AS top FROM videos GROUP BY 1';

    const result = await steward('--json', '--as', 'ada', 'query', sql);

    expect(result.code).toBe(0);
    // A bigint beyond 2^53 keeps every value of its column exact, as text.
    expect(result.json()).toMatchObject({
      engine: 'athena',
      rowCount: 2,
      views: ['videos'],
      rows: [{ region_code: 'DE', n: '12', top: true }, { region_code: 'FR', n: '9223372036854775807', top: null }],
    });
    expect(invoked.filter((i) => i.job === 'query').map((i) => [i.qualifier, i.event])).toEqual([['member-ada', { sql, timeoutSeconds: 60 }]]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toMatchObject({ WorkGroup: 'steward-test-project' });
    const audited = (await fx.stores().audit.byActor('ada')).events.filter((e) => e.action === 'query.run');
    expect(audited.map((e) => [e.evidence?.executionId, e.counts?.rows])).toEqual([['exec-cli', 2]]);

    const shown = await steward('--as', 'ada', 'query', sql, '--limit', '1');
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/region_code\s+N\s+TOP/i);
    expect(shown.out).toContain('1 more row(s) not shown (--limit 1)');
  });

  it('query: a write is refused before anything is invoked; a query Athena fails is exit 2 with Athena\'s message', async () => {
    const calls = lambda.commandCalls(InvokeCommand).length;
    const write = await steward('--as', 'ada', 'query', 'DROP TABLE videos');
    expect([write.code, write.err]).toEqual([2, expect.stringMatching(/only read-only queries run here/)]);
    expect(lambda.commandCalls(InvokeCommand).length).toBe(calls);

    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'exec-bad' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: "line 1:8: Column 'nope' cannot be resolved", AthenaError: { ErrorCategory: 2 } } } });
    const failed = await steward('--as', 'ada', 'query', 'SELECT nope FROM videos');
    expect([failed.code, failed.err]).toEqual([2, expect.stringContaining("athena: line 1:8: Column 'nope' cannot be resolved")]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('publication add, list, show and done run through the publication function as the member; calendar lists the notice', async () => {
    const added = await steward('--json', '--as', 'ada', 'publication', 'add', '--title', 'Who vanishes', '--planned-date', '2099-12-01', '--export', 'climate-videos@v1');
    expect(added.code).toBe(0);
    const id = added.json().publication.id;
    expect(added.json()).toMatchObject({ publication: { id: 'pub-20991201-who-vanishes', noticeDueAt: '2099-11-01T00:00:00.000Z', dataset: { export: 'climate-videos', version: 1 } }, records: { deletedSince: 0 } });
    expect((await steward('publication', 'list')).out).toMatch(/^pub-20991201-who-vanishes {2}2099-12-01 {2}planned +notice by 2099-11-01 {2}climate-videos@v1/);
    expect((await steward('publication', 'show', id)).out).toMatch(/advance notice to the platform due 2099-11-01 \(30 days before, policy tiktok-research v1\)/);
    expect((await steward('--as', 'ada', 'publication', 'done', id)).out).toMatch(/planned 2099-12-01 \(done /);
    // Through ada's alias (STEWARD_RESEARCHER is ada here), never naming her in the event.
    expect(invoked.filter((i) => i.job === 'publication').map((i) => [i.event.action, i.qualifier, i.event.member])).toEqual([['add', 'member-ada', undefined], ['list', 'member-ada', undefined], ['show', 'member-ada', undefined], ['done', 'member-ada', undefined]]);
    const calendar = await steward('--json', 'calendar', '--days', '3');
    expect([calendar.code, invoked.at(-1)!.job]).toEqual([0, 'calendar']);
  });

  it('audit --record answers the history of one record, by its keyed hash', async () => {
    const [video] = await activeVideos();
    const result = await steward('--json', 'audit', '--record', recordKeyOf(video!.ref));
    expect(result.code).toBe(0);
    const answer = result.json();
    expect(answer.query).toMatchObject({ by: 'record', value: recordKeyOf(video!.ref) });
    expect(answer.events.map((e: { action: string }) => e.action)).toContain('record.collected');
    expect(JSON.stringify(answer.events)).not.toContain(video!.ref.id);
    const table = await steward('audit', '--record', recordKeyOf(video!.ref));
    expect(table.out).toMatch(/TIME \(UTC\)\s+ACTION/);
  });

  it('quota plan counts the records the ledger holds', async () => {
    const result = await steward('--json', 'quota', 'plan');
    expect(result.code).toBe(0);
    const research = result.json().sources.find((s: { source: string }) => s.source === 'research');
    expect(research.activeRecords).toBe((await activeVideos()).length);
  });

  it('report renders the function\'s JSON report as self-contained HTML', async () => {
    const out = join(dir, 'report.html');
    const result = await steward('report', '--format', 'html', '--out', out);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/Compliant: nothing is overdue and every refresh was on time/);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<svg');
  });

  it('refresh --shard runs the shard workers; refresh alone starts the sweep state machine', async () => {
    const one = await steward('--json', 'refresh', '--shard', '3', '5');
    expect(one.code).toBe(0);
    expect(one.json().shards.map((s: { shard: number; done: boolean }) => [s.shard, s.done])).toEqual([
      [3, true],
      [5, true],
    ]);
    expect(invoked.filter((i) => i.job === 'refresh-shard').map((i) => i.event)).toEqual([
      { shard: 3, round: 0 },
      { shard: 5, round: 0 },
    ]);
    const sweep = await steward('refresh');
    expect(sweep.code).toBe(0);
    expect(sweep.out).toContain('describe-execution --execution-arn arn:aws:states:eu-central-1:123456789012:execution:');
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({ stateMachineArn: STATE_MACHINE, input: '{}' });
  });

  it('purge and expire --dry-run count and change nothing', async () => {
    const before = (await activeVideos()).length;
    const purge = await steward('--json', 'purge', '--dry-run');
    expect(purge.code).toBe(0);
    expect(purge.json()).toMatchObject({ dryRun: true, pending: 0, purged: 0 });
    const expire = await steward('--json', 'expire', '--dry-run');
    expect(expire.code).toBe(0);
    expect(expire.json()).toMatchObject({ dryRun: true, expired: 0, projectEnded: false });
    expect((await activeVideos()).length).toBe(before);
  });

  it('purge holds, dismiss and release run through the PI\'s own alias of the purge function and the refresh worker', async () => {
    const { holds } = fx.stores().ledger;
    const { hold: first } = await holds.openHold('research', new Date(Date.now() - 60_000), 'rate', { rule: 'rate', confirmed24h: 9 });
    expect((await steward('--json', 'purge', 'holds')).json().holds.map((h: { id: string }) => h.id)).toContain(first.id);
    expect(await steward('--as', 'ada', 'purge', 'dismiss', first.id)).toMatchObject({ code: 0, out: expect.stringMatching(/dismissed/) });
    const { hold: second } = await holds.openHold('research', new Date(), 'rate', { rule: 'rate', confirmed24h: 9 });
    expect(await steward('--as', 'ada', 'purge', 'release', second.id)).toMatchObject({ code: 0, out: expect.stringMatching(/released/) });
    const decisions = invoked.filter((i) => 'holds' in i.event || 'holdRelease' in i.event).map((i) => [i.job, i.qualifier]);
    expect(decisions).toEqual([['purge', 'member-ada'], ['purge', 'member-ada'], ['refresh-shard', 'member-ada']]);
    expect(await holds.getHold(second.id)).toMatchObject({ status: 'released', closedBy: 'ada' });
  });

  it('erase, certify and verify --certificate: a deletion filed, done and proven through the functions', async () => {
    const [video] = await activeVideos();
    const key = recordKeyOf(video!.ref);
    const erased = await steward('--json', 'erase', '--video', video!.ref.id);
    expect(erased.code).toBe(0);
    expect(erased.json()).toMatchObject({ kind: 'video', wasStored: true });
    expect(invoked.filter((i) => i.job === 'erase').at(-1)).toMatchObject({ qualifier: 'member-ada', event: { video: video!.ref.id, requestedBy: 'ada' } });
    // The erase function hands the export rebuild to the export function (it may not read records itself).
    expect(invoked.at(-1)).toMatchObject({ job: 'export', event: { action: 'rebuild', keys: [key] } });
    expect((await fx.stores().ledger.getRecords([video!.ref])).get(key)).toMatchObject({ status: 'tombstoned' });

    const cert = join(dir, 'cert.json');
    const certified = await steward('certify', '--record', key, '--out', cert);
    expect(certified.code).toBe(0);
    expect(certified.out).toMatch(/certificate: 1 deletion\(s\) proven/);
    expect(existsSync(join(dir, 'cert.md'))).toBe(true);
    const checked = await steward('verify', '--certificate', cert);
    expect([checked.code, checked.out]).toEqual([0, expect.stringMatching(/OK, 1 deletion\(s\) still proven/)]);
  });

  it('verify answers the violations themselves and exits 1 when storage and ledger disagree', async () => {
    const clean = await steward('verify');
    expect([clean.code, clean.out]).toEqual([0, expect.stringContaining('OK: the audit log is intact')]);
    const [video] = await activeVideos();
    await testS3Client().send(new DeleteObjectCommand({ Bucket: fx.bucket, Key: video!.objectKey }));
    const broken = await steward('--json', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.json().violations).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'record-without-object' })]));
    expect(invoked.filter((i) => i.job === 'verify').at(-1)!.event).toEqual({ details: true });
  });

  describe('bad input: exit 2 naming the problem, nothing invoked', () => {
    it('erase filed by a name that is no lab member name', async () => {
      const calls = lambda.commandCalls(InvokeCommand).length;
      process.env.STEWARD_RESEARCHER = '1st-shift';
      try {
        const result = await steward('erase', '--video', '7320768196569599275');
        expect([result.code, result.err]).toEqual([2, expect.stringMatching(/STEWARD_RESEARCHER: "1st-shift" is not a member of this project .*--as MEMBER/)]);
      } finally {
        process.env.STEWARD_RESEARCHER = 'ada';
      }
      expect(lambda.commandCalls(InvokeCommand).length).toBe(calls);
    });

    const outputsWith = (name: string, outputs: unknown) => {
      const file = join(dir, name);
      writeFileSync(file, typeof outputs === 'string' ? outputs : JSON.stringify(outputs));
      return file;
    };
    const stack = () => stackNameOf(fx.config.project.id);

    it.each([
      ['no outputs file', () => join(dir, 'missing.json'), /--outputs: cannot read .*missing\.json \(ENOENT\).*--outputs-file/s],
      ['an outputs file that is not JSON', () => outputsWith('bad.json', '{"Steward-'), /--outputs: .*bad\.json is not valid JSON/],
      ['outputs of another stack only', () => outputsWith('other.json', { 'Steward-other': {} }), /has no outputs of stack Steward-test-project .*it holds Steward-other/],
      ['FunctionNames that is not a JSON object', () => outputsWith('names.json', { [stack()]: { Region: 'eu-central-1', FunctionNames: 'collect' } }), /\$\.Steward-test-project\.FunctionNames: must be a JSON object of names/],
      ['a bad region', () => outputsWith('region.json', { [stack()]: { Region: 'Frankfurt', FunctionNames: '{}' } }), /\$\.Steward-test-project\.Region: must be an AWS region/],
    ])('%s', async (_what, file, message) => {
      const calls = lambda.commandCalls(InvokeCommand).length;
      const io = captureIo();
      const code = await runCli(['--config', configFile, '--outputs', file(), 'quota', 'plan'], io);
      expect([code, io.err]).toEqual([2, expect.stringMatching(message)]);
      expect(lambda.commandCalls(InvokeCommand).length).toBe(calls);
    });

    it.each([
      ['--now', ['--now', '2026-01-01T00:00:00Z', 'quota', 'plan'], /--now sets the clock of --local runs only/],
      ['serve', ['serve'], /runs on the embedded local services only: add --local/],
      ['refresh --max-requests', ['refresh', '--max-requests', '5'], /--max-requests: only for --local runs/],
    ])('%s without --local', async (_what, args, message) => {
      const calls = lambda.commandCalls(InvokeCommand).length;
      const result = await steward(...args);
      expect([result.code, result.err]).toEqual([2, expect.stringMatching(message)]);
      expect(lambda.commandCalls(InvokeCommand).length).toBe(calls);
    });
  });
});
