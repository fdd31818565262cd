/**
 * Data vault: where collected records live and where their history is kept, encrypted with customer-managed keys.
 *
 * Two keys, on purpose. The content key encrypts the data bucket only: at project end, once everything is purged,
 * it can be scheduled for deletion as a final crypto-shredding guarantee (any copy that escaped a purge becomes
 * unreadable). The evidence key encrypts what must outlive the content: the ledger (its tombstones prove each
 * purge), the audit log and the project's secrets, so "what happened to record X" is still answerable afterwards.
 *
 * Content never gets Object Lock or backup retention: either would keep records the platform terms oblige us to
 * delete. Versioning stays on (the purge deletes every version explicitly) with noncurrent versions expiring after one
 * day as a backstop.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RECORDS_PREFIX } from '../domain/records';
import { AUDIT_TABLE, LEDGER_TABLE, attributeDefinitions, tableNames, type KeyAttribute, type TableDefinition } from '../store/tables';

export { RECORDS_PREFIX };
/** Prefixes inside the log bucket. */
export const LOG_PREFIXES = { dataAccess: 's3-access/data/', queryResultsAccess: 's3-access/query-results/', trail: 'cloudtrail' } as const;

export interface DataVaultProps {
  /** The project id (config `project.id`): names the tables `steward-<id>-ledger` / `-audit` and the key aliases. */
  readonly projectId: string;
  /**
   * Must stay false: Object Lock would block the deletions the platform terms require. The vault refuses true.
   * @default false
   */
  readonly objectLock?: boolean;
  /**
   * Must stay 0: a backup of content would keep records that must be deleted. The vault refuses any other value.
   * @default 0
   */
  readonly backupRetentionDays?: number;
  /**
   * Noncurrent object versions expire after this long: a backstop if a purge ever misses a version.
   * @default Duration.days(1)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long S3 server access logs of the data bucket are kept. They name object keys (platform ids), not content.
   * @default Duration.days(90)
   */
  readonly accessLogRetention?: Duration;
  /**
   * How long the CloudTrail data-event log (the per-researcher access trail) is kept.
   * @default Duration.days(400)
   */
  readonly accessTrailRetention?: Duration;
  /**
   * Point-in-time recovery window of both tables, in days (1-35).
   * @default 35
   */
  readonly pointInTimeRecoveryDays?: number;
}

/** Thrown when a vault is asked for a setting that would keep data Steward is obliged to delete. */
export class VaultConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the data vault refuses this configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'VaultConfigurationError';
  }
}

/** Every problem with the props at once, each with its fix (empty when valid). */
export function dataVaultProblems(props: DataVaultProps): string[] {
  const problems: string[] = [];
  if (props.objectLock) {
    problems.push('storage.objectLock: Object Lock must stay off, it would block the deletions the platform terms require; set "objectLock": false');
  }
  if (props.backupRetentionDays !== undefined && props.backupRetentionDays !== 0) {
    problems.push(
      `storage.backupRetentionDays: backups of content must stay off (got ${props.backupRetentionDays}), a backup would keep records that must be deleted; set "backupRetentionDays": 0`,
    );
  }
  const pitr = props.pointInTimeRecoveryDays ?? 35;
  if (!Number.isInteger(pitr) || pitr < 1 || pitr > 35) problems.push(`pointInTimeRecoveryDays must be an integer in 1..35 (got ${pitr})`);
  const noncurrent = props.noncurrentVersionExpiration?.toDays() ?? 1;
  if (noncurrent < 1 || noncurrent > 7) {
    problems.push(`noncurrentVersionExpiration must be 1 to 7 days (got ${noncurrent}); it is the backstop that removes versions a purge missed`);
  }
  return problems;
}

