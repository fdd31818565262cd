/**
 * A stack that deploys the first time, and says when it runs into an account's limits: retained resources are
 * deleted only when their creation fails (so a failed first deploy can simply be retried, named tables and secrets
 * included), the refresh sweep runs within a new account's 10 concurrent Lambda executions and retries throttled
 * invocations, alarms for throttles, runs near their time limit, timed-out or aborted sweeps and a quota that ran out
 * before refreshes, and tags on every resource.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { METRICS } from '../../lib/config/deployed';
import { DEFAULT_REFRESH_CONCURRENCY, LAMBDA_THROTTLE_ERRORS } from '../../lib/infra/refresh-fanout';
import { NEAR_TIME_LIMIT } from '../../lib/infra/monitoring';
import { exampleConfig, logicalId, synthStack } from './support';

const { stack, template, json } = synthStack(exampleConfig((doc) => {
  doc.deployment = { tags: { 'cost-center': 'lab-42' } };
}));
const resources = Object.entries(json.Resources);
const alarms = resources.filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);

function sweepDefinition(of = json): { States: Record<string, any> } {
  const machine = Object.values(of.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
  const body = machine.Properties.DefinitionString;
  const text = (body['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : 'ARN')).join('');
  return JSON.parse(text) as { States: Record<string, any> };
}

describe('retained resources are deleted only when their creation failed', () => {
  it('keeps every retained resource on update and delete, and deletes none that a rollback of its creation leaves', () => {
    const retained = resources.filter(([, r]) => (r as { DeletionPolicy?: string }).DeletionPolicy !== undefined && (r as { DeletionPolicy?: string }).DeletionPolicy !== 'Delete');
    expect(retained.length).toBeGreaterThanOrEqual(9);
    for (const [id, r] of retained) {
      expect({ id, deletion: (r as { DeletionPolicy?: string }).DeletionPolicy, replace: (r as { UpdateReplacePolicy?: string }).UpdateReplacePolicy }).toEqual({
        id,
        deletion: 'RetainExceptOnCreate',
        replace: 'Retain',
      });
    }
  });

  it('covers the named resources a retry would otherwise collide with: both tables and every secret', () => {
    const named = resources.filter(([, r]) => r.Properties?.TableName !== undefined || (r.Type === 'AWS::SecretsManager::Secret' && r.Properties?.Name !== undefined));
    expect(named.map(([, r]) => r.Type).sort()).toEqual(expect.arrayContaining(['AWS::DynamoDB::Table', 'AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret']));
    for (const [, r] of named) expect((r as { DeletionPolicy?: string }).DeletionPolicy).toBe('RetainExceptOnCreate');
  });
});

describe('the refresh sweep within an account\'s Lambda limits', () => {
  it('runs a few workers at once by default, within a new account\'s 10 concurrent executions', () => {
    expect(DEFAULT_REFRESH_CONCURRENCY).toBeLessThanOrEqual(5);
    expect(sweepDefinition().States.EachShard.MaxConcurrency).toBe(DEFAULT_REFRESH_CONCURRENCY);
  });

  it('takes deployment.refreshConcurrency from the config (and refuses one outside 1..16, naming it)', () => {
    const wide = synthStack(exampleConfig((doc) => void (doc.deployment = { refreshConcurrency: 16 })));
    expect(sweepDefinition(wide.json).States.EachShard.MaxConcurrency).toBe(16);
    expect(() => exampleConfig((doc) => void (doc.deployment = { refreshConcurrency: 40 }))).toThrow(/deployment\.refreshConcurrency.*1\.\.16/);
  });

  it('retries a throttled worker invocation with backoff and jitter, before (and apart from) a failed one', () => {
    const retry = sweepDefinition().States.EachShard.ItemProcessor.States.RefreshShard.Retry as Array<{ ErrorEquals: string[]; MaxAttempts: number; BackoffRate: number; JitterStrategy?: string }>;
    const throttled = retry.findIndex((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
    const failed = retry.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed'));
    expect(throttled).toBeGreaterThanOrEqual(0);
    // Step Functions takes the first retrier whose errors match: the throttle one must come before States.TaskFailed
    expect(throttled).toBeLessThan(failed);
    expect(retry[throttled]).toMatchObject({ ErrorEquals: [...LAMBDA_THROTTLE_ERRORS], BackoffRate: 2, JitterStrategy: 'FULL' });
    expect(retry[throttled]!.MaxAttempts).toBeGreaterThanOrEqual(5);
  });
});

describe('alarms for what a first deploy runs into', () => {
  const functions = [...stack.jobs.functions.values()];

  it.each(functions.map((f) => [f.job, f] as const))('%s: alarms on throttles and on runs over 90%% of its time limit', (_job, f) => {
    const fnRef = { Ref: logicalId(stack, f.fn) };
    const of = (metric: string) => alarms.filter((a) => a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: fnRef }]));
    expect(of('Throttles')).toHaveLength(1);
    const [near] = of('Duration');
    expect(near).toMatchObject({ Statistic: 'Maximum', ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(near!.Threshold).toBe(Math.floor(f.fn.timeout!.toMilliseconds() * NEAR_TIME_LIMIT));
  });

  it('alarms when a sweep times out or is aborted', () => {
    const machine = { Ref: logicalId(stack, stack.refresh!.stateMachine) };
    for (const metric of ['ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionsFailed']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric, Namespace: 'AWS/States', Dimensions: [{ Name: 'StateMachineArn', Value: machine }] });
    }
  });

  it('alarms when the daily quota runs out before the due records are refreshed', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.refreshQuotaStops,
      Namespace: METRICS.namespace,
      Threshold: 1,
      AlarmDescription: Match.stringLikeRegexp('quota'),
    });
  });
});

describe('tags', () => {
  it('tags every taggable resource with the project, Steward, and the lab\'s own tags from the config', () => {
    const taggable = resources.filter(([, r]) => r.Properties && 'Tags' in r.Properties);
    expect(taggable.length).toBeGreaterThan(20);
    for (const [id, r] of taggable) {
      const tags = r.Properties.Tags as Array<{ Key: string; Value: string }> | Record<string, string>;
      const map = Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : tags;
      expect({ id, ...map }).toMatchObject({ id, 'steward:project': 'climate-talk', 'steward:managed-by': 'steward', 'cost-center': 'lab-42' });
    }
    // resources whose CloudFormation type takes tags but that have none would be missed: functions, tables, keys, buckets all carry them
    for (const type of ['AWS::Lambda::Function', 'AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::SQS::Queue', 'AWS::StepFunctions::StateMachine', 'AWS::SNS::Topic', 'AWS::IAM::Role']) {
      const all = resources.filter(([, r]) => r.Type === type);
      expect({ type, untagged: all.filter(([, r]) => !r.Properties?.Tags).map(([id]) => id) }).toEqual({ type, untagged: [] });
    }
  });
});
