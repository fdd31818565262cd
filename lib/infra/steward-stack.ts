/**
 * One Steward deployment: everything one research project needs, composed from constructs that each do one job.
 * The stack holds no business rules; it maps the validated project config onto the constructs.
 */
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { projectEnd } from '../config/load';
import type { ProjectConfig } from '../config/schema';
import { JOB_ENV, STACK_OUTPUTS } from '../config/deployed';
import { DataVault, dataVaultProblems } from './data-vault';
import { JOB_NAMES, Jobs, type JobName } from './jobs';
import type { MemberAction } from '../domain/roles';
import { QUERY_VIEWS } from '../domain/query-views';
import { LabAccess } from './lab-access';
import { Monitoring } from './monitoring';
import { QueryEngine } from './query-engine';
import { ProjectSecrets, type SourceSecretSpec } from './project-secrets';
import { SealAnchors } from './seal-anchors';
import { RefreshFanOut } from './refresh-fanout';
import { Schedules, type ScheduledInvocation } from './schedules';
import { DUE_SHARDS } from '../store/tables';

export interface StewardStackProps extends StackProps {
  /** The project config, validated by `parseProjectConfig` (lib/config/load.ts). */
  readonly config: ProjectConfig;
  /**
   * The jobs to deploy.
   * @default JOB_NAMES (every job whose handler exists)
   */
  readonly jobs?: readonly JobName[];
}

