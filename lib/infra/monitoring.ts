/**
 * Monitoring: alarms that page the lab (through one SNS topic) when an obligation is overdue, a job fails or
 * something lands in a dead-letter queue, and a dashboard of the jobs' counts and health.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS, metricDimensions } from '../config/deployed';
import type { JobFunction } from './job-function';
import { pascalCase } from './naming';

/** A run over this share of its Lambda time limit alarms. */
export const NEAR_TIME_LIMIT = 0.9;

export interface MonitoringProps {
  readonly projectId: string;
  /** Encrypts the alarm topic. */
  readonly topicKey: kms.IKey;
  readonly jobs: readonly JobFunction[];
  /** Dead-letter queues besides the jobs' own (e.g. the scheduler's), by a short name. */
  readonly deadLetterQueues?: Readonly<Record<string, sqs.IQueue>>;
  /** State machines whose failed executions alarm, by a short name. */
  readonly stateMachines?: Readonly<Record<string, sfn.IStateMachine>>;
  /**
   * Alarm when the compliance check reports an overdue obligation, or does not report for a day. Enable it
   * only where a job publishes `METRICS.overdueObligations` daily.
   * @default false
   */
  readonly overdueObligationsAlarm?: boolean;
}

export class Monitoring extends Construct {
  /** Subscribe the lab's on-call address or chat integration here. */
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Steward ${props.projectId} alarms`,
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm notifications into the encrypted topic.
    props.topicKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    const notify = new actions.SnsAction(this.topic);
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric, treatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING, threshold = 1) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
      return created;
    };

    const dimensionsMap = metricDimensions(props.projectId);
    const overdue = new cloudwatch.Metric({
      namespace: METRICS.namespace,
      metricName: METRICS.overdueObligations,
      dimensionsMap,
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.days(1),
    });
    if (props.overdueObligationsAlarm) {
      // Missing data breaches too: a compliance check that did not report is itself a compliance problem.
      alarm('OverdueObligations', 'Obligations past their platform deadline (or the daily compliance check did not report)', overdue, cloudwatch.TreatMissingData.BREACHING);
    }

    // The purge fuse held records instead of purging them (an outage answering empty, a wrong key, an API bug, or
    // a real mass deletion): the PI decides with `steward purge holds | release | dismiss` within the purge window.
    const purgeHeld = new cloudwatch.Metric({ namespace: METRICS.namespace, metricName: METRICS.purgeHeld, dimensionsMap, statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) });
    alarm('PurgeHeld', 'The purge fuse held records instead of purging them: run `steward purge holds`, then release or dismiss each hold', purgeHeld);

    const queues: [string, sqs.IQueue][] = [...props.jobs.map((j) => [j.job, j.deadLetterQueue] as [string, sqs.IQueue]), ...Object.entries(props.deadLetterQueues ?? {})];
    for (const job of props.jobs) {
      alarm(`${pascalCase(job.job)}Errors`, `Steward job ${job.job} failed`, job.fn.metricErrors({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }));
    }
    for (const [name, queue] of queues) {
      alarm(
        `${pascalCase(name)}DeadLetters`,
        `Invocations of ${name} were dead-lettered: inspect and redrive the queue`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      );
    }
    for (const job of props.jobs) {
      // Throttled: the account's concurrent executions are used up (a new account has 10 in all).
      alarm(`${pascalCase(job.job)}Throttles`, `Invocations of Steward job ${job.job} were throttled: raise the account's Lambda concurrency quota or lower deployment.refreshConcurrency`, job.fn.metricThrottles({ period: Duration.minutes(15), statistic: cloudwatch.Stats.SUM }));
      // Near the time limit: the next larger run would be cut off.
      const timeout = job.fn.timeout ?? Duration.seconds(3);
      alarm(
        `${pascalCase(job.job)}NearTimeLimit`,
        `A run of Steward job ${job.job} took over ${Math.round(NEAR_TIME_LIMIT * 100)}% of its ${timeout.toHumanString()} limit`,
        job.fn.metricDuration({ period: Duration.hours(1), statistic: cloudwatch.Stats.MAXIMUM }),
        cloudwatch.TreatMissingData.NOT_BREACHING,
        Math.floor(timeout.toMilliseconds() * NEAR_TIME_LIMIT),
      );
    }
    for (const [name, machine] of Object.entries(props.stateMachines ?? {})) {
      alarm(`${pascalCase(name)}Failed`, `A ${name} execution failed`, machine.metricFailed({ period: Duration.hours(1) }));
      alarm(`${pascalCase(name)}TimedOut`, `A ${name} execution ran past its time limit: the rest waits for the next one`, machine.metricTimedOut({ period: Duration.hours(1) }));
      alarm(`${pascalCase(name)}Aborted`, `A ${name} execution was aborted`, machine.metricAborted({ period: Duration.hours(1) }));
    }
    // Refresh workers stopped by the daily API quota with due records left: compliance work did not fit the quota.
    alarm(
      'RefreshQuotaExhausted',
      'The daily API quota ran out before every due record was refreshed: see `steward quota plan` (collect less, or ask TikTok for more quota)',
      new cloudwatch.Metric({ namespace: METRICS.namespace, metricName: METRICS.refreshQuotaStops, dimensionsMap, statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }),
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `steward-${props.projectId}`, defaultInterval: Duration.days(7) });
    const counts = (names: readonly string[]) =>
      names.map((metricName) => new cloudwatch.Metric({ namespace: METRICS.namespace, metricName, dimensionsMap, statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }));
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
      new cloudwatch.GraphWidget({ title: 'Overdue obligations', left: [overdue], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Collected records per hour', left: counts(METRICS.collect), width: 16 }),
      new cloudwatch.GraphWidget({ title: 'Refreshed records per hour', left: counts(METRICS.refresh), width: 16 }),
      new cloudwatch.GraphWidget({ title: 'Purged records per hour', left: counts(METRICS.purge), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Job errors', left: props.jobs.map((j) => j.fn.metricErrors({ label: j.job, period: Duration.hours(1) })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Job duration (p95)', left: props.jobs.map((j) => j.fn.metricDuration({ label: j.job, statistic: 'p95' })), width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Dead-lettered invocations',
        left: queues.map(([name, q]) => q.metricApproximateNumberOfMessagesVisible({ label: name, statistic: cloudwatch.Stats.MAXIMUM })),
        width: 8,
      }),
    );
  }
}