export class DataVault extends Construct {
  /** Encrypts content: the data bucket. Crypto-shredding target at project end. */
  public readonly contentKey: kms.Key;
  /** Encrypts what must outlive the content: the ledger, the audit log, the project's secrets, alarm notifications. */
  public readonly evidenceKey: kms.Key;
  /** One object per record, under `records/`. */
  public readonly bucket: s3.Bucket;
  /** S3 server access logs of the data bucket and the CloudTrail access trail. */
  public readonly logBucket: s3.Bucket;
  public readonly ledgerTable: dynamodb.Table;
  public readonly auditTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DataVaultProps) {
    super(scope, id);
    const problems = dataVaultProblems(props);
    if (problems.length > 0) throw new VaultConfigurationError(problems);

    this.contentKey = new kms.Key(this, 'ContentKey', {
      alias: `alias/steward/${props.projectId}/content`,
      description: `Steward ${props.projectId}: collected records in the data bucket; schedule deletion at project end to crypto-shred`,
      enableKeyRotation: true,
      // Deleting the key destroys the data; that is a deliberate act at project end, never a side effect of a stack update.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.evidenceKey = new kms.Key(this, 'EvidenceKey', {
      alias: `alias/steward/${props.projectId}/evidence`,
      description: `Steward ${props.projectId}: ledger, audit log, secrets and notifications (outlive the content)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      // Access-log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        { id: 'expire-access-logs', prefix: LOG_PREFIXES.dataAccess, expiration: props.accessLogRetention ?? Duration.days(90) },
        { id: 'expire-query-results-access-logs', prefix: LOG_PREFIXES.queryResultsAccess, expiration: props.accessLogRetention ?? Duration.days(90) },
        { id: 'expire-access-trail', prefix: `${LOG_PREFIXES.trail}/`, expiration: props.accessTrailRetention ?? Duration.days(400) },
      ],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.bucket = new s3.Bucket(this, 'DataBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.contentKey,
      bucketKeyEnabled: true,
      versioned: true,
      objectLockEnabled: false,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: LOG_PREFIXES.dataAccess,
      lifecycleRules: [
        {
          id: 'purge-backstop',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // An object encrypted with anything but the content key would escape crypto-shredding: refuse such PUTs.
    const denyPut = (sid: string, conditions: Record<string, unknown>) =>
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutObject'],
          resources: [this.bucket.arnForObjects('*')],
          conditions,
        }),
      );
    denyPut('DenyOtherEncryption', { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } });
    denyPut('DenyOtherKmsKeys', { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.contentKey.keyArn } });

    const names = tableNames(`steward-${props.projectId}`);
    const recoveryPeriodInDays = props.pointInTimeRecoveryDays ?? 35;
    this.ledgerTable = tableFromDefinition(this, 'LedgerTable', LEDGER_TABLE, names.ledger, this.evidenceKey, recoveryPeriodInDays);
    this.auditTable = tableFromDefinition(this, 'AuditTable', AUDIT_TABLE, names.audit, this.evidenceKey, recoveryPeriodInDays);
  }
}

const ATTRIBUTE_TYPES: Record<KeyAttribute['type'], dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

const attribute = (a: KeyAttribute): dynamodb.Attribute => ({ name: a.name, type: ATTRIBUTE_TYPES[a.type] });

/** A table exactly as lib/store/tables.ts defines it (the local bootstrap builds the same one). */
function tableFromDefinition(
  scope: Construct,
  id: string,
  definition: TableDefinition,
  tableName: string,
  key: kms.IKey,
  recoveryPeriodInDays: number,
): dynamodb.Table {
  // Validates that no attribute is declared with two types.
  attributeDefinitions(definition);
  const table = new dynamodb.Table(scope, id, {
    tableName,
    partitionKey: attribute(definition.partitionKey),
    sortKey: attribute(definition.sortKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays },
    deletionProtection: true,
    timeToLiveAttribute: definition.timeToLiveAttribute,
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  for (const index of definition.globalSecondaryIndexes) {
    const projection = index.projection;
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      projectionType:
        projection.type === 'ALL' ? dynamodb.ProjectionType.ALL : projection.type === 'KEYS_ONLY' ? dynamodb.ProjectionType.KEYS_ONLY : dynamodb.ProjectionType.INCLUDE,
      ...(projection.type === 'INCLUDE' ? { nonKeyAttributes: [...projection.nonKeyAttributes] } : {}),
    });
  }
  return table;
}
