/**
 * The deployed wiring: the same adapters and jobs the CLI and the tests use, connected to the stack's bucket,
 * tables, key and secrets. Built once per execution environment (on the first invocation, because secrets are
 * fetched asynchronously) and reused while the environment is warm.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { functionEnvOf, PLACEHOLDER_CLIENT_KEY } from '../../lib/config/deployed';
import { sealAnchorRetainUntil } from '../../lib/config/load';
import type { Spec } from '../../lib/config/schema';
import { systemClock, utcDayKey, type Clock } from '../../lib/domain/clock';
import { hmacHasher } from '../../lib/domain/hashing';
import { parseJson } from '../../lib/domain/json';
import type { SpecSourceBinding } from '../../lib/jobs/collect';
import type { JobContext, RebuildReport } from '../../lib/jobs/context';
import { exportStoreOf } from '../../lib/jobs/export/store';
import type { RefreshClients } from '../../lib/jobs/refresh';
import { tiktokSources } from '../../lib/jobs/tiktok-sources';
import { ClientCredentialsAuth, CommercialContentClient, ResearchApiClient } from '../../lib/platforms/tiktok';
import { KmsSigner, S3AnchorSink, SignedSealAnchors, type AwsStores } from '../../lib/store';
import { wireJobContextWith, type ExportPorts } from '../../lib/wiring/job-context-core';
import packageJson from '../../package.json';
import { dynamo, kms, s3, secretsManager } from './clients';
import type { DeployedEnv } from './env';
import { logger } from './powertools';

/** Provenance: which code collected a record. */
export const COLLECTOR_VERSION = `steward/${packageJson.version}`;

/** A source secret's value, as the lab puts it (README, "Deploy"). */
const SourceCredentialsSchema = z.object({ clientKey: z.string().min(1), clientSecret: z.string().min(1) });

export class DeploymentConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeploymentConfigurationError';
  }
}

export interface Deployment {
  readonly env: DeployedEnv;
  readonly ctx: JobContext;
  readonly stores: AwsStores;
  /**
   * TikTok clients for one invocation, by source name: each starts from today's usage in the ledger's quota book
   * (other invocations may have spent some), and all share one token per source.
   */
  clients(): Promise<RefreshClients>;
  /** Spec sources on `clients()`, for collect. */
  sourceFor(): Promise<(spec: Spec) => SpecSourceBinding>;
}

async function secretString(secretId: string): Promise<string> {
  const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined) throw new DeploymentConfigurationError(`secret ${secretId} has no string value`);
  return out.SecretString;
}

async function sourceCredentials(source: string, secretArn: string): Promise<z.infer<typeof SourceCredentialsSchema>> {
  let document: unknown;
  try {
    document = parseJson(await secretString(secretArn));
  } catch (error) {
    if (error instanceof DeploymentConfigurationError) throw error;
    document = undefined;
  }
  const parsed = SourceCredentialsSchema.safeParse(document);
  const fix = `aws secretsmanager put-secret-value --secret-id ${secretArn} --secret-string '{"clientKey":"...","clientSecret":"..."}'`;
  if (!parsed.success) throw new DeploymentConfigurationError(`the secret of source "${source}" must be {"clientKey": "...", "clientSecret": "..."}; set it with: ${fix}`);
  if (parsed.data.clientKey === PLACEHOLDER_CLIENT_KEY) {
    throw new DeploymentConfigurationError(`the secret of source "${source}" still holds the placeholder put there at deploy time; set the TikTok credentials with: ${fix}`);
  }
  return parsed.data;
}

/**
 * The export ports of a function without the export function to invoke (the stack wires it into every function
 * that purges): a purge is fine while no export exists (nothing to rebuild); with exports, it is a wiring mistake.
 */
const NO_EXPORT_FUNCTION: ExportPorts = {
  exportRebuilder: async (_keys, { ctx }) => nothingToRebuild(ctx, 'purged records'),
  exportReconciler: async ({ ctx }) => ({ ...(await nothingToRebuild(ctx, 'was asked to reconcile exports')), exportsChecked: 0, rowsChecked: 0, purgedRecordsFound: 0, exportsHoldingPurged: 0, leftoverFilesDeleted: 0 }),
};

async function nothingToRebuild(ctx: Pick<JobContext, 'objects'>, what: string): Promise<RebuildReport> {
  if ((await exportStoreOf(ctx).latestVersions()).length > 0) {
    throw new DeploymentConfigurationError(`this function ${what} but has no export function to rebuild exports with (${functionEnvOf('export')} is not set)`);
  }
  return { exportsRebuilt: 0, partsRewritten: 0, rowsRewritten: 0, rowsRemoved: 0, filesDeleted: 0, staleCopies: 0 };
}

