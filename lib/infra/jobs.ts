/**
 * The job functions: one Lambda per Steward job, each granted only what its job does to the vault (see
 * `JOB_DEFINITIONS`), the project's HMAC key, and, for jobs that call TikTok, the client credentials of each source.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JOB_ENV, METRICS } from '../config/deployed';
import type { DataVault } from './data-vault';
import { JobFunction } from './job-function';
import { pascalCase } from './naming';
import type { ProjectSecrets } from './project-secrets';
import { acknowledgeRecordObjects, vaultStatements, type VaultAccess } from './vault-access';

export interface JobDefinition {
  readonly description: string;
  /** Exactly what the job does to the vault. */
  readonly access: VaultAccess;
  /** The job calls the TikTok APIs and reads the source credentials. */
  readonly tiktok: boolean;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The deployed jobs. A job is listed here once its use case exists in lib/jobs and its handler in lambdas/.
 *
 * - collect: writes new objects and reads its own earlier ones (crash repair, parent videos); never deletes.
 */
export const JOB_DEFINITIONS = {
  collect: {
    description: 'Runs one collection spec: new records to S3, provenance and obligations to the ledger, events to the audit log',
    access: { objects: ['put', 'read'], ledger: 'write', audit: 'append' },
    tiktok: true,
    timeout: Duration.minutes(15),
  },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOB_DEFINITIONS;
export const JOB_NAMES = Object.keys(JOB_DEFINITIONS) as JobName[];

export interface JobsProps {
  readonly projectId: string;
  readonly vault: DataVault;
  readonly secrets: ProjectSecrets;
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
        reservedConcurrentExecutions: definition.reservedConcurrentExecutions,
        environment: {
          [JOB_ENV.bucket]: vault.bucket.bucketName,
          [JOB_ENV.ledgerTable]: vault.ledgerTable.tableName,
          [JOB_ENV.auditTable]: vault.auditTable.tableName,
          [JOB_ENV.contentKeyArn]: vault.contentKey.keyArn,
          [JOB_ENV.hashKeySecretArn]: secrets.hashKey.secretArn,
          ...(definition.tiktok ? { [JOB_ENV.sourceSecretArns]: sourceSecretArns } : {}),
          POWERTOOLS_SERVICE_NAME: 'steward',
          POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      });
      const role = jobFunction.role;
      for (const statement of vaultStatements(vault, definition.access)) role.addToPrincipalPolicy(statement);
      acknowledgeRecordObjects(role, vault, definition.access);
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
      functions.set(job, jobFunction);
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
