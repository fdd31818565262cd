/**
 * One Steward job as a Lambda function, with the defaults every job shares in one place: runtime, ARM64, active
 * tracing (Powertools Tracer, from the Powertools layer), a JSON log group with retention, a dead-letter queue, and the
 * bundle (minified, with the validated project config inlined at bundle time so it is not limited by the 4 KB Lambda
 * environment).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as path from 'node:path';

import { POWERTOOLS_EXTERNALS, powertoolsLayer } from './powertools-layer';

/** Where the handlers live (`lambdas/<job>.ts`). */
export const LAMBDAS_DIR = path.join(__dirname, '..', '..', 'lambdas');
/** The runtime every job runs on (cdk-nag L1: the latest Node.js runtime CDK knows). */
export const JOB_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * esbuild options shared by the stack and `bench/lambda-bundles.ts`, so the benchmark measures what is deployed.
 * The AWS SDK is bundled (not taken from the runtime) so the deployed code runs the versions the tests ran; Powertools
 * (logger, metrics, tracer) comes from its public layer at the installed release (./powertools-layer.ts).
 */
export const BUNDLE_OPTIONS = {
  minify: true,
  // Error and class names survive minification: logs, job answers and refresh failure reasons name them.
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  externalModules: [...POWERTOOLS_EXTERNALS],
} as const;

/** The name esbuild replaces with the project config (JSON text) in every bundle. */
export const CONFIG_DEFINE = 'process.env.STEWARD_PROJECT_CONFIG';

export interface JobFunctionProps {
  /** Job name, kebab-case: the handler is `lambdas/<job>.ts`, the metric dimension `job=<job>`. */
  readonly job: string;
  /** What the job does, for the console. */
  readonly description: string;
  /** The validated project config as JSON text, inlined into the bundle. */
  readonly configJson: string;
  /** Variables the handler reads at cold start. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default 1024 (CPU scales with memory; JSON hashing and TLS are CPU-bound) */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.THREE_MONTHS (logs carry counts only, never content) */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Caps concurrent runs, e.g. 1 for jobs that must never overlap.
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;
  /** @default path.join(LAMBDAS_DIR, `${job}.ts`) */
  readonly entry?: string;
}

export class JobFunction extends Construct {
  public readonly fn: NodejsFunction;
  /** Receives asynchronous invocations (schedules) that failed all retries. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly logGroup: logs.LogGroup;
  /** The function's own role: no managed policies, only what the job is granted. */
  public readonly role: iam.Role;
  public readonly job: string;

  constructor(scope: Construct, id: string, props: JobFunctionProps) {
    super(scope, id);
    this.job = props.job;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason: 'This queue is the dead-letter queue of the function; messages are inspected and redriven by hand, never re-queued automatically.',
    });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Steward job ${props.job}`,
    });
    // Instead of AWSLambdaBasicExecutionRole (any log group): this function's log group only.
    this.logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, 'Function', {
      role: this.role,
      entry: props.entry ?? path.join(LAMBDAS_DIR, `${props.job}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: JOB_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(5),
      tracing: lambda.Tracing.ACTIVE,
      layers: [powertoolsLayer(this)],
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      deadLetterQueue: this.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...props.environment,
        STEWARD_JOB: props.job,
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // Traces hold timings and AWS calls, never a job's answer or an error's text (they may name records).
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
      },
      bundling: {
        ...BUNDLE_OPTIONS,
        mainFields: [...BUNDLE_OPTIONS.mainFields],
        externalModules: [...BUNDLE_OPTIONS.externalModules],
        define: { [CONFIG_DEFINE]: JSON.stringify(props.configJson) },
      },
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; every other statement of this role names its resources (asserted in test/infra).',
    });
  }
}