/** The export ports of a job that purges, given the export function's name (./export-rebuilder.ts `lambdaExportPorts`). */
export type ExportPortsOf = (exportFunction: string) => ExportPorts;

async function build(env: DeployedEnv, clock: Clock, exportPortsOf: ExportPortsOf | undefined): Promise<Deployment> {
  const { config } = env;
  const hasher = hmacHasher(await secretString(env.hashKeySecretArn));
  // Jobs that seal, check seals or sign certificates get the signing key; anchors need the anchor bucket too.
  const signer = env.signingKeyArn ? new KmsSigner(kms, env.signingKeyArn) : undefined;
  const anchors =
    signer && env.anchorBucket
      ? new SignedSealAnchors(new S3AnchorSink(s3, env.anchorBucket, { retainUntil: sealAnchorRetainUntil(config) }), signer, config.project.id)
      : undefined;
  // Jobs that purge hand the exports to rebuild to the export function (it may read records; they may not). The
  // others never purge; their ports refuse (and keep the export writers out of every bundle but the export one's).
  const exportFunction = process.env[functionEnvOf('export')];
  const { ctx, stores } = wireJobContextWith({
    config,
    clock,
    s3,
    dynamo,
    bucket: env.bucket,
    ledgerTable: env.ledgerTable,
    auditTable: env.auditTable,
    hasher,
    kmsKeyId: env.contentKeyArn,
    versioning: env.s3Versioning,
    anchors,
    signer,
    onAnchorError: ({ seq, error }) => logger.error('seal stored but not anchored; the next anchored seal pins it', { seq, error: (error as Error).name }),
    // Only with STEWARD_S3_VERSIONING=auto (local S3 in tests): say so once, in the function's log.
    onUnversionedFallback: (info) => logger.warn('the bucket has no versioning: purges fall back to a plain delete', info),
    collectorVersion: COLLECTOR_VERSION,
  }, exportFunction && exportPortsOf ? exportPortsOf(exportFunction) : NO_EXPORT_FUNCTION);

  // One token per source for the life of the environment; credentials are fetched once.
  const auths = new Map<string, ClientCredentialsAuth>();
  for (const [source, secretArn] of Object.entries(env.sourceSecretArns)) {
    const settings = config.sources[source];
    if (!settings) throw new DeploymentConfigurationError(`a secret is wired for source "${source}", which the project config does not define`);
    auths.set(source, new ClientCredentialsAuth({ ...(await sourceCredentials(source, secretArn)), baseUrl: settings.baseUrl, clock }));
  }

  const clients = async (): Promise<RefreshClients> => {
    const today = utcDayKey(clock.now());
    const research = new Map<string, ResearchApiClient>();
    const commercial = new Map<string, CommercialContentClient>();
    for (const [source, auth] of auths) {
      const settings = config.sources[source]!;
      const used = await stores.ledger.getQuotaUsage(source, today);
      const options = {
        auth,
        baseUrl: settings.baseUrl,
        clock,
        quotaUsed: { day: today, requests: used.requests, records: used.records, socialRequests: 0, socialRecords: 0 },
      };
      if (settings.api === 'tiktok-research') research.set(source, new ResearchApiClient(options));
      else commercial.set(source, new CommercialContentClient(options));
    }
    const lookup = <T>(found: Map<string, T>, api: string) => (source: string) => {
      const client = found.get(source);
      if (!client) throw new DeploymentConfigurationError(`source "${source}" is not a ${api} source with credentials in this function`);
      return client;
    };
    return { research: lookup(research, 'tiktok-research'), commercial: lookup(commercial, 'tiktok-commercial') };
  };

  const sourceFor = async () => tiktokSources({ clock, ledger: stores.ledger, objects: stores.objects, hasher, ...(await clients()) });

  return { env, ctx, stores, clients, sourceFor };
}

/**
 * The deployment of this execution environment, built on first use and then shared. A failed build (say, a
 * source secret still holding its placeholder) is not cached: the next invocation tries again. `exportPortsOf`:
 * given by the jobs that purge (./purging-deployment.ts), so only their bundles hold the Lambda client that hands
 * export rebuilds to the export function.
 */
export function deploymentOnce(env: DeployedEnv, clock: Clock = systemClock, exportPortsOf?: ExportPortsOf): () => Promise<Deployment> {
  let pending: Promise<Deployment> | undefined;
  return () => {
    pending ??= build(env, clock, exportPortsOf).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
