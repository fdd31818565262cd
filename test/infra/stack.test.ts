/**
 * The Steward stack, construct by construct: job functions, secrets, schedules, monitoring, the access trail, the
 * refresh fan-out, outputs and seal anchors. One synthesized stack serves every assertion here (each synthesis costs
 * seconds); the data vault is in stack-vault.test.ts, least privilege, cdk-nag and Powertools have their own files.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { JOB_ENV, PLACEHOLDER_CLIENT_KEY, STACK_OUTPUTS } from '../../lib/config/deployed';
import { JOB_NAMES } from '../../lib/infra/jobs';
import { DUE_SHARDS } from '../../lib/store/tables';
import { exampleConfig, logicalId, synthStack } from './support';
import { DEFAULT_REFRESH_CONCURRENCY } from '../../lib/infra/refresh-fanout';

/** The example config, with one spec on a cron schedule. */
const config = exampleConfig((doc) => {
  doc.specs[0].schedule = 'cron(0 3 * * ? *)';
});
const { stack, template, json } = synthStack(config);

const evidenceKeyId = logicalId(stack, stack.vault.evidenceKey);

const functions = [...stack.jobs.functions.values()];

describe('Jobs: one function per job', () => {
  it('deploys every job whose handler exists', () => {
    expect([...stack.jobs.functions.keys()]).toEqual(JOB_NAMES);
    template.resourceCountIs('AWS::Lambda::Function', JOB_NAMES.length);
  });

  it.each(functions.map((f) => [f.job, f] as const))('%s: latest Node.js runtime, ARM64, explicit memory and timeout, active tracing', (_job, f) => {
    const props = json.Resources[logicalId(stack, f.fn)]!.Properties;
    expect(props.Runtime).toBe('nodejs24.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.MemorySize).toBeGreaterThanOrEqual(1024);
    expect(props.Timeout).toBeGreaterThanOrEqual(60);
    expect(props.Timeout).toBeLessThanOrEqual(900);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.Handler).toBe('index.handler');
  });

  it.each(functions.map((f) => [f.job, f] as const))('%s: a dead-letter queue of its own, encrypted and TLS-only', (_job, f) => {
    const props = json.Resources[logicalId(stack, f.fn)]!.Properties;
    const queueId = logicalId(stack, f.deadLetterQueue);
    expect(props.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    expect(json.Resources[queueId]!.Properties.SqsManagedSseEnabled).toBe(true);
    expect(json.Resources[queueId]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it.each(functions.map((f) => [f.job, f] as const))('%s: JSON logs in its own log group with a retention', (_job, f) => {
    const props = json.Resources[logicalId(stack, f.fn)]!.Properties;
    expect(props.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: logicalId(stack, f.logGroup) } });
    expect(json.Resources[logicalId(stack, f.logGroup)]!.Properties.RetentionInDays).toBe(90);
  });

  it.each(functions.map((f) => [f.job, f] as const))('%s: the environment names the vault, the key and the hash-key secret', (job, f) => {
    const variables = json.Resources[logicalId(stack, f.fn)]!.Properties.Environment.Variables;
    expect(variables).toMatchObject({
      [JOB_ENV.job]: job,
      [JOB_ENV.bucket]: { Ref: logicalId(stack, stack.vault.bucket) },
      [JOB_ENV.ledgerTable]: { Ref: logicalId(stack, stack.vault.ledgerTable) },
      [JOB_ENV.auditTable]: { Ref: logicalId(stack, stack.vault.auditTable) },
      [JOB_ENV.contentKeyArn]: { 'Fn::GetAtt': [logicalId(stack, stack.vault.contentKey), 'Arn'] },
      [JOB_ENV.hashKeySecretArn]: { Ref: logicalId(stack, stack.secrets.hashKey) },
      POWERTOOLS_SERVICE_NAME: 'steward',
      POWERTOOLS_METRICS_NAMESPACE: 'Steward',
    });
    // The config is inlined into the bundle, never put in the (4 KB, console-visible) environment.
    expect(JSON.stringify(variables)).not.toMatch(/climate-videos/);
    // Deployed purges always require versioning (the fallback is for local S3 only).
    expect(variables[JOB_ENV.s3Versioning]).toBeUndefined();
  });

  it('runs expiry daily', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 4 * * ? *)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('expire').fn), 'Arn'] } }),
    });
  });

  it('tells the collector which function deletes its orphaned objects', () => {
    const variables = json.Resources[logicalId(stack, stack.jobs.get('collect').fn)]!.Properties.Environment.Variables;
    expect(variables.STEWARD_FUNCTION_PURGE).toEqual({ Ref: logicalId(stack, stack.jobs.get('purge').fn) });
  });

  it('gives the collector the secret of each source, by source name', () => {
    const variables = json.Resources[logicalId(stack, stack.jobs.get('collect').fn)]!.Properties.Environment.Variables;
    const resolved = JSON.stringify(variables[JOB_ENV.sourceSecretArns]);
    for (const [source, secret] of stack.secrets.sourceSecrets) {
      expect(resolved).toContain(`\\"${source}\\":\\"`);
      expect(resolved).toContain(logicalId(stack, secret));
    }
  });
});

