/**
 * How the CLI meets a deployed job's failure: a job's bad input is bad input here too (exit 2), anything else
 * names the function and where its log is; an SDK error names the credentials to check.
 */
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import * as z from 'zod';
import { DeployedJobError, openDeployedStack, type StackOutputs } from '../../../bin/cli/deployed';
import { BadInputError } from '../../../lib/domain/errors';
import { verifyText } from '../../../bin/cli/verify-command';

const OUTPUTS: StackOutputs = { stackName: 'Steward-x', region: 'eu-central-1', functionNames: { report: 'Steward-x-report' } };
/** A payload as the SDK hands it over (a Uint8Array with string helpers the CLI does not use). */
const payload = (text: string) => Buffer.from(text) as unknown as InvokeCommandOutput['Payload'];
const failure = (errorType: string, errorMessage: string) => ({
  StatusCode: 200,
  FunctionError: 'Unhandled',
  Payload: payload(JSON.stringify({ errorType, errorMessage, trace: [] })),
});

describe('openDeployedStack().invoke', () => {
  const lambda = mockClient(LambdaClient);
  const stack = openDeployedStack(OUTPUTS);
  afterEach(() => lambda.reset());
  afterAll(() => {
    lambda.restore();
    stack.close();
  });

  it('parses the answer losslessly with the schema given', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{"ok":true,"id":7320768196569599275}') });
    await expect(stack.invoke('report', { horizonDays: 3 }, z.object({ ok: z.boolean(), id: z.bigint() }))).resolves.toEqual({ ok: true, id: 7320768196569599275n });
    expect(lambda.commandCalls(InvokeCommand)[0]!.args[0].input).toMatchObject({ FunctionName: 'Steward-x-report', InvocationType: 'RequestResponse' });
    expect(Buffer.from(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array).toString()).toBe('{"horizonDays":3}');
  });

  it("turns a job's BadInputError into bad input (exit 2)", async () => {
    lambda.on(InvokeCommand).resolves(failure('BadInputError', 'the event is invalid:\n  - $.horizonDays: too big'));
    const error = await stack.invoke('report', {}, z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toBe('report: the event is invalid:\n  - $.horizonDays: too big');
  });

  it('turns missing credentials (DeploymentConfigurationError) into bad input (exit 2), not a violation', async () => {
    lambda.on(InvokeCommand).resolves(failure('DeploymentConfigurationError', 'the secret still holds the placeholder'));
    const error = await stack.invoke('report', {}, z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toBe("report: the stack's configuration: the secret still holds the placeholder");
  });

  it('names the function and its log group when a job fails', async () => {
    lambda.on(InvokeCommand).resolves(failure('TypeError', 'x is undefined'));
    await expect(stack.invoke('report', {}, z.unknown())).rejects.toThrow(
      new DeployedJobError('report failed in Steward-x-report: TypeError: x is undefined (details in the log group /aws/lambda/Steward-x-report)'),
    );
  });

  it('says which credentials to check when the call itself fails', async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' }));
    await expect(stack.invoke('report', {}, z.unknown())).rejects.toThrow(/cannot invoke Steward-x-report \(report\) in eu-central-1: AccessDeniedException: .*check your AWS credentials/);
  });

  it('refuses an answer of another shape, and a job the stack does not have', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('{"ok":"yes"}') });
    await expect(stack.invoke('report', {}, z.looseObject({ ok: z.boolean() }))).rejects.toThrow(/answered an unexpected shape \(\$\.ok: .*\); is the stack on this version of Steward\?/);
    await expect(stack.invoke('collect', {}, z.unknown())).rejects.toThrow(/stack Steward-x has no collect function \(it has report\)/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });
});

const MISSING_OBJECT = { kind: 'record-without-object', message: 'tiktok:video:1 has no object' };

/** A failed compliance check with these violations, as verify answers it. */
function failedCheck(violations: readonly { kind: string; message: string }[], extra: { omittedViolations?: number } = {}) {
  const report = {
    ok: false,
    checkedAt: '2026-11-24T05:30:00.000Z',
    audit: { chains: 1, events: 2, seals: 1 },
    ledger: { active: 3, tombstoned: 0, pendingPurges: 0 },
    storage: { objects: 1, versions: 1 },
    violations,
    ...extra,
  };
  return report as unknown as Parameters<typeof verifyText>[0];
}

describe('verifyText of a deployed check that listed only the first violations', () => {
  it('counts every violation and says how many are not listed', () => {
    const text = verifyText(failedCheck([MISSING_OBJECT], { omittedViolations: 12_345 }));
    expect(text).toContain('12346 violation(s):');
    expect(text).toContain('  [record-without-object] tiktok:video:1 has no object');
    expect(text).toContain('… and 12345 more (the deployed check lists the first 1;');
  });
});

describe('verifyText of many violations', () => {
  it('shows a few of each kind on a terminal and counts the rest', () => {
    const overdue = Array.from({ length: 8038 }, (_, i) => ({ kind: 'overdue', message: `tiktok:video:${i} is past its refresh deadline` }));
    const lines = verifyText(failedCheck([...overdue, MISSING_OBJECT])).split('\n');
    expect(lines).toContain('8039 violation(s):');
    expect(lines.filter((l) => l.startsWith('  [overdue] tiktok:video:'))).toHaveLength(20);
    expect(lines).toContain('  [overdue] … and 8018 more (8038 in all; --json lists every one)');
    expect(lines).toContain('  [record-without-object] tiktok:video:1 has no object');
    expect(lines.length).toBeLessThan(30);
  });
});
