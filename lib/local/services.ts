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
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';

import { makeLocalS3Client, type LocalAwsEndpoints } from './aws-clients';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './constants';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { LocalServiceError } from './errors';
import { startS3Local, type S3Local } from './s3-local';
import { advertise, liveServer, lockCommand, previousPorts, takePidLock } from './serve-registry';

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
  /**
   * `steward serve`: keep these services for other processes. They are advertised in `<stateDir>/.local-services.json`
   * (pid and endpoints), and a later `startLocalServices` on the same state dir attaches to them instead of failing
   * on the lock (see `attached`). Needs `stateDir`. Without explicit ports, the ports of the previous serve of this
   * state dir are taken again when they are free, so endpoints stay the same from one serve to the next.
   */
  readonly serve?: boolean;
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
  /**
   * The pid of the `steward serve` whose services these are, when this process attached to them instead of starting
   * its own; stop() then only ends this process's use (the services keep running).
   */
  readonly attachedTo?: number;
  /** The running services, for diagnostics (JVM pid, version, directories); the server's, when attached. */
  readonly dynamo: Pick<DynamoDbLocal, 'endpoint' | 'port' | 'pid' | 'dbPath' | 'version'>;
  readonly s3: Pick<S3Local, 'endpoint' | 'port' | 'directory' | 'temporary'>;
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
  if (options.serve && stateDir === undefined) throw new LocalServiceError('serving local services needs a state dir');
  if (stateDir !== undefined && !options.serve) {
    const served = await attachToServer(stateDir, buckets);
    if (served) return served;
  }
  const releaseLock = stateDir === undefined ? () => undefined : lockStateDir(stateDir);
  let ports: { dynamo?: number; s3?: number } = { dynamo: options.dynamoPort, s3: options.s3Port };
  if (options.serve && ports.dynamo === undefined && ports.s3 === undefined) ports = await previousPorts(stateDir as string);
  const [dynamoResult, s3Result] = await Promise.allSettled([
    startDynamoDbLocal({
      port: ports.dynamo,
      dbPath: stateDir === undefined ? undefined : path.join(stateDir, 'dynamodb'),
      jvmOptions: options.dynamoJvmOptions,
      startTimeoutMs: options.startTimeoutMs,
    }),
    startS3Local({
      port: ports.s3,
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

  const env = (): Record<string, string> => servicesEnv(dynamo.endpoint, s3.endpoint);
  const unadvertise = options.serve ? advertise(stateDir as string, { pid: process.pid, dynamoPort: dynamo.port, s3Port: s3.port, dynamoPid: dynamo.pid, dynamoVersion: dynamo.version, dbPath: dynamo.dbPath, s3Directory: s3.directory }) : () => undefined;

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
      unadvertise();
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

/**
 * The services of a live `steward serve` on this state dir, for this process: the bucket(s) it needs are created when
 * missing, and the command lock is held until stop(). Undefined when no serve is running there.
 */
async function attachToServer(stateDir: string, buckets: readonly string[]): Promise<LocalServices | undefined> {
  const served = liveServer(stateDir);
  if (!served) return undefined;
  const dynamoEndpoint = `http://127.0.0.1:${served.dynamoPort}`;
  const s3Endpoint = `http://127.0.0.1:${served.s3Port}`;
  const release = lockCommand(stateDir, served.pid);
  try {
    await ensureBuckets(s3Endpoint, buckets);
  } catch (cause) {
    release();
    throw new LocalServiceError(
      `steward serve (process ${served.pid}) keeps the services of ${stateDir}, but its S3 at ${s3Endpoint} does not answer (${(cause as Error).message}); stop it (Ctrl-C) and retry`,
      { cause },
    );
  }
  const dynamo = {
    endpoint: dynamoEndpoint,
    port: served.dynamoPort,
    pid: served.dynamoPid ?? served.pid,
    dbPath: served.dbPath,
    version: served.dynamoVersion,
  };
  const s3 = { endpoint: s3Endpoint, port: served.s3Port, directory: served.s3Directory, temporary: false };
  const env = (): Record<string, string> => servicesEnv(dynamoEndpoint, s3Endpoint);
  return {
    dynamoEndpoint,
    s3Endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    stateDir,
    buckets: [...buckets],
    attachedTo: served.pid,
    dynamo,
    s3,
    env,
    describe: (tables = []) =>
      `${describeServices({ dynamo, s3, stateDir, buckets, tables, env: env() })}\n  (kept up by steward serve, process ${served.pid})`,
    stop: async () => release(),
  };
}

/** Create the buckets that do not exist yet (s3rver answers 409 for one that does). */
async function ensureBuckets(s3Endpoint: string, buckets: readonly string[]): Promise<void> {
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = makeLocalS3Client({ s3Endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } }, { maxAttempts: 1 });
  try {
    for (const Bucket of buckets) {
      try {
        await client.send(new CreateBucketCommand({ Bucket }));
      } catch (error) {
        const name = (error as Error).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
      }
    }
  } finally {
    client.destroy();
  }
}

/** Environment that points any AWS SDK or the aws CLI (v1 and v2) at the local services. */
function servicesEnv(dynamoEndpoint: string, s3Endpoint: string): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    // aws-cli v1 (and SDKs before AWS_REGION) read only AWS_DEFAULT_REGION
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

function describeServices(p: {
  dynamo: LocalServices['dynamo'];
  s3: LocalServices['s3'];
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
  return takePidLock(
    lockFile,
    (owner) =>
      `the local state dir ${stateDir} is in use by process ${owner} (${owner === process.pid ? 'this process' : 'another steward'}). ` +
      `Stop it first, or use another --state-dir (or keep the services up with \`steward serve\`: commands then attach to them). If no such process is running, delete ${lockFile}.`,
    `could not lock the local state dir ${stateDir} (delete ${lockFile} and retry)`,
  );
}