/** Thrown before any resource is created when the config cannot be deployed; lists every problem with its fix. */
export class StackConfigurationError extends Error {
  constructor(
    readonly projectId: string,
    readonly problems: readonly string[],
  ) {
    super(`project ${projectId} cannot be deployed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigurationError';
  }
}

/** Problems that stop a config from being deployed (beyond the schema, which the CLI shares). */
export function deploymentProblems(config: ProjectConfig): string[] {
  const problems = dataVaultProblems({ projectId: config.project.id, objectLock: config.storage.objectLock, backupRetentionDays: config.storage.backupRetentionDays });
  for (const [name, source] of Object.entries(config.sources)) {
    if (!('secretName' in source.credentials)) {
      problems.push(
        `sources.${name}.credentials: a deployed stack reads TikTok credentials from Secrets Manager; replace the environment variables with {"secretName": "steward/${config.project.id}/${name}"}`,
      );
    }
  }
  return problems;
}

/** The sources' secrets, as the config names them. */
function sourceSecretSpecs(config: ProjectConfig): SourceSecretSpec[] {
  return Object.entries(config.sources).flatMap(([source, s]) => ('secretName' in s.credentials ? [{ source, secretName: s.credentials.secretName }] : []));
}

/** Jobs that run on a fixed cadence, whatever the config (times in UTC). */
const FIXED_SCHEDULES: readonly { job: JobName; name: string; expression: string; description: string }[] = [
  { job: 'purge', name: 'purge-pending', expression: 'rate(1 hour)', description: 'Complete purges that were decided and interrupted' },
  { job: 'expire', name: 'expiry', expression: 'cron(0 4 * * ? *)', description: 'Daily expiry: purge what is past its retention or the project end, then crypto-shred' },
  { job: 'verify', name: 'compliance-check', expression: 'cron(30 5 * * ? *)', description: 'Daily compliance check: audit log, ledger vs storage, overdue obligations' },
];

/** Jobs that write nothing (beyond their own logs): lab members may run them with their read-only roles. */
export const MEMBER_JOBS: readonly JobName[] = ['audit-query', 'report', 'certify', 'quota-plan', 'calendar'];

/**
 * The job functions that carry out what a member may do deployed (who may: lib/domain/roles.ts). The routine work
 * (collect, refresh, purge) is the schedules': no member action maps to it. A purge hold's release looks records
 * up, so the refresh worker runs it (the purger has no API access); its dismissal runs in the purge function.
 */
export const JOBS_OF_MEMBER_ACTION: Readonly<Partial<Record<MemberAction, readonly JobName[]>>> = {
  read: MEMBER_JOBS,
  query: ['query'],
  erase: ['erase'],
  export: ['export'],
  expire: ['expire'],
  'purge.release': ['refresh-shard'],
  'purge.dismiss': ['purge'],
  'publication.add': ['publication'],
  'publication.done': ['publication'],
};

/**
 * Jobs that act in a member's name and learn who from the alias invoked (lambdas/shared/member-identity.ts): a
 * member's role may invoke only its own alias of these (lib/infra/member-aliases.ts), never the function.
 */
export const MEMBER_IDENTIFIED_JOBS: readonly JobName[] = ['export', 'erase', 'query', 'publication', 'purge', 'refresh-shard'];

/** Tags Steward puts on every resource of a project's stack. */
export const STEWARD_TAGS = (projectId: string): Record<string, string> => ({ 'steward:project': projectId, 'steward:managed-by': 'steward' });

export class StewardStack extends Stack {
  public readonly vault: DataVault;
  public readonly secrets: ProjectSecrets;
  /** The signing key and the write-once seal anchor bucket. */
  public readonly seals: SealAnchors;
  public readonly jobs: Jobs;
  public readonly schedules: Schedules;
  public readonly monitoring: Monitoring;
  public readonly labAccess: LabAccess;
  /** The refresh fan-out, when the refresh worker is deployed. */
  public readonly refresh?: RefreshFanOut;
  /** Athena over the exports, when the query function is deployed. */
  public readonly queryEngine?: QueryEngine;

  constructor(scope: Construct, id: string, props: StewardStackProps) {
    super(scope, id, { description: `Steward: compliant storage of TikTok research data for project ${props.config.project.id}`, ...props });
    const { config } = props;
    const projectId = config.project.id;
    const problems = deploymentProblems(config);
    if (problems.length > 0) throw new StackConfigurationError(projectId, problems);
    const jobNames = props.jobs ?? JOB_NAMES;
    // Every taggable resource carries the project (cost allocation, access reviews), plus the lab's own tags.
    for (const [key, value] of Object.entries({ ...config.deployment?.tags, ...STEWARD_TAGS(projectId) })) Tags.of(this).add(key, value);

    this.vault = new DataVault(this, 'DataVault', {
      projectId,
      objectLock: config.storage.objectLock,
      backupRetentionDays: config.storage.backupRetentionDays,
    });
    this.secrets = new ProjectSecrets(this, 'Secrets', { projectId, encryptionKey: this.vault.evidenceKey, sources: sourceSecretSpecs(config) });
    this.seals = new SealAnchors(this, 'SealAnchors', { projectId, evidenceKey: this.vault.evidenceKey, accessLogBucket: this.vault.logBucket });
    this.jobs = new Jobs(this, 'Jobs', { projectId, vault: this.vault, secrets: this.secrets, seals: this.seals, configJson: JSON.stringify(config), jobs: jobNames });

    if (jobNames.includes('query')) {
      this.queryEngine = new QueryEngine(this, 'QueryEngine', {
        projectId,
        vault: this.vault,
        views: QUERY_VIEWS,
        specs: config.specs.map((s) => ({ name: s.name, kind: s.kind })),
      });
      const query = this.jobs.get('query');
      this.queryEngine.grantRunQueries(query.role);
      query.fn.addEnvironment(JOB_ENV.queryWorkGroup, this.queryEngine.workGroupName);
      query.fn.addEnvironment(JOB_ENV.queryDatabase, this.queryEngine.databaseName);
    }

    const invocations: ScheduledInvocation[] = [];
    if (jobNames.includes('collect')) {
      const collect = this.jobs.get('collect').fn;
      for (const spec of config.specs) {
        invocations.push({
          name: `collect-${spec.name}`,
          description: `Collect spec ${spec.name} (${spec.kind}) until the project ends`,
          expression: spec.schedule,
          target: { fn: collect },
          input: { spec: spec.name },
          end: projectEnd(config),
        });
      }
    }
    if (jobNames.includes('export')) {
      // Standing exports: a new version of the spec's dataset on its own schedule (config `specs[].export`).
      const exportFn = this.jobs.get('export').fn;
      for (const spec of config.specs) {
        if (!spec.export) continue;
        invocations.push({
          name: `export-${spec.name}`,
          description: `Standing export of spec ${spec.name} (${spec.export.format}) until the project ends`,
          expression: spec.export.schedule,
          target: { fn: exportFn },
          input: { action: 'create', spec: spec.name, format: spec.export.format, ...(spec.export.fields ? { fields: spec.export.fields } : {}) },
          end: projectEnd(config),
        });
      }
    }
    if (jobNames.includes('refresh-shard')) {
      this.refresh = new RefreshFanOut(this, 'RefreshSweep', {
        worker: this.jobs.get('refresh-shard').fn,
        shards: DUE_SHARDS,
        ...(config.deployment?.refreshConcurrency ? { maxConcurrency: config.deployment.refreshConcurrency } : {}),
      });
      invocations.push({
        name: 'refresh-sweep',
        description: 'Refresh sweep: every due-index shard, one worker each',
        expression: 'rate(1 hour)',
        target: { stateMachine: this.refresh.stateMachine },
        input: {},
      });
    }
    for (const cadence of FIXED_SCHEDULES) {
      if (!jobNames.includes(cadence.job)) continue;
      invocations.push({ name: cadence.name, description: cadence.description, expression: cadence.expression, target: { fn: this.jobs.get(cadence.job).fn }, input: {} });
    }
    this.schedules = new Schedules(this, 'Schedules', { groupName: `steward-${projectId}`, invocations });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      projectId,
      topicKey: this.vault.evidenceKey,
      jobs: [...this.jobs.functions.values()],
      deadLetterQueues: { scheduler: this.schedules.deadLetterQueue },
      stateMachines: this.refresh ? { 'refresh-sweep': this.refresh.stateMachine } : {},
      overdueObligationsAlarm: jobNames.includes('verify'),
    });
    this.labAccess = new LabAccess(this, 'LabAccess', {
      projectId,
      vault: this.vault,
      hashKey: this.secrets.hashKey,
      members: config.members,
      ...(this.queryEngine ? { queryEngine: this.queryEngine } : {}),
      memberJobs: Object.fromEntries(
        Object.entries(JOBS_OF_MEMBER_ACTION).map(([action, jobs]) => [action, jobs.filter((job) => jobNames.includes(job)).map((job) => this.jobs.get(job).fn)]),
      ),
      identifyingJobs: Object.fromEntries(MEMBER_IDENTIFIED_JOBS.filter((job) => jobNames.includes(job)).map((job) => [job, this.jobs.get(job).fn])),
    });

    const output = (key: keyof typeof STACK_OUTPUTS, value: string, description: string) =>
      new CfnOutput(this, STACK_OUTPUTS[key], { value, description });
    output('region', this.region, 'Region of the deployment');
    output('bucket', this.vault.bucket.bucketName, 'Data bucket (one object per record under records/, analysis exports under exports/)');
    output('ledgerTable', this.vault.ledgerTable.tableName, 'Ledger table');
    output('auditTable', this.vault.auditTable.tableName, 'Audit log table');
    output('contentKeyArn', this.vault.contentKey.keyArn, 'KMS key of the data bucket (its deletion at project end crypto-shreds any copy a purge missed)');
    output('evidenceKeyArn', this.vault.evidenceKey.keyArn, 'KMS key of the ledger, audit log and secrets (outlives the content)');
    output('hashKeySecretArn', this.secrets.hashKey.secretArn, 'Secret holding the HMAC key of the keyed hashes');
    output('signingKeyArn', this.seals.signingKey.keyArn, 'KMS key that signs certificates and seal anchors (publish its public key: aws kms get-public-key)');
    output('anchorBucket', this.seals.bucket.bucketName, 'Seal anchors of the audit log (S3 Object Lock, compliance mode)');
    output('alarmTopicArn', this.monitoring.topic.topicArn, 'SNS topic of the alarms: subscribe the lab here');
    if (this.refresh) output('refreshStateMachineArn', this.refresh.stateMachine.stateMachineArn, 'Refresh sweep state machine (start an execution to sweep now)');
    if (this.queryEngine) {
      output('queryWorkGroup', this.queryEngine.workGroupName, 'Athena workgroup of steward query (results expire after a day)');
      output('queryDatabase', this.queryEngine.databaseName, 'Glue database of the query views (videos, comments, users, ads, records)');
      output('queryResultsBucket', this.queryEngine.resultsBucket.bucketName, 'Query results (SSE-KMS with the content key; each expires after a day)');
    }
    output(
      'functionNames',
      this.toJsonString(Object.fromEntries([...this.jobs.functions].map(([job, f]) => [job, f.fn.functionName]))),
      'Function name of each job (JSON)',
    );
    output(
      'memberRoleArns',
      this.toJsonString(Object.fromEntries([...this.labAccess.memberRoles].map(([member, role]) => [member, role.roleArn]))),
      'Read-only role of each lab member (JSON)',
    );
  }
}
