/**
 * The refresh sweep at scale: a Step Functions state machine that runs one refresh worker per due-index shard, in
 * parallel. A worker near its Lambda time limit stops starting new work and answers `done: false`; the state
 * machine then invokes a fresh worker for the rest of that shard (a hand-off), up to `maxRounds` times. A lease in
 * the ledger (taken by the worker) keeps two workers, e.g. of overlapping executions, off the same shard. A corpus
 * of millions of records is thereby kept fresh without any single long run. A comment's due entry sits in its
 * video's shard (lib/store/dynamodb-ledger.ts `dueShardKey`), so one worker lists each video once for all its comments.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { arnFinding } from './vault-access';

export interface RefreshFanOutProps {
  /** The worker: takes `{ shard, round }`, answers `{ shard, done }`. */
  readonly worker: lambda.IFunction;
  /** Number of due-index shards (`DUE_SHARDS`). */
  readonly shards: number;
  /**
   * Workers running at once. Each worker spends API quota; the quota book in the ledger is shared.
   * @default DEFAULT_REFRESH_CONCURRENCY (within a new account's 10 concurrent Lambda executions)
   */
  readonly maxConcurrency?: number;
  /**
   * Fresh workers one shard may be handed to in one execution, after the first.
   * @default 8
   */
  readonly maxRounds?: number;
  /**
   * Longest execution; the next scheduled sweep picks up what is left.
   * @default Duration.minutes(55) (the sweep runs hourly)
   */
  readonly timeout?: Duration;
}

/**
 * Refresh workers at once by default: a new AWS account runs at most 10 Lambda functions at once (all functions of
 * the account together), and collect, purge and the other jobs need room beside the sweep.
 */
export const DEFAULT_REFRESH_CONCURRENCY = 4;

/** Errors of a throttled Lambda invocation, retried by the sweep with backoff (not counted as a failed worker). */
export const LAMBDA_THROTTLE_ERRORS = ['Lambda.TooManyRequestsException', 'Lambda.EC2ThrottledException'] as const;

export class RefreshFanOut extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RefreshFanOutProps) {
    super(scope, id);
    if (!Number.isInteger(props.shards) || props.shards < 1) throw new RangeError(`shards must be a positive integer (got ${props.shards})`);
    const maxRounds = props.maxRounds ?? 8;

    const shards = new sfn.Pass(this, 'Shards', {
      comment: 'One item per due-index shard',
      parameters: { 'shards.$': `States.ArrayRange(0, ${props.shards - 1}, 1)` },
    });
    const refreshShard = new tasks.LambdaInvoke(this, 'RefreshShard', {
      lambdaFunction: props.worker,
      payload: sfn.TaskInput.fromObject({ 'shard.$': '$.shard', 'round.$': '$.round' }),
      resultSelector: { 'done.$': '$.Payload.done' },
      resultPath: '$.result',
      retryOnServiceExceptions: true,
    });
    // Throttled (the account's concurrency is used up): wait and retry, with jitter, longer than a failure would.
    refreshShard.addRetry({ errors: [...LAMBDA_THROTTLE_ERRORS], maxAttempts: 6, interval: Duration.seconds(10), backoffRate: 2, maxDelay: Duration.minutes(5), jitterStrategy: sfn.JitterType.FULL });
    refreshShard.addRetry({ errors: ['States.TaskFailed'], maxAttempts: 2, interval: Duration.seconds(30), backoffRate: 2 });
    const nextRound = new sfn.Pass(this, 'HandOff', {
      comment: 'The worker stopped at its deadline: a fresh worker takes the rest of the shard',
      parameters: { 'shard.$': '$.shard', 'round.$': 'States.MathAdd($.round, 1)' },
    });
    const perShard = refreshShard.next(
      new sfn.Choice(this, 'ShardDone')
        .when(sfn.Condition.booleanEquals('$.result.done', true), new sfn.Succeed(this, 'ShardSwept'))
        .when(sfn.Condition.numberGreaterThanEquals('$.round', maxRounds), new sfn.Fail(this, 'TooManyHandOffs', { error: 'TooManyHandOffs', cause: `a shard was handed off ${maxRounds} times in one execution` }))
        .otherwise(nextRound.next(refreshShard)),
    );
    const eachShard = new sfn.Map(this, 'EachShard', {
      itemsPath: '$.shards',
      itemSelector: { 'shard.$': '$$.Map.Item.Value', round: 0 },
      maxConcurrency: Math.min(props.maxConcurrency ?? DEFAULT_REFRESH_CONCURRENCY, props.shards),
      resultPath: sfn.JsonPath.DISCARD,
    });
    eachShard.itemProcessor(perShard);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Steward refresh sweep: one worker per due-index shard, handed off near the Lambda time limit',
      definitionBody: sfn.DefinitionBody.fromChainable(shards.next(eachShard)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.minutes(55),
      tracingEnabled: true,
      // Payloads are shard numbers and a done flag: nothing collected passes through the state machine.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(this.stateMachine.role).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(props.worker, ':*')}]`,
        reason: 'lambda:InvokeFunction on the refresh worker and its versions (granted by the LambdaInvoke task); no other function.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray tracing and CloudWatch Logs log delivery (logs:CreateLogDelivery and related) support no resource-level permissions.',
      },
    );
  }
}
