/**
 * Deploy-time inputs of a job function, read once at cold start: a missing or malformed variable fails the
 * first invocation with a message that names it, instead of a job half-running.
 */
import * as z from 'zod';
import { JOB_ENV } from '../../lib/config/deployed';
import { parseProjectConfig } from '../../lib/config/load';
import type { ProjectConfig } from '../../lib/config/schema';
import { parseJson } from '../../lib/domain/json';
import type { VersioningMode } from '../../lib/store';

export class MissingEnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingEnvironmentError';
  }
}

/** The value of `name`, or a MissingEnvironmentError naming it. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingEnvironmentError(`environment variable ${name} is not set; the Steward stack sets it on the job functions that need it`);
  return value;
}

export interface DeployedEnv {
  readonly job: string;
  readonly bucket: string;
  readonly ledgerTable: string;
  readonly auditTable: string;
  readonly contentKeyArn: string;
  readonly hashKeySecretArn: string;
  /**
   * The signing key and the anchor bucket, on the jobs that seal (audit appenders), check (verify) or sign
   * (certify); absent on the others, which neither sign nor anchor.
   */
  readonly signingKeyArn?: string;
  readonly anchorBucket?: string;
  /** Secret ARN by source name; empty for jobs that do not call TikTok. */
  readonly sourceSecretArns: Readonly<Record<string, string>>;
  /** `required` when deployed; see `JOB_ENV.s3Versioning`. */
  readonly s3Versioning: VersioningMode;
  readonly config: ProjectConfig;
}

const SecretArnsSchema = z.record(z.string(), z.string().startsWith('arn:'));

/**
 * The project config. The stack inlines it into the bundle at build time (esbuild `define` of exactly this
 * expression, see lib/infra/job-function.ts), so it is not bound by the 4 KB limit of Lambda environments;
 * in-process tests set the variable instead.
 */
function projectConfig(): ProjectConfig {
  const json = process.env.STEWARD_PROJECT_CONFIG;
  if (json === undefined || json === '') throw new MissingEnvironmentError('the project config is missing: the bundle was not built by the Steward stack (STEWARD_PROJECT_CONFIG)');
  return parseProjectConfig(parseJson(json), 'the bundled project config');
}

/** Secret ARN by source name, from a JSON object; empty when the job does not call TikTok. */
function sourceSecretArns(env: NodeJS.ProcessEnv): Record<string, string> {
  const raw = env[JOB_ENV.sourceSecretArns];
  if (raw === undefined) return {};
  let document: unknown;
  try {
    document = parseJson(raw);
  } catch {
    document = undefined;
  }
  const parsed = SecretArnsSchema.safeParse(document);
  if (!parsed.success) throw new MissingEnvironmentError(`${JOB_ENV.sourceSecretArns} must be a JSON object of source name to secret ARN`);
  return parsed.data;
}

function s3Versioning(env: NodeJS.ProcessEnv): VersioningMode {
  const value = env[JOB_ENV.s3Versioning] ?? 'required';
  if (value !== 'required' && value !== 'auto') throw new MissingEnvironmentError(`${JOB_ENV.s3Versioning} must be "required" or "auto" (got "${value}")`);
  return value;
}

/** Everything a job function needs from its environment, validated. */
export function readDeployedEnv(env: NodeJS.ProcessEnv = process.env): DeployedEnv {
  return {
    job: requireEnv(JOB_ENV.job, env),
    bucket: requireEnv(JOB_ENV.bucket, env),
    ledgerTable: requireEnv(JOB_ENV.ledgerTable, env),
    auditTable: requireEnv(JOB_ENV.auditTable, env),
    contentKeyArn: requireEnv(JOB_ENV.contentKeyArn, env),
    hashKeySecretArn: requireEnv(JOB_ENV.hashKeySecretArn, env),
    ...(env[JOB_ENV.signingKeyArn] ? { signingKeyArn: env[JOB_ENV.signingKeyArn] } : {}),
    ...(env[JOB_ENV.anchorBucket] ? { anchorBucket: env[JOB_ENV.anchorBucket] } : {}),
    sourceSecretArns: sourceSecretArns(env),
    s3Versioning: s3Versioning(env),
    config: projectConfig(),
  };
}
