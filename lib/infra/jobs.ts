/**
 * The job functions: one Lambda per Steward job, each granted only what its job does to the vault (see
 * `JOB_DEFINITIONS`), the project's HMAC key, and, for jobs that call TikTok, the client credentials of each source.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JOB_ENV, METRICS, functionEnvOf } from '../config/deployed';
import type { DataVault } from './data-vault';
import { JobFunction } from './job-function';
import { pascalCase } from './naming';
import type { ProjectSecrets } from './project-secrets';
import type { SealAnchors } from './seal-anchors';
import { acknowledgeRecordObjects, arnFinding, sealStatements, vaultStatements, type SealAccess, type VaultAccess } from './vault-access';

export interface JobDefinition {
  readonly description: string;
  /** Exactly what the job does to the vault. */
  readonly access: VaultAccess;
  /** What the job does with the signing key and the seal anchors. */
  readonly seals?: SealAccess;
  /** The job calls the TikTok APIs and reads the source credentials. */
  readonly tiktok: boolean;
  /** Jobs whose function this one invokes (the name reaches it as `functionEnvOf(job)`). */
  readonly invokes?: readonly string[];
  /** The job may schedule the deletion of the content key (crypto-shredding at project end); never the evidence key. */
  readonly scheduleContentKeyDeletion?: boolean;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The deployed jobs. A job is listed here once its use case exists in lib/jobs and its handler in lambdas/.
 *
 * - collect: writes new objects and reads its own earlier ones (crash repair, parent videos); never deletes: the
 *   repair's deletions of orphaned objects are handed to the purge function.
 * - purge: deletes every version of objects it purges, never reads one; tombstones ledger records.
 * - expire: like purge, plus kms:ScheduleKeyDeletion on the content key (only) for crypto-shredding at project end.
 * - erase: like purge, on request; quota-plan reads the ledger only.
 * - verify: the daily compliance check; lists objects and their versions, reads no content, writes nothing.
 * - audit-query, report, certify, calendar: on demand (aws lambda invoke); read the audit log and ledger, write nothing;
 *   certify lists object versions to prove none is left.
 * - query: runs members' SQL in the Athena workgroup over exports/data/ (never records/) and audits each query.
 * - publication: planned publications (a member's request); reads export manifests and tombstones, puts only under
 *   exports/publications/; writes its runs and audit events (publication.added/done).
 * - refresh-shard: one due-index shard per invocation (the refresh state machine fans out); rewrites changed
 *   objects, reads stored videos for their authors' usernames, purges what is confirmed gone.
 */
export const JOB_DEFINITIONS = {
  collect: {
    description: 'Runs one collection spec: new records to S3, provenance and obligations to the ledger, events to the audit log',
    access: { objects: ['put', 'read'], ledger: 'write', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: true,
    invokes: ['purge'],
    timeout: Duration.minutes(15),
  },
  purge: {
    description: 'Completes pending purges (every object version, children first, tombstone) and deletes orphaned objects of crashed collects',
    access: { objects: ['purge'], ledger: 'delete', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: false,
    invokes: ['export'],
    timeout: Duration.minutes(15),
  },
  'refresh-shard': {
    description: 'Refreshes the due records of one due-index shard before their deadline; purges records confirmed gone',
    access: { objects: ['put', 'read', 'purge'], ledger: 'delete', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: true,
    invokes: ['export'],
    timeout: Duration.minutes(15),
  },
  verify: {
    description: 'Compliance check: audit log chains and seals, ledger vs storage vs audit log, overdue obligations (publishes OverdueObligations)',
    access: { objects: ['list', 'list-versions'], exports: 'read', ledger: 'read', audit: 'read' },
    seals: { anchors: 'read' },
    tiktok: false,
    timeout: Duration.minutes(15),
    memorySize: 2048,
  },
  expire: {
    description: 'Expiry: purges records past their retention or the project end; then schedules the content key for deletion (crypto-shredding)',
    access: { objects: ['purge'], ledger: 'delete', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: false,
    invokes: ['export'],
    scheduleContentKeyDeletion: true,
    timeout: Duration.minutes(15),
  },
  erase: {
    description: 'Erasure request: purges a user, video or comment and everything that belongs to it; tombstones the target',
    access: { objects: ['purge'], ledger: 'delete', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: false,
    invokes: ['export'],
    timeout: Duration.minutes(15),
  },
  'quota-plan': {
    description: 'Quota plan: what the corpus needs from each daily API quota to stay fresh, and what is left for collection',
    access: { objects: [], ledger: 'read' },
    tiktok: false,
    timeout: Duration.minutes(5),
  },
  'audit-query': {
    description: 'Audit query: one page of the audit log by record, action and time range, researcher or run',
    access: { objects: [], audit: 'read' },
    tiktok: false,
    timeout: Duration.minutes(1),
  },
  report: {
    description: 'Compliance report: refreshes on time and late, purges, obligations ahead, quota use, overdue (JSON)',
    access: { objects: [], exports: 'read', ledger: 'read', audit: 'read' },
    tiktok: false,
    timeout: Duration.minutes(15),
    memorySize: 2048,
  },
  calendar: {
    description: 'Obligations calendar: refresh deadlines per source, expiries, purge holds, pulled copies to replace, publication notices, project end, key deletion (JSON)',
    access: { objects: [], exports: 'read', ledger: 'read' },
    tiktok: false,
    timeout: Duration.minutes(5),
  },
  certify: {
    description: 'Proof-of-deletion certificate for named records or a time range: purge events, tombstones, versions left',
    access: { objects: ['list-versions'], exports: 'read', ledger: 'read', audit: 'read' },
    seals: { sign: true },
    tiktok: false,
    timeout: Duration.minutes(15),
    memorySize: 2048,
  },
  query: {
    description: 'SQL over the current analysis exports (Athena): validates the SQL (read-only), runs it in the project workgroup, audits it (query.run)',
    // Its Athena, Glue, export-part and result rights come from the query engine (QueryEngine.grantRunQueries).
    access: { objects: [], ledger: 'write', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: false,
    timeout: Duration.minutes(15),
  },
  export: {
    description: 'Analysis exports: creates versions (Parquet, CSV, JSONL) under exports/, records pulls and releases, rebuilds exports without purged records for the jobs that purge',
    // Reads records to build rows; writes and deletes only under exports/. Its runs and audit events are its own.
    access: { objects: ['read'], exports: 'write', ledger: 'write', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: false,
    timeout: Duration.minutes(15),
    memorySize: 3008,
  },
  publication: {
    description: 'Planned publications: the advance notice to the platform as an obligation, the export version frozen as the paper\'s dataset, its records deleted since',
    // Reads export manifests and ledger tombstones; writes only publication objects (never an export, never records/),
    // and its own runs and audit events (publication.added, publication.done).
    access: { objects: [], exports: 'read', publications: 'write', ledger: 'write', audit: 'append' },
    seals: { anchors: 'write' },
    tiktok: false,
    timeout: Duration.minutes(5),
  },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOB_DEFINITIONS;
export const JOB_NAMES = Object.keys(JOB_DEFINITIONS) as JobName[];

export interface JobsProps {
  readonly projectId: string;
  readonly vault: DataVault;
  readonly secrets: ProjectSecrets;
  /** The signing key and the seal anchor bucket. */
  readonly seals: SealAnchors;
  /** The validated project config as JSON text, inlined into every bundle. */
  readonly configJson: string;
  /**
   * The jobs to deploy.
   * @default JOB_NAMES (all)
   */
  readonly jobs?: readonly JobName[];
}

export class Jobs extends Construct {
  public readonly functions: ReadonlyMap<JobName, JobFunction>;

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    const { vault, secrets } = props;
    const sourceSecretArns = JSON.stringify(Object.fromEntries([...secrets.sourceSecrets].map(([source, secret]) => [source, secret.secretArn])));
    const functions = new Map<JobName, JobFunction>();
    for (const job of props.jobs ?? JOB_NAMES) {
      const definition: JobDefinition = JOB_DEFINITIONS[job];
      const jobFunction = new JobFunction(this, pascalCase(job), {
        job,
        description: `Steward ${props.projectId}: ${definition.description}`,
        configJson: props.configJson,
        timeout: definition.timeout,
        memorySize: definition.memorySize,
        reservedConcurrentExecutions: definition.reservedConcurrentExecutions,
        environment: {
          [JOB_ENV.bucket]: vault.bucket.bucketName,
          [JOB_ENV.ledgerTable]: vault.ledgerTable.tableName,
          [JOB_ENV.auditTable]: vault.auditTable.tableName,
          [JOB_ENV.contentKeyArn]: vault.contentKey.keyArn,
          [JOB_ENV.hashKeySecretArn]: secrets.hashKey.secretArn,
          ...(definition.seals ? { [JOB_ENV.signingKeyArn]: props.seals.signingKey.keyArn } : {}),
          ...(definition.seals?.anchors ? { [JOB_ENV.anchorBucket]: props.seals.bucket.bucketName } : {}),
          ...(definition.tiktok ? { [JOB_ENV.sourceSecretArns]: sourceSecretArns } : {}),
          POWERTOOLS_SERVICE_NAME: 'steward',
          POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      });
      const role = jobFunction.role;
      for (const statement of vaultStatements(vault, definition.access)) role.addToPrincipalPolicy(statement);
      acknowledgeRecordObjects(role, vault, definition.access);
      if (definition.seals) {
        for (const statement of sealStatements(props.seals, definition.seals)) role.addToPrincipalPolicy(statement);
        if (definition.seals.anchors) {
          Validations.of(role).acknowledge({
            id: `AwsSolutions::AwsSolutions-IAM5[${arnFinding(props.seals.bucket, '/seals/*')}]`,
            reason: 'Seal anchors are one object per seal, named by seal seq: access is limited to the seals/ prefix and to put (writers) or get (verify); the bucket is write-once (Object Lock, compliance mode).',
          });
        }
      }
      const readable: secretsmanager.ISecret[] = [secrets.hashKey, ...(definition.tiktok ? secrets.sourceSecrets.values() : [])];
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadProjectSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: readable.map((secret) => secret.secretArn),
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptProjectSecrets',
          actions: ['kms:Decrypt'],
          resources: [secrets.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
      if (definition.scheduleContentKeyDeletion) {
        role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'CryptoShredContent', actions: ['kms:ScheduleKeyDeletion'], resources: [vault.contentKey.keyArn] }));
      }
      functions.set(job, jobFunction);
    }
    for (const [job, jobFunction] of functions) {
      const definition: JobDefinition = JOB_DEFINITIONS[job];
      for (const callee of definition.invokes ?? []) {
        const target = functions.get(callee as JobName);
        if (!target) throw new Error(`job ${job} invokes ${callee}, which is not deployed; deploy both or neither`);
        jobFunction.fn.addEnvironment(functionEnvOf(callee), target.fn.functionName);
        // The unqualified function only: no `:*` (versions, aliases) wildcard.
        jobFunction.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `Invoke${pascalCase(callee)}`, actions: ['lambda:InvokeFunction'], resources: [target.fn.functionArn] }));
      }
    }
    this.functions = functions;
  }

  /** The function of `job`; throws if the job is not deployed. */
  get(job: JobName): JobFunction {
    const found = this.functions.get(job);
    if (!found) throw new RangeError(`job "${job}" is not deployed in this stack`);
    return found;
  }
}