describe('ProjectSecrets', () => {
  it('creates one secret per source under the name the config gives, with a placeholder client key, encrypted with the audit key', () => {
    const config = exampleConfig();
    for (const [source, settings] of Object.entries(config.sources)) {
      const secret = json.Resources[logicalId(stack, stack.secrets.sourceSecrets.get(source)!)] as { Properties: any; DeletionPolicy?: string };
      expect(secret.Properties.Name).toBe('secretName' in settings.credentials ? settings.credentials.secretName : undefined);
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.vault.evidenceKey), 'Arn'] });
      expect(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({ clientKey: PLACEHOLDER_CLIENT_KEY });
      expect(secret.DeletionPolicy).toBe('RetainExceptOnCreate');
    }
  });

  it('creates the project HMAC key, retained and never rotated', () => {
    const secret = json.Resources[logicalId(stack, stack.secrets.hashKey)] as { Properties: any; DeletionPolicy?: string };
    expect(secret.Properties.Name).toBe('steward/climate-talk/hash-key');
    expect(secret.Properties.GenerateSecretString.PasswordLength).toBe(64);
    expect(secret.DeletionPolicy).toBe('RetainExceptOnCreate');
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
  });
});

const schedules = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');

describe('Schedules: collection', () => {
  it('creates one schedule per collection spec, with the spec expression, in the project group', () => {
    const collect = schedules.filter((s) => JSON.parse(s.Properties.Target.Input).spec !== undefined);
    expect(collect.map((s) => JSON.parse(s.Properties.Target.Input).spec).sort()).toEqual(config.specs.map((s) => s.name).sort());
    for (const spec of config.specs) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: spec.schedule,
        GroupName: 'steward-climate-talk',
        ScheduleExpressionTimezone: 'Etc/UTC',
        State: 'ENABLED',
        EndDate: '2027-06-30T23:59:59.999Z',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('collect').fn), 'Arn'] },
          Input: Match.serializedJson({ spec: spec.name, scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>' }),
        }),
      });
    }
  });

  it('retries a failed delivery 3 times within an hour, then dead-letters it', () => {
    for (const schedule of schedules) {
      expect(schedule.Properties.Target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 });
      expect(schedule.Properties.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.schedules.deadLetterQueue), 'Arn'] } });
      expect(schedule.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    }
  });

  it('invokes through one role that the scheduler of this account alone can assume', () => {
    const roleId = logicalId(stack, stack.schedules.role);
    for (const schedule of schedules) expect(schedule.Properties.Target.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(json.Resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
    ]);
  });
});

