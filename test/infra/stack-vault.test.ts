/**
 * The Steward stack's data vault, construct by construct: keys, the data and log buckets, the tables (from
 * lib/store/tables.ts), and the configurations the stack refuses because they would keep data that must be deleted.
 * The rest of the stack is in stack.test.ts; least privilege, cdk-nag and Powertools have their own files.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { StackConfigurationError } from '../../lib/infra/steward-stack';
import { AUDIT_TABLE, LEDGER_TABLE, attributeDefinitions, type TableDefinition } from '../../lib/store/tables';
import { exampleConfig, logicalId, synthStack } from './support';

/** The example config, with one spec on a cron schedule. */
const config = exampleConfig((doc) => {
  doc.specs[0].schedule = 'cron(0 3 * * ? *)';
});
const { stack, template, json } = synthStack(config);

const dataBucketId = logicalId(stack, stack.vault.bucket);
const logBucketId = logicalId(stack, stack.vault.logBucket);
const contentKeyId = logicalId(stack, stack.vault.contentKey);
const evidenceKeyId = logicalId(stack, stack.vault.evidenceKey);

describe('DataVault: keys', () => {
  it('creates two customer-managed keys with rotation, retained on stack deletion (and the signing key, asserted apart)', () => {
    template.resourceCountIs('AWS::KMS::Key', 3);
    for (const id of [contentKeyId, evidenceKeyId]) {
      expect(json.Resources[id]!.Properties.EnableKeyRotation).toBe(true);
      expect((json.Resources[id] as { DeletionPolicy?: string }).DeletionPolicy).toBe('RetainExceptOnCreate');
    }
  });
});

describe('DataVault: data bucket', () => {
  const bucket = () => json.Resources[dataBucketId]!.Properties;

  it('encrypts with the content key (SSE-KMS) and bucket keys', () => {
    expect(bucket().BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [contentKeyId, 'Arn'] } } },
    ]);
  });

  it('keeps versions, and expires noncurrent ones after 1 day as a purge backstop', () => {
    expect(bucket().VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket().LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } })]),
    );
  });

  it('has no Object Lock', () => {
    expect(bucket().ObjectLockEnabled).not.toBe(true);
    expect(bucket().ObjectLockConfiguration).toBeUndefined();
  });

  it('the seal anchor bucket is the only bucket with Object Lock', () => {
    const locked = Object.entries(json.Resources)
      .filter(([, r]) => r.Type === 'AWS::S3::Bucket' && r.Properties?.ObjectLockEnabled === true)
      .map(([id]) => id);
    expect(locked).toEqual([logicalId(stack, stack.seals.bucket)]);
  });

  it('blocks all public access on both buckets', () => {
    for (const id of [dataBucketId, logBucketId]) {
      expect(json.Resources[id]!.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('refuses requests without TLS on both buckets', () => {
    for (const id of [dataBucketId, logBucketId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } }),
          ]),
        },
      });
    }
  });

  it('refuses object PUTs encrypted with anything but the content key', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: dataBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:PutObject', Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } } }),
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:PutObject',
            Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': { 'Fn::GetAtt': [contentKeyId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('writes server access logs to the log bucket, which delivers by bucket policy (no ACLs)', () => {
    expect(bucket().LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: 's3-access/data/' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'logging.s3.amazonaws.com' } })]),
      },
    });
    expect(json.Resources[logBucketId]!.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });
});

describe('DataVault: tables', () => {
  const tables = [
    { definition: LEDGER_TABLE, table: stack.vault.ledgerTable, key: evidenceKeyId, name: 'steward-climate-talk-ledger' },
    { definition: AUDIT_TABLE, table: stack.vault.auditTable, key: evidenceKeyId, name: 'steward-climate-talk-audit' },
  ];

  const expectedIndexes = (definition: TableDefinition) =>
    definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
      ],
      Projection:
        index.projection.type === 'INCLUDE'
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.nonKeyAttributes] }
          : { ProjectionType: index.projection.type },
    }));

  it.each(tables)('$name: keys, attributes and GSIs equal the shared definition', ({ definition, table, name }) => {
    const props = json.Resources[logicalId(stack, table)]!.Properties;
    expect(props.TableName).toBe(name);
    expect(props.KeySchema).toEqual([
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(props.GlobalSecondaryIndexes).toEqual(expectedIndexes(definition));
    expect(new Set(props.AttributeDefinitions.map((a: { AttributeName: string; AttributeType: string }) => `${a.AttributeName}:${a.AttributeType}`))).toEqual(
      new Set(attributeDefinitions(definition).map((a) => `${a.name}:${a.type}`)),
    );
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it.each(tables)('$name: TTL as defined', ({ definition, table }) => {
    const props = json.Resources[logicalId(stack, table)]!.Properties;
    if (definition.timeToLiveAttribute) expect(props.TimeToLiveSpecification).toEqual({ AttributeName: definition.timeToLiveAttribute, Enabled: true });
    else expect(props.TimeToLiveSpecification).toBeUndefined();
  });

  it.each(tables)('$name: encrypted with its customer-managed key, PITR, deletion protection, retained', ({ table, key }) => {
    const resource = json.Resources[logicalId(stack, table)] as { Properties: any; DeletionPolicy?: string };
    expect(resource.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    expect(resource.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 });
    expect(resource.Properties.DeletionProtectionEnabled).toBe(true);
    expect(resource.DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('keeps no AWS Backup plan or vault for content', () => {
    template.resourceCountIs('AWS::Backup::BackupPlan', 0);
    template.resourceCountIs('AWS::Backup::BackupVault', 0);
  });
});

describe('StewardStack: refuses what would keep data that must be deleted', () => {
  // The schema refuses these already; the stack refuses too when someone bypasses it.
  const bypass = (storage: Record<string, unknown>) => ({ ...exampleConfig(), storage } as never);

  it('refuses Object Lock, naming the field and the fix', () => {
    expect(() => synthStack(bypass({ objectLock: true, backupRetentionDays: 0 }))).toThrow(StackConfigurationError);
    expect(() => synthStack(bypass({ objectLock: true, backupRetentionDays: 0 }))).toThrow(/storage\.objectLock: Object Lock must stay off.*"objectLock": false/);
  });

  it('refuses backup retention, naming the field and the fix', () => {
    expect(() => synthStack(bypass({ objectLock: false, backupRetentionDays: 7 }))).toThrow(/storage\.backupRetentionDays: backups of content must stay off \(got 7\)/);
  });

  it('lists every problem at once', () => {
    let message = '';
    try {
      synthStack(bypass({ objectLock: true, backupRetentionDays: 30 }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/objectLock/);
    expect(message).toMatch(/backupRetentionDays/);
  });

  it('refuses sources whose credentials come from environment variables', () => {
    const config = exampleConfig((doc) => {
      doc.sources.research.credentials = { clientKeyEnv: 'TIKTOK_KEY', clientSecretEnv: 'TIKTOK_SECRET' };
    });
    expect(() => synthStack(config)).toThrow(/sources\.research\.credentials: a deployed stack reads TikTok credentials from Secrets Manager/);
  });
});
