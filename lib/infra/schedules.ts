/**
 * The schedules (EventBridge Scheduler): when each job runs. Every invocation carries the scheduler's context
 * (scheduled time, execution id) so a run can be traced back to its trigger. Invocations the scheduler could not
 * deliver after its retries land in one dead-letter queue.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { arnFinding } from './vault-access';

export interface ScheduledInvocation {
  /** Unique within the stack, kebab-case: the schedule's construct id, e.g. `collect-climate-videos`. */
  readonly name: string;
  readonly description: string;
  /** An EventBridge Scheduler expression: `rate(1 day)`, `cron(0 3 * * ? *)`. */
  readonly expression: string;
  readonly target: { readonly fn: lambda.IFunction } | { readonly stateMachine: sfn.IStateMachine };
  /** The event the target receives (plus `scheduledTime` and `executionId`). */
  readonly input: Readonly<Record<string, unknown>>;
  /**
   * No invocation after this instant (e.g. collection stops at project end).
   * @default - no end
   */
  readonly end?: Date;
}

export interface SchedulesProps {
  /** Schedule group name, e.g. `steward-<project>`. */
  readonly groupName: string;
  readonly invocations: readonly ScheduledInvocation[];
  /**
   * How often the scheduler retries a failed delivery before dead-lettering it.
   * @default 3
   */
  readonly retryAttempts?: number;
}

export class Schedules extends Construct {
  public readonly group: scheduler.ScheduleGroup;
  /** Invocations the scheduler failed to deliver. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly schedules: ReadonlyMap<string, scheduler.Schedule>;
  /** The role EventBridge Scheduler assumes to invoke the targets. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const names = props.invocations.map((i) => i.name);
    const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
    if (duplicates.length > 0) throw new Error(`schedule names must be unique; repeated: ${[...new Set(duplicates)].join(', ')}`);

    // Named: deleted if its creation fails, so a failed first deploy can be retried (kept otherwise, as CDK does).
    this.group = new scheduler.ScheduleGroup(this, 'Group', { scheduleGroupName: props.groupName, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is the dead-letter queue of the EventBridge Scheduler targets (cdk-nag only recognises queue and Lambda redrive policies).',
      },
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason: 'This queue is the dead-letter queue of the schedules; messages are inspected and redriven by hand, never re-queued automatically.',
      },
    );
    // One role for every schedule, so its grants (and their acknowledgements) live in this construct.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: `Invokes the Steward jobs on schedule (${props.groupName})`,
    });

    const schedules = new Map<string, scheduler.Schedule>();
    for (const invocation of props.invocations) {
      const input = scheduler.ScheduleTargetInput.fromObject({
        ...invocation.input,
        scheduledTime: scheduler.ContextAttribute.scheduledTime,
        executionId: scheduler.ContextAttribute.executionId,
      });
      const common = { input, role: this.role, deadLetterQueue: this.deadLetterQueue, retryAttempts: props.retryAttempts ?? 3, maxEventAge: Duration.hours(1) };
      const target =
        'fn' in invocation.target
          ? new targets.LambdaInvoke(invocation.target.fn, common)
          : new targets.StepFunctionsStartExecution(invocation.target.stateMachine, common);
      schedules.set(
        invocation.name,
        new scheduler.Schedule(this, invocation.name, {
          scheduleGroup: this.group,
          description: invocation.description,
          schedule: scheduler.ScheduleExpression.expression(invocation.expression),
          target,
          ...(invocation.end ? { end: invocation.end } : {}),
        }),
      );
    }
    this.schedules = schedules;
    for (const fn of new Set(props.invocations.flatMap((i) => ('fn' in i.target ? [i.target.fn] : [])))) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(fn, ':*')}]`,
        reason: 'lambda:InvokeFunction on the function and its versions (grantInvoke); the scheduler invokes the unqualified function only, and no other function.',
      });
    }
  }
}