const topicId = logicalId(stack, stack.monitoring.topic);
const alarms = Object.values(json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');

describe('Monitoring', () => {
  it('encrypts the alarm topic with the audit key and refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack, stack.vault.evidenceKey), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets CloudWatch use the audit key to publish into the encrypted topic', () => {
    const key = json.Resources[logicalId(stack, stack.vault.evidenceKey)]!.Properties.KeyPolicy.Statement as any[];
    expect(key).toEqual(
      expect.arrayContaining([expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]),
    );
  });

  it('alarms when the daily compliance check reports an overdue obligation, or does not report at all', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Steward',
      MetricName: 'OverdueObligations',
      Dimensions: Match.arrayWith([{ Name: 'project', Value: 'climate-talk' }, { Name: 'service', Value: 'steward' }]),
      Statistic: 'Maximum',
      Period: 86400,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topicId }],
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 5 * * ? *)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('verify').fn), 'Arn'] } }),
    });
  });

  it('alarms (PurgeHeld) as soon as a refresh worker reports records held by the purge fuse', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Steward',
      MetricName: 'PurgeHeld',
      Dimensions: Match.arrayWith([{ Name: 'project', Value: 'climate-talk' }, { Name: 'service', Value: 'steward' }]),
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it('alarms on errors of every job', () => {
    for (const f of stack.jobs.functions.values()) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, f.fn) } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    }
  });

  it('alarms on the depth of every dead-letter queue (jobs and scheduler)', () => {
    const queues = [...[...stack.jobs.functions.values()].map((f) => f.deadLetterQueue), stack.schedules.deadLetterQueue];
    for (const queue of queues) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, queue), 'QueueName'] } }],
        Threshold: 1,
        AlarmActions: [{ Ref: topicId }],
      });
    }
  });

  it('sends every alarm to the topic', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('has a dashboard with the alarms, the collected counts and the job health', () => {
    const body = JSON.stringify(json.Resources[logicalId(stack, stack.monitoring.dashboard)]!.Properties.DashboardBody);
    for (const text of ['Alarms', 'Overdue obligations', 'NewRecords', 'Job errors', 'Dead-lettered invocations']) expect(body).toContain(text);
  });
});

describe('LabAccess: access trail', () => {
  it('records every read of a record object or an export (pulls), and nothing else, into the log bucket', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsLogging: true,
      IsMultiRegionTrail: false,
      IncludeGlobalServiceEvents: false,
      EnableLogFileValidation: true,
      S3BucketName: { Ref: logicalId(stack, stack.vault.logBucket) },
      S3KeyPrefix: 'cloudtrail',
      EventSelectors: [
        {
          DataResources: [
            {
              Type: 'AWS::S3::Object',
              Values: [
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, stack.vault.bucket), 'Arn'] }, '/records/']] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, stack.vault.bucket), 'Arn'] }, '/exports/']] },
              ],
            },
          ],
          IncludeManagementEvents: false,
          ReadWriteType: 'ReadOnly',
        },
      ],
    });
  });

  it('lets CloudTrail write its log under its prefix only', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack, stack.vault.logBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'cloudtrail.amazonaws.com' } })]),
      },
    });
  });
});

describe('RefreshFanOut', () => {
  const machineId = logicalId(stack, stack.refresh!.stateMachine);
  const machine = () => json.Resources[machineId]!.Properties;
  const definition = () => {
    const body = machine().DefinitionString;
    // Fn::Join of strings and the worker ARN: render the ARN as a marker to parse the JSON.
    const text = (body['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : 'WORKER_ARN')).join('');
    return JSON.parse(text) as { StartAt: string; States: Record<string, any>; TimeoutSeconds: number };
  };

  it('maps over every due-index shard, one worker each, a few at once (deployment.refreshConcurrency)', () => {
    const states = definition().States;
    expect(states.Shards.Parameters).toEqual({ 'shards.$': `States.ArrayRange(0, ${DUE_SHARDS - 1}, 1)` });
    expect(states.EachShard).toMatchObject({ Type: 'Map', ItemsPath: '$.shards', MaxConcurrency: DEFAULT_REFRESH_CONCURRENCY, ItemSelector: { 'shard.$': '$$.Map.Item.Value', round: 0 } });
  });

  it('invokes the refresh worker with the shard and hands the rest of a shard to a fresh worker until it is done', () => {
    const inner = definition().States.EachShard.ItemProcessor.States;
    expect(inner.RefreshShard).toMatchObject({ Type: 'Task', Parameters: { FunctionName: 'WORKER_ARN', Payload: { 'shard.$': '$.shard', 'round.$': '$.round' } }, Next: 'ShardDone' });
    expect(inner.ShardDone.Choices).toEqual([
      { Variable: '$.result.done', BooleanEquals: true, Next: 'ShardSwept' },
      { Variable: '$.round', NumericGreaterThanEquals: 8, Next: 'TooManyHandOffs' },
    ]);
    expect(inner.ShardDone.Default).toBe('HandOff');
    expect(inner.HandOff).toMatchObject({ Parameters: { 'shard.$': '$.shard', 'round.$': 'States.MathAdd($.round, 1)' }, Next: 'RefreshShard' });
    expect(JSON.stringify(machine().DefinitionString)).toContain(logicalId(stack, stack.jobs.get('refresh-shard').fn));
  });

  it('ends before the next hourly sweep, traces, and logs every state', () => {
    expect(definition().TimeoutSeconds).toBe(55 * 60);
    expect(machine().TracingConfiguration).toEqual({ Enabled: true });
    expect(machine().LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(machine().StateMachineType).toBe('STANDARD');
  });

  it('is started hourly by the scheduler, and its failed executions alarm', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Arn: { Ref: machineId } }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
    });
  });

  it('runs the purge of pending purges hourly', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('purge').fn), 'Arn'] } }),
    });
  });
});

