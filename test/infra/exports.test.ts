/**
 * Exports in the stack: the export function, the jobs that purge told which function rebuilds exports, a
 * standing export per spec that asks for one (config `specs[].export`), scheduled until the project ends, and the
 * query engine over the exports (Glue tables with partition projection, the Athena workgroup, its results bucket).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { QUERY_VIEWS, glueTypeOf, queryView } from '../../lib/domain/query-views';
import { exampleConfig, logicalId, synthStack } from './support';

const config = exampleConfig((doc) => {
  doc.specs[0].export = { schedule: 'cron(0 6 ? * MON *)', format: 'parquet' };
});
const { stack, template, json } = synthStack(config);

describe('exports in the stack', () => {
  it('schedules a standing export of the spec that asks for one, and no other', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalId(stack, stack.jobs.get('export').fn), 'Arn'] },
        Input: Match.serializedJson(Match.objectLike({ action: 'create', spec: config.specs[0]!.name, format: 'parquet' })),
      }),
    });
    const exportSchedules = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::Scheduler::Schedule' && JSON.stringify(r.Properties.Target.Arn).includes(logicalId(stack, stack.jobs.get('export').fn)),
    );
    expect(exportSchedules).toHaveLength(1);
  });

  it('tells each job that purges which function rebuilds exports', () => {
    for (const job of ['purge', 'refresh-shard', 'expire', 'erase'] as const) {
      const variables = json.Resources[logicalId(stack, stack.jobs.get(job).fn)]!.Properties.Environment.Variables;
      expect([job, variables.STEWARD_FUNCTION_EXPORT]).toEqual([job, { Ref: logicalId(stack, stack.jobs.get('export').fn) }]);
    }
  });
});

describe('query engine: Athena over the current Parquet exports', () => {
  const engine = stack.queryEngine!;
  const resultsId = logicalId(stack, engine.resultsBucket);
  const contentKeyArn = { 'Fn::GetAtt': [logicalId(stack, stack.vault.contentKey), 'Arn'] };
  const resource = (construct: { node: { defaultChild?: unknown } }) => json.Resources[logicalId(stack, construct)]!;
  const tableInput = (name: string) => resource({ node: { defaultChild: engine.tables.get(name) } }).Properties.TableInput;

  it('runs queries in a workgroup that enforces its own result location, encrypted with the content key, and publishes metrics', () => {
    const workGroup = json.Resources[stack.resolve(engine.workGroup.logicalId) as string]!.Properties;
    expect(workGroup.WorkGroupConfiguration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      ResultConfiguration: {
        OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: resultsId }, '/results/']] },
        EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: contentKeyArn },
      },
    });
  });

  it('keeps results in their own bucket for one day: SSE-KMS with the content key, unversioned, TLS only, private, access-logged', () => {
    const bucket = json.Resources[resultsId]!.Properties;
    expect(bucket.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 1, Status: 'Enabled' })]);
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: contentKeyArn });
    expect(bucket.VersioningConfiguration).toBeUndefined();
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logicalId(stack, stack.vault.logBucket) }, LogFilePrefix: 's3-access/query-results/' });
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket.Ref === resultsId)!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    );
  });

  it('has one table per kind view over its Parquet exports, partitioned by spec with projection (no crawler), columns as the views define them', () => {
    expect(Object.values(json.Resources).filter((r) => r.Type === 'AWS::Glue::Crawler')).toEqual([]);
    for (const view of QUERY_VIEWS.filter((v) => v.source.from === 'exports')) {
      const kind = (view.source as { kind: string }).kind;
      const input = tableInput(view.name);
      const location = { 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack, stack.vault.bucket) }, `/exports/data/kind=${kind}/format=parquet/`]] };
      expect([view.name, input.StorageDescriptor.Location]).toEqual([view.name, location]);
      expect(input.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.spec.type': 'enum', classification: 'parquet' });
      expect(input.Parameters['storage.location.template']).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack, stack.vault.bucket) }, `/exports/data/kind=${kind}/format=parquet/spec=\${spec}/`]] });
      expect(input.PartitionKeys.map((p: { Name: string }) => p.Name)).toEqual(['spec']);
      expect(input.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type])).toEqual(view.columns.map((c) => [c.name, glueTypeOf(c.type)]));
    }
    expect(tableInput('videos').Parameters['projection.spec.values']).toBe(config.specs.filter((s) => s.kind === 'video').map((s) => s.name).join(','));
  });

  it('serves records as a view over the provenance columns of every kind; purges has no Parquet source deployed', () => {
    const source = tableInput('export_provenance');
    expect(source.Parameters).toMatchObject({ 'projection.kind.type': 'enum', 'projection.kind.values': 'video,comment,user,ad' });
    expect(source.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name)).toEqual(queryView('records').columns.filter((c) => c.from).map((c) => c.from));
    const records = tableInput('records');
    expect(records.TableType).toBe('VIRTUAL_VIEW');
    const definition = JSON.parse(Buffer.from(/Presto View: (\S+) \*\//.exec(records.ViewOriginalText)![1]!, 'base64').toString('utf8'));
    expect(definition.originalSql).toBe(
      `SELECT "kind", "steward_record_key" AS "record_key", "steward_spec" AS "spec", "steward_collected_at" AS "collected_at", "steward_refreshed_at" AS "refreshed_at", "steward_content_sha256" AS "content_sha256", "steward_policy" AS "policy", "steward_policy_version" AS "policy_version", "steward_run_id" AS "run_id" FROM "${engine.databaseName}"."export_provenance"`,
    );
    expect(definition.columns.map((c: { name: string }) => c.name)).toEqual(queryView('records').columns.map((c) => c.name));
    expect(engine.tables.has('purges')).toBe(false);
  });

  it('tells the query function its workgroup and database, and the CLI the workgroup and results bucket', () => {
    const variables = resource(stack.jobs.get('query').fn).Properties.Environment.Variables;
    expect(variables).toMatchObject({ STEWARD_QUERY_WORKGROUP: 'steward-climate-talk', STEWARD_QUERY_DATABASE: 'steward_climate_talk' });
    expect(Object.keys(json.Outputs!)).toEqual(expect.arrayContaining(['QueryWorkGroup', 'QueryDatabase', 'QueryResultsBucketName']));
  });
});
