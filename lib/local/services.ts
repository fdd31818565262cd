/**
 * The embedded AWS services Steward runs on locally: DynamoDB Local (a child JVM) and s3rver (in-process).
 * Used by the CLI's `--local` mode (persistent, under the state dir), the demo, and the jest global setup
 * (in memory + temp dir). The same adapters and jobs run against them as against AWS.
 *
 * @example
 * const services = await startLocalServices({ stateDir: '.steward', buckets: ['steward-data'] });
 * console.log(services.describe());
 * const s3 = makeLocalS3Client(services);
 * // ...
 * await services.stop();
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import type { LocalAwsEndpoints } from './aws-clients';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { LocalServiceError } from './errors';
import { startS3Local, type S3Local } from './s3-local';

export interface LocalServicesOptions {
  /**
   * Keep data between runs: DynamoDB tables in `<stateDir>/dynamodb/`, S3 objects in `<stateDir>/s3/`.
   * Default: DynamoDB in memory and S3 in a temp dir, both gone at stop().
   */
  readonly stateDir?: string;
  /** Buckets that exist from the start (kept, with their objects, when they already exist in the state dir). */
  readonly buckets: readonly string[];
  /** Default: a free port. */
  readonly dynamoPort?: number;
  /** Default: a free port. */
  readonly s3Port?: number;
  /** Extra JVM options for DynamoDB Local (e.g. faster start for short runs). */
  readonly dynamoJvmOptions?: readonly string[];
  /** How long DynamoDB Local may take to answer. Default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface LocalServices extends LocalAwsEndpoints {
  /** `http://127.0.0.1:<port>` of DynamoDB Local. */
  readonly dynamoEndpoint: string;
  /** `http://127.0.0.1:<port>` of s3rver. */
  readonly s3Endpoint: string;
  readonly region: 'us-east-1';
  readonly credentials: { readonly accessKeyId: 'S3RVER'; readonly secretAccessKey: 'S3RVER' };
  /** Absolute state dir, or undefined when nothing persists. */
  readonly stateDir: string | undefined;
  readonly buckets: readonly string[];
  /** The running services, for diagnostics (JVM pid, version, directories). */
  readonly dynamo: DynamoDbLocal;
  readonly s3: S3Local;
  /** Environment that points any AWS SDK (or the aws CLI) at these services. */
  env(): Record<string, string>;
  /** Human-readable lines: endpoints, where data lives, ready-to-paste aws CLI commands. */
  describe(tables?: readonly string[]): string;
  /** Stop both services; waits until the JVM is gone. Idempotent. */
  stop(): Promise<void>;
}

/** Start DynamoDB Local and s3rver in parallel. If either fails, the other is stopped before this rejects. */
export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const stateDir = options.stateDir === undefined ? undefined : path.resolve(options.stateDir);
  const buckets = [...options.buckets];
  const releaseLock = stateDir === undefined ? () => undefined : lockStateDir(stateDir);
  const [dynamoResult, s3Result] = await Promise.allSettled([
    startDynamoDbLocal({
      port: options.dynamoPort,
      dbPath: stateDir === undefined ? undefined : path.join(stateDir, 'dynamodb'),
      jvmOptions: options.dynamoJvmOptions,
      startTimeoutMs: options.startTimeoutMs,
    }),
    startS3Local({
      port: options.s3Port,
      directory: stateDir === undefined ? undefined : path.join(stateDir, 's3'),
      buckets,
    }),
  ]);
  if (dynamoResult.status === 'rejected' || s3Result.status === 'rejected') {
    await Promise.allSettled([
      dynamoResult.status === 'fulfilled' ? dynamoResult.value.stop() : undefined,
      s3Result.status === 'fulfilled' ? s3Result.value.stop() : undefined,
    ]);
    releaseLock();
    throw dynamoResult.status === 'rejected' ? dynamoResult.reason : (s3Result as PromiseRejectedResult).reason;
  }
  const dynamo = dynamoResult.value;
  const s3 = s3Result.value;

  const env = (): Record<string, string> => ({
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  });

  let stopping: Promise<void> | undefined;
  return {
    dynamoEndpoint: dynamo.endpoint,
    s3Endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    stateDir,
    buckets,
    dynamo,
    s3,
    env,
    describe: (tables = []) => describeServices({ dynamo, s3, stateDir, buckets, tables, env: env() }),
    stop() {
      stopping ??= Promise.allSettled([dynamo.stop(), s3.stop()]).then((results) => {
        releaseLock();
        const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        if (errors.length > 0) {
          throw new LocalServiceError(`local services did not stop cleanly: ${errors.map(String).join('; ')}`, {
            cause: errors[0],
          });
        }
      });
      return stopping;
    },
  };
}

function describeServices(p: {
  dynamo: DynamoDbLocal;
  s3: S3Local;
  stateDir: string | undefined;
  buckets: readonly string[];
  tables: readonly string[];
  env: Record<string, string>;
}): string {
  const { dynamo, s3 } = p;
  const lines = [
    p.stateDir === undefined
      ? 'Local AWS services (in memory: everything is gone when they stop)'
      : `Local AWS services (state kept in ${p.stateDir})`,
    `  DynamoDB Local ${dynamo.version ?? ''}`.trimEnd().padEnd(24) +
      `${dynamo.endpoint}   (JVM pid ${dynamo.pid}; ${dynamo.dbPath ? `data in ${dynamo.dbPath}` : 'in memory'})`,
    '  S3 (s3rver)'.padEnd(24) + `${s3.endpoint}   (objects in ${s3.directory}${s3.temporary ? ', temporary' : ''})`,
    `  region ${LOCAL_REGION}, access key ${LOCAL_CREDENTIALS.accessKeyId}, secret ${LOCAL_CREDENTIALS.secretAccessKey}`,
    '',
    'From a shell (aws CLI):',
    `  export ${Object.entries(p.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  ];
  for (const bucket of p.buckets.length > 0 ? p.buckets : ['<bucket>']) {
    lines.push(`  aws --endpoint-url ${s3.endpoint} s3 ls s3://${bucket} --recursive`);
  }
  lines.push(`  aws dynamodb list-tables --endpoint-url ${dynamo.endpoint}`);
  for (const table of p.tables.length > 0 ? p.tables : ['<table>']) {
    lines.push(`  aws dynamodb scan --endpoint-url ${dynamo.endpoint} --table-name ${table}`);
  }
  return lines.join('\n');
}

/**
 * One set of services per state dir: two DynamoDB Local JVMs on one database file would both start and then
 * interfere. The lock file holds the owner's pid; a lock left by a process that is gone is taken over.
 * Returns the release function.
 */
function lockStateDir(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const lockFile = path.join(stateDir, '.local-services.lock');
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, mine, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(lockFile, 'utf8') === mine) rmSync(lockFile, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
        throw new LocalServiceError(
          `the local state dir ${stateDir} is in use by process ${owner} (${owner === process.pid ? 'this process' : 'another steward'}). ` +
            `Stop it first, or use another --state-dir. If no such process is running, delete ${lockFile}.`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new LocalServiceError(`could not lock the local state dir ${stateDir} (delete ${lockFile} and retry)`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
