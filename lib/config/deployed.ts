/**
 * The contract between the deployed stack and the code that runs against it: the environment variables the stack
 * gives each Lambda function, and the CloudFormation outputs the CLI reads. Both sides import these names, so a
 * rename cannot break one side silently.
 */

/** Environment variables of every job function (read once, at cold start, by lambdas/shared/env.ts). */
export const JOB_ENV = {
  bucket: 'STEWARD_BUCKET',
  ledgerTable: 'STEWARD_LEDGER_TABLE',
  auditTable: 'STEWARD_AUDIT_TABLE',
  /** ARN of the content key: every object PUT names it (the bucket policy refuses any other key). */
  contentKeyArn: 'STEWARD_CONTENT_KEY_ARN',
  /** ARN of the asymmetric KMS key (ECC_NIST_P256) that signs certificates and seal anchors. */
  signingKeyArn: 'STEWARD_SIGNING_KEY_ARN',
  /** The bucket of seal anchors (S3 Object Lock, compliance mode). */
  anchorBucket: 'STEWARD_ANCHOR_BUCKET',
  /** Secrets Manager ARN of the project's HMAC key. */
  hashKeySecretArn: 'STEWARD_HASH_KEY_SECRET_ARN',
  /** JSON object `{ "<source>": "<secret ARN>" }`; only on jobs that call TikTok. */
  sourceSecretArns: 'STEWARD_SOURCE_SECRET_ARNS',
  /** The job's name, e.g. `collect`. */
  job: 'STEWARD_JOB',
  /**
   * `auto` only for in-process tests on local S3 without versioning (s3rver): purges then fall back to a plain
   * delete. Never set by the stack, where purges require versioning (`required`, the default).
   */
  s3Versioning: 'STEWARD_S3_VERSIONING',
  /** The Athena workgroup the query function runs queries in (it enforces its own result location). */
  queryWorkGroup: 'STEWARD_QUERY_WORKGROUP',
  /** The Glue database of the query views. */
  queryDatabase: 'STEWARD_QUERY_DATABASE',
} as const;

/** The variable that names another job's function, for a job that invokes it: `STEWARD_FUNCTION_PURGE`. */
export function functionEnvOf(job: string): string {
  return `STEWARD_FUNCTION_${job.toUpperCase().replace(/-/g, '_')}`;
}

/** The client key a freshly deployed source secret holds until the lab puts the real credentials in. */
export const PLACEHOLDER_CLIENT_KEY = 'replace-with-your-tiktok-client-key';

/** Metric namespace and names the jobs publish (Powertools, EMF) and the alarms and dashboard watch. */
export const METRICS = {
  namespace: 'Steward',
  /** Powertools service name: also a dimension of every metric. */
  service: 'steward',
  /** Obligations past their deadline, published by the daily compliance check; any value above 0 alarms. */
  overdueObligations: 'OverdueObligations',
  /** Counts a collect run publishes. */
  collect: ['NewRecords', 'ChangedRecords', 'UnchangedRecords', 'ApiRequests'],
  /** Counts a refresh worker publishes. */
  refresh: ['DueRecords', 'RefreshedRecords', 'ChangedRecords', 'MissedRecords', 'FailedRefreshes', 'PurgedRecords', 'ApiRequests'],
  /** Due records a refresh worker left because the daily API quota ran out (published only then); any alarms. */
  refreshQuotaStops: 'RefreshQuotaStops',
  /** Records a refresh worker held instead of purging (the purge fuse tripped); any value above 0 alarms. */
  purgeHeld: 'PurgeHeld',
  /** Counts a purge run publishes. */
  purge: ['PurgedRecords', 'VersionsRemoved'],
} as const;

/** The dimensions of every Steward metric of a project. */
export function metricDimensions(projectId: string): { service: string; project: string } {
  return { service: METRICS.service, project: projectId };
}

/** CloudFormation outputs of a Steward stack (`cdk deploy --outputs-file`), read by the CLI without `--local`. */
export const STACK_OUTPUTS = {
  region: 'Region',
  bucket: 'DataBucketName',
  ledgerTable: 'LedgerTableName',
  auditTable: 'AuditTableName',
  contentKeyArn: 'ContentKeyArn',
  evidenceKeyArn: 'EvidenceKeyArn',
  hashKeySecretArn: 'HashKeySecretArn',
  signingKeyArn: 'SigningKeyArn',
  anchorBucket: 'SealAnchorBucketName',
  alarmTopicArn: 'AlarmTopicArn',
  refreshStateMachineArn: 'RefreshStateMachineArn',
  /** JSON object `{ "<job>": "<function name>" }`. */
  functionNames: 'FunctionNames',
  /** JSON object `{ "<member>": "<role ARN>" }`. */
  memberRoleArns: 'MemberRoleArns',
  /** The Athena workgroup of `steward query` (deployed): members read its results. */
  queryWorkGroup: 'QueryWorkGroup',
  /** The Glue database of the query views. */
  queryDatabase: 'QueryDatabase',
  /** The bucket of query results (each expires after a day). */
  queryResultsBucket: 'QueryResultsBucketName',
} as const;

/** The stack name of a project: `Steward-<project id>`. */
export function stackNameOf(projectId: string): string {
  return `Steward-${projectId}`;
}