describe('Outputs', () => {
  it('gives the CLI everything it needs to run against the deployed stack', () => {
    const outputs = json.Outputs ?? {};
    for (const name of Object.values(STACK_OUTPUTS)) expect(Object.keys(outputs)).toContain(name);
    expect(outputs[STACK_OUTPUTS.bucket].Value).toEqual({ Ref: logicalId(stack, stack.vault.bucket) });
    expect(outputs[STACK_OUTPUTS.region].Value).toEqual({ Ref: 'AWS::Region' });
    expect(JSON.stringify(outputs[STACK_OUTPUTS.functionNames].Value)).toContain(logicalId(stack, stack.jobs.get('collect').fn));
  });
});

describe('SealAnchors: signing key and write-once anchors', () => {
  const anchorBucketId = logicalId(stack, stack.seals.bucket);
  const signingKeyId = logicalId(stack, stack.seals.signingKey);

  it('signs with an asymmetric P-256 KMS key (SIGN_VERIFY), kept when the stack goes', () => {
    const key = json.Resources[signingKeyId] as { Properties: Record<string, unknown>; DeletionPolicy?: string };
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(key.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('keeps anchors versioned, locked, encrypted with the evidence key, private, logged and retained', () => {
    const bucket = json.Resources[anchorBucketId] as { Properties: Record<string, any>; DeletionPolicy?: string };
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual({ 'Fn::GetAtt': [evidenceKeyId, 'Arn'] });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LoggingConfiguration).toMatchObject({ LogFilePrefix: 's3-access/seal-anchors/' });
    expect(bucket.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('refuses any put that is not locked in compliance mode', () => {
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === anchorBucketId)!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Sid: 'RequireComplianceLock', Effect: 'Deny', Action: 's3:PutObject', Condition: { StringNotEquals: { 's3:object-lock-mode': 'COMPLIANCE' } } }),
      ]),
    );
  });

  it('tells the writers and the checker where: the signing key and the bucket in their environment', () => {
    const env = (job: string) => json.Resources[logicalId(stack, stack.jobs.get(job as never).fn)]!.Properties.Environment.Variables;
    expect(env('collect')).toMatchObject({ STEWARD_SIGNING_KEY_ARN: { 'Fn::GetAtt': [signingKeyId, 'Arn'] }, STEWARD_ANCHOR_BUCKET: { Ref: anchorBucketId } });
    expect(env('verify')).toMatchObject({ STEWARD_ANCHOR_BUCKET: { Ref: anchorBucketId } });
    expect(env('certify')).toMatchObject({ STEWARD_SIGNING_KEY_ARN: { 'Fn::GetAtt': [signingKeyId, 'Arn'] } });
    expect(env('certify').STEWARD_ANCHOR_BUCKET).toBeUndefined();
    expect(env('audit-query').STEWARD_SIGNING_KEY_ARN).toBeUndefined();
  });
});
